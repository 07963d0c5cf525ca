package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/schema"
)

// stopGrace bounds how long stopping the server may take after the run,
// on top of the scenario's stop_timeout.
const stopGrace = 10 * time.Second

func (e *executor) startServer(ctx context.Context) error {
	h, err := server.Start(ctx, server.Options{
		Server:    e.sc.Server,
		Model:     e.sc.Model,
		RunDir:    e.dir,
		FollowLog: e.o.FollowServerLog,
		Builtin:   e.startBuiltin,
		Logf:      e.logf,
		Secrets:   e.sc.SecretValues(),
	})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w while starting the server", ErrInterrupted)
		}
		return &RunError{Err: fmt.Errorf("start server: %w", err)}
	}
	e.handle = h
	e.result.Server = h.Info()
	return nil
}

// stopServer uses its own context: the run's may already be cancelled, and
// the server must go away on every path out of run.
func (e *executor) stopServer() {
	timeout := e.sc.Server.StopTimeout.D()
	if timeout == 0 {
		timeout = server.DefaultStopTimeout
	}
	timeout += stopGrace
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := e.handle.Stop(ctx); err != nil {
		e.logf("warning: stop server: %v", err)
	}
}

// preflight checks the live server against every step before any measured
// request: the model is served, every profile fits, one request streams.
func (e *executor) preflight(ctx context.Context) error {
	var checks []server.Check
	for _, s := range e.o.Plan.Steps {
		checks = append(checks, server.Check{Stage: s.Stage.Name, Profile: s.Profile, P: s.Lengths})
	}
	url := e.handle.URL()
	info, err := server.Preflight(ctx, url, e.sc.Model.Name, checks, e.probe,
		server.WithAuth(e.sc.API.APIKey, e.sc.API.Headers))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w during pre-flight", ErrInterrupted)
		}
		return &RunError{Err: fmt.Errorf("pre-flight: %w", err)}
	}
	e.result.Server = server.MergeInfo(e.result.Server, info)
	if info.Model != "" {
		e.sc.Model.Name = info.Model
	}
	return nil
}

// probe sends one small streamed request with the scenario's API settings,
// so a wrong endpoint or a server that cannot stream fails before stage one.
func (e *executor) probe(ctx context.Context) error {
	c, err := client.New(e.clientConfig(e.handle.URL(), 1))
	if err != nil {
		return err
	}
	defer c.Close()
	fail := e.probeOnce(ctx, c)
	if fail != nil && fail.Kind == schema.FailBadRequest && e.sc.API.Prompt == schema.PromptAuto && e.tokenPrompts() {
		// Some OpenAI-compatible servers refuse token-id prompts (a plain
		// 4xx); with prompt: auto fall back to text, and say so in the run.
		// Any other failure is the server's fault and is reported as it is.
		e.textPrompts = true
		if e.probeOnce(ctx, c) == nil {
			e.result.Notes = append(e.result.Notes, fmt.Sprintf(
				"the server refused a token-id prompt (%s); prompts are sent as text", fail.Message))
			return nil
		}
		e.textPrompts = false
	}
	if fail != nil {
		return fmt.Errorf("%s: %s", fail.Kind, fail.Message)
	}
	return nil
}

// probeAttempts bounds how often a probe that failed for a possibly
// passing reason (a 5xx, a reset, a broken stream) is tried again: one
// hiccup must not abort a long benchmark, a broken server must.
const probeAttempts = 3

// probeOnce sends the probe request and returns its failure, if any, after
// retrying failures that a healthy server can have now and then.
func (e *executor) probeOnce(ctx context.Context, c *client.Client) *schema.RequestFailure {
	var fail *schema.RequestFailure
	for i := 0; i < probeAttempts && ctx.Err() == nil; i++ {
		req := e.request(prompt.NewGenerator(e.seed), -1-i, schema.Profile{Input: 8, Output: 4})
		var res client.Result
		c.Do(ctx, &req, &res)
		if fail = res.Err; fail == nil || !transient(fail.Kind) {
			return fail
		}
	}
	return fail
}

// transient reports failure kinds worth one more probe.
func transient(kind string) bool {
	switch kind {
	case schema.FailBadRequest, schema.FailContextLength, schema.FailModelNotFound, schema.FailCanceled:
		return false
	}
	return true
}

func (e *executor) clientConfig(url string, conns int) client.Config {
	api := e.sc.API
	return client.Config{
		BaseURL:   url,
		Endpoint:  api.Endpoint,
		Model:     e.sc.Model.Name,
		APIKey:    api.APIKey,
		Headers:   api.Headers,
		Timeout:   api.Timeout.D(),
		MaxConns:  max(conns, 1),
		IgnoreEOS: boolOr(api.IgnoreEOS, true),
		Stream:    boolOr(api.Stream, true),
		Secrets:   e.sc.SecretValues(),
	}
}

// request builds the prompt of request i: token ids on completions, text on
// chat or when the scenario asks for text.
func (e *executor) request(g *prompt.Generator, i int, p schema.Profile) client.Request {
	r := client.Request{InputLen: p.Input, OutputLen: p.Output}
	if e.tokenPrompts() {
		r.TokenIDs = g.TokenIDs(i, p.Input)
	} else {
		r.Text = g.Text(i, p.Input)
	}
	return r
}

func (e *executor) tokenPrompts() bool {
	if e.textPrompts {
		return false
	}
	switch e.sc.API.Prompt {
	case schema.PromptTokens:
		return true
	case schema.PromptText:
		return false
	}
	return e.sc.API.Endpoint != schema.EndpointChat
}

func (e *executor) logf(format string, args ...any) {
	if e.o.Logf != nil {
		e.o.Logf(format, args...)
	}
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
