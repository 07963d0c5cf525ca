package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/scrape"
	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
)

// session is the server under test as the run uses it, fixed once
// pre-flight is done: the handle (whose Died covers every kind of server),
// the request settings with the model id the server actually serves, the
// prompt form it accepts, and whether its /metrics are worth scraping.
// It exists so that what pre-flight learns is kept here, never written
// back into the validated scenario; steps only read it.
type session struct {
	handle server.Handle
	url    string // the server's base URL
	api    schema.API
	// model is the id /v1/models lists for model.name: the same, or with an
	// implicit ":latest" that Ollama adds.
	model string
	// tokens is true when prompts go as token ids, false for text.
	tokens bool
	// vocab builds text prompts: calibrated with the server's /tokenize
	// when it has one (exactprompt.go), else the approximation.
	vocab *prompt.Vocabulary
	// scrape is where /metrics is scraped during stages; nil when the
	// server has none worth scraping or scraping is off.
	scrape      *scrape.Options
	seed        int64
	stopTimeout time.Duration
	// sources maps a plan's dataset source to the one that counts with
	// the server's tokenizer, exact those (datasets.go).
	sources map[traffic.Source]traffic.Source
	exact   map[traffic.Source]bool
}

// opening is what opening a session learned, kept in run.json even when
// opening failed: the server's identity and notes for the reader.
type opening struct {
	info  schema.ServerInfo
	notes []string
}

// stopGrace bounds how long stopping the server may take after the run,
// on top of the scenario's stop_timeout.
const stopGrace = 10 * time.Second

// openSession starts (or reaches) the server and checks it against every
// step before any measured request: the model is served, every profile
// fits, one request streams. On error the server is already stopped.
func openSession(ctx context.Context, sc *schema.Scenario, steps []Step, dir string, follow io.Writer, logf func(string, ...any)) (*session, opening, error) {
	s := newSession(sc)
	var op opening
	h, err := server.Start(ctx, serverOptions(sc, dir, follow, logf))
	if err != nil {
		if ctx.Err() != nil {
			return nil, op, interrupted("while starting the server")
		}
		return nil, op, runError(fmt.Errorf("start server: %w", err))
	}
	s.handle, s.url = h, h.URL()
	op.info = h.Info()
	if err := s.preflight(ctx, sc, steps, &op); err != nil {
		s.close(logf)
		return nil, op, err
	}
	s.settlePrompts(ctx, steps, &op)
	if err := s.settleDatasets(ctx, steps, &op); err != nil {
		s.close(logf)
		return nil, op, err
	}
	s.probeMetrics(ctx, sc, &op)
	return s, op, nil
}

// newSession is the session's settings from the scenario, before the
// server had a say.
func newSession(sc *schema.Scenario) *session {
	return &session{api: sc.API, model: sc.Model.Name, seed: sc.Seed, stopTimeout: sc.Server.StopTimeout.D(),
		tokens: tokenPrompts(sc.API), vocab: prompt.DefaultVocabulary(),
		sources: map[traffic.Source]traffic.Source{}, exact: map[traffic.Source]bool{}}
}

// serverOptions is how the scenario's server is started or reached.
func serverOptions(sc *schema.Scenario, dir string, follow io.Writer, logf func(string, ...any)) server.Options {
	return server.Options{Server: sc.Server, RunDir: dir, FollowLog: follow, Builtin: builtin(sc), Logf: logf}
}

// preflight runs server.Preflight with the probe request and keeps what it
// learned.
func (s *session) preflight(ctx context.Context, sc *schema.Scenario, steps []Step, op *opening) error {
	var checks []server.Check
	for _, st := range steps {
		checks = append(checks, server.Check{Stage: st.Stage.Name, Profile: st.Profile, P: checkProfile(st)})
	}
	probe := func(ctx context.Context, model string) error {
		s.model = model
		return s.probe(ctx, op)
	}
	info, err := server.Preflight(ctx, s.url, sc.Model.Name, checks, probe,
		server.WithAuth(sc.API.APIKey, sc.API.Headers))
	op.info = server.MergeInfo(op.info, info)
	var me *server.ModelError
	var pe *probeError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return interrupted("during pre-flight")
	case errors.As(err, &me), errors.As(err, &pe) && pe.fail.Kind == schema.FailModelNotFound:
		return &ConfigError{Err: fmt.Errorf("pre-flight: %w", err)}
	default:
		return runError(fmt.Errorf("pre-flight: %w", err))
	}
	if info.MaxModelLen == 0 {
		op.notes = append(op.notes, contextNote(sc.Model.MaxModelLen))
	}
	return nil
}

// contextNote says that the live context check was skipped, and what was
// checked instead.
func contextNote(declared int) string {
	n := "the server does not report max_model_len in /v1/models, so the live context check was skipped: " +
		"a prompt longer than its context may be truncated silently (Ollama does) instead of refused"
	if declared > 0 {
		n += fmt.Sprintf("; the scenario's model.max_model_len %d was checked when it was validated", declared)
	}
	return n
}

// close stops the server with its own context: the run's may already be
// cancelled, and the server must go away on every path out.
func (s *session) close(logf func(string, ...any)) {
	ctx, cancel := context.WithTimeout(context.Background(), s.stopTimeout+stopGrace)
	defer cancel()
	if err := s.handle.Stop(ctx); err != nil {
		logf("warning: stop server: %v", err)
	}
}

// clientConfig is the complete client configuration of a stage with conns
// connections, every value from the scenario.
func (s *session) clientConfig(conns int) client.Config {
	return client.Config{
		BaseURL:   s.url,
		Endpoint:  s.api.Endpoint,
		Model:     s.model,
		APIKey:    s.api.APIKey,
		Headers:   s.api.Headers,
		Timeout:   s.api.Timeout.D(),
		MaxConns:  conns,
		IgnoreEOS: *s.api.IgnoreEOS,
		Stream:    *s.api.Stream,
	}
}

// request builds request i of spec sp: its prompt as token ids or text, as
// the session settled, of the spec's length and prefix.
func (s *session) request(g *prompt.Generator, i int, sp traffic.Spec) client.Request {
	r := client.Request{InputLen: sp.Input, OutputLen: sp.Output}
	if s.content(g, i, sp, &r) {
		return r
	}
	shape := prompt.Shape{Len: sp.Input, Prefix: sp.Prefix, Group: sp.Group}
	if s.tokens {
		r.TokenIDs = g.TokenIDs(i, shape)
	} else {
		r.Text = g.Text(i, shape, s.vocab)
	}
	return r
}

// tokenPrompts is the prompt form the scenario asks for before the server
// had a say: token ids on completions, text on chat, unless api.prompt
// says otherwise.
func tokenPrompts(api schema.API) bool {
	switch api.Prompt {
	case schema.PromptTokens:
		return true
	case schema.PromptText:
		return false
	}
	return api.Endpoint != schema.EndpointChat
}
