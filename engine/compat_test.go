package engine

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/internal/compat"
	"github.com/servebench/servebench/schema"
)

// The compatibility layer: each quirk of a real server met in the field
// (Ollama v0.17.4 here), as a fake with its wire bytes, run end to end.

func ollamaScenario(t *testing.T, url, model, stages string) *schema.Scenario {
	t.Helper()
	return scenario(t, `
version: 1
name: ollama
server: {url: "`+url+`"}
model: {name: `+model+`}
profiles:
  p: {input: 8, output: 4}
stages:
`+stages)
}

// TestOllamaWithDefaultSettings: no /health, /metrics or max_model_len, a
// tagged model id, /api/version, string-only prompts: the run completes with
// the scenario's defaults, and says what it could not check.
func TestOllamaWithDefaultSettings(t *testing.T) {
	o := &compat.Ollama{Model: "tiny:latest", Version: "0.17.4", TokenDelay: time.Millisecond}
	srv := httptest.NewServer(o)
	defer srv.Close()
	sc := ollamaScenario(t, srv.URL, "tiny", "  - {name: s, profile: p, concurrency: 1, requests: 3}\n")
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatalf("run against Ollama: %v", err)
	}
	if run.Server.Model != "tiny:latest" || run.Server.Version != "0.17.4" || run.Server.MaxModelLen != 0 {
		t.Errorf("server info %+v, want model tiny:latest, version 0.17.4, max_model_len unknown", run.Server)
	}
	if sc.Model.Name != "tiny" {
		t.Errorf("the scenario was changed: model.name is now %q", sc.Model.Name)
	}
	// Ollama sends an all-zero usage object on every chunk, the real one last.
	if m := run.Stages[0].Metrics; m.Completed != 3 || m.TotalInputTokens != 3*8 || m.TotalOutputTokens != 3*4 || m.TokenSource != "usage" {
		t.Errorf("completed %d of 3, tokens %d in, %d out from %q: %+v", m.Completed, m.TotalInputTokens,
			m.TotalOutputTokens, m.TokenSource, run.Stages[0].Failures)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, want := range []string{"live context check was skipped", "sent as text", "server has no /metrics"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if n := o.Hits("/health"); n != 1 {
		t.Errorf("/health asked %d times, want once (a 404 means there is none)", n)
	}
}

// TestModelNotServedIsAConfigError: a model the server does not serve is a
// scenario that does not fit the server (exit 2), not a server that could
// not be reached (exit 3); nothing is sent.
func TestModelNotServedIsAConfigError(t *testing.T) {
	o := &compat.Ollama{Model: "tiny:latest", Version: "0.17.4"}
	srv := httptest.NewServer(o)
	defer srv.Close()
	run, _, err := execute(t, context.Background(), ollamaScenario(t, srv.URL, "huge", "  - {name: s, profile: p, concurrency: 1, requests: 3}\n"))
	var ce *ConfigError
	var re *RunError
	if !errors.As(err, &ce) || errors.As(err, &re) {
		t.Fatalf("err = %v (%T), want a *ConfigError and no *RunError", err, err)
	}
	if !strings.Contains(err.Error(), `"huge"`) || !strings.Contains(err.Error(), `"tiny:latest"`) {
		t.Errorf("error %q does not name the model and what is served", err)
	}
	if run.Status != schema.StatusFailed || len(run.Stages) != 0 || o.Requests.Load() != 0 {
		t.Errorf("status %q, %d stages, %d generation requests", run.Status, len(run.Stages), o.Requests.Load())
	}
}

// TestAttachedServerKilledMidStage: an attached server that dies stops the
// stage at once (the rest of its requests are not fired at a dead port and
// averaged in), everything measured is saved, and the run could not
// complete (exit 3).
func TestAttachedServerKilledMidStage(t *testing.T) {
	f := &fakeServer{ttft: 5 * time.Millisecond, itl: time.Millisecond, maxModelLen: 4096}
	k := compat.StartKillable(t, f.handler())
	sc := fakeScenario(t, "killed", k.URL, `
profiles:
  p: {input: 4, output: 8}
stages:
  - {name: s, profile: p, concurrency: 2, duration: 60s}
  - {name: never, profile: p, concurrency: 1, requests: 1}
`)
	killed := make(chan time.Time, 1)
	p, _ := NewPlan(sc)
	o := Options{Plan: p, Version: "test", Observer: &actMidStage{t: t, act: func() { killed <- time.Now(); k.Kill() }}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, dir, err := Execute(ctx, o)
	stopped := time.Since(<-killed)
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RunError (exit 3)", err)
	}
	t.Logf("%v; stopped %s after the kill", err, stopped)
	if stopped > 10*time.Second {
		t.Errorf("the stage ran on for %s after the server died", stopped)
	}
	saved := checkSaved(t, dir, 1)
	st := saved.Stages[0]
	if st.Status != schema.StatusFailed || !strings.Contains(st.StopReason, "went away") {
		t.Errorf("stage status %q, reason %q: want failed because the server went away", st.Status, st.StopReason)
	}
	if saved.Passed || saved.Status != schema.StatusFailed || run.Status != schema.StatusFailed {
		t.Errorf("run passed=%v status=%q", saved.Passed, saved.Status)
	}
	if st.Metrics.Completed < 10 {
		t.Errorf("only %d requests completed before the kill", st.Metrics.Completed)
	}
}

// TestCapHeldOpenLoopIsNotAClientBottleneck: requests of an open loop that
// wait for a free slot under max_concurrency, on a server that runs one
// request at a time, leave late because of the cap, not the client.
func TestCapHeldOpenLoopIsNotAClientBottleneck(t *testing.T) {
	o := &compat.Ollama{Model: "tiny:latest", Version: "0.17.4", TokenDelay: 5 * time.Millisecond}
	srv := httptest.NewServer(o)
	defer srv.Close()
	sc := ollamaScenario(t, srv.URL, "tiny", "  - {name: open, profile: p, rate: 50, max_concurrency: 2, requests: 20}\n")
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	st := run.Stages[0]
	t.Logf("send lag %+v, max in flight %d, warnings %q", st.Client.SendLag, st.Client.MaxInFlight, st.Warnings)
	if st.Client.Bottleneck != "" {
		t.Errorf("blamed on the client: %q", st.Client.Bottleneck)
	}
	if !strings.Contains(strings.Join(st.Warnings, "\n"), "max_concurrency 2 was full") {
		t.Errorf("warnings %q do not name the cap", st.Warnings)
	}
}
