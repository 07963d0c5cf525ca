package engine

import (
	"context"
	"fmt"

	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
)

// probeError is a probe request that failed, with its classified failure.
type probeError struct{ fail *schema.RequestFailure }

func (e *probeError) Error() string { return fmt.Sprintf("%s: %s", e.fail.Kind, e.fail.Message) }

// probe sends one small streamed request with the scenario's API settings,
// so a wrong endpoint or a server that cannot stream fails before stage one.
// It settles the prompt form: with prompt auto, a server that refuses
// token-id prompts gets text, and the run says so.
func (s *session) probe(ctx context.Context, op *opening) error {
	c, err := client.New(s.clientConfig(1))
	if err != nil {
		return err
	}
	defer c.Close()
	fail := s.probeOnce(ctx, c)
	if fail != nil && fail.Kind == schema.FailBadRequest && s.api.Prompt == schema.PromptAuto && s.tokens {
		// Some OpenAI-compatible servers refuse token-id prompts (a plain
		// 4xx); with prompt: auto fall back to text, and say so in the run.
		// Any other failure is the server's fault and is reported as it is.
		s.tokens = false
		if s.probeOnce(ctx, c) == nil {
			op.notes = append(op.notes, fmt.Sprintf(
				"the server refused a token-id prompt (%s); prompts are sent as text", fail.Message))
			return nil
		}
		s.tokens = true
	}
	if fail != nil {
		return &probeError{fail: fail}
	}
	return nil
}

// probeSpec is the probe request: small, and long enough for a chat
// template to leave a word of content.
var probeSpec = traffic.Spec{Input: 8, Output: 4}

// probeAttempts bounds how often a probe that failed for a possibly
// passing reason (a 5xx, a reset, a broken stream) is tried again: one
// hiccup must not abort a long benchmark, a broken server must.
const probeAttempts = 3

// probeOnce sends the probe request and returns its failure, if any, after
// retrying failures that a healthy server can have now and then.
func (s *session) probeOnce(ctx context.Context, c *client.Client) *schema.RequestFailure {
	var fail *schema.RequestFailure
	for i := 0; i < probeAttempts && ctx.Err() == nil; i++ {
		req := s.request(prompt.NewGenerator(s.seed), -1-i, probeSpec)
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
