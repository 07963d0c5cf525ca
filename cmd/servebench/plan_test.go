package main

import (
	"strings"
	"testing"
)

// TestPlanShowsWhatTheRunUses: the simulator's context length (it used to
// print 0 while the simulator enforced 4096) and the warmup requests of
// stages that end by duration (it used to print "0 requests").
func TestPlanShowsWhatTheRunUses(t *testing.T) {
	path := writeScenario(t, "version: 1\nname: p\nstages:\n  - {name: d, profile: dev, concurrency: [1, 2], duration: 2s, warmup: 3}\n")
	code, out, errs := runCLI(t, "plan", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"server builtin, model sim-model, max_model_len 4096,", "2 steps; 2 steps end by duration, after 6 warmup requests"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "0 requests") {
		t.Errorf("plan still says 0 requests:\n%s", out)
	}
}

// TestPlanShowsLengthsAsDrawn: a profile whose lengths vary shows the mean
// its requests will draw in the step table, and its distribution as drawn
// (mean, p50, p99, max, prefix share) in a table of its own; the totals add
// up the drawn lengths.
func TestPlanShowsLengthsAsDrawn(t *testing.T) {
	path := writeScenario(t, `version: 1
name: p
profiles:
  docs: {prefix: {tokens: 300, groups: 2}, input: {min: 100, max: 100}, output: {min: 10, max: 10}}
stages:
  - {name: s, profile: [docs, dev], concurrency: 2, requests: 10, warmup: 2}
`)
	code, out, errs := runCLI(t, "plan", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"│ s/docs/c2 │ s     │ docs    │  ~400 │    ~10 │",
		"token lengths as drawn",
		"│ s     │ docs    │       12 │ 400.0      │ 400 │ 400 │ 400 │ 10.0        │ 10  │ 10  │  10 │ 75.0%        │",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	// 12 requests of 400 + 10 tokens, and 12 of dev's 128 + 64.
	if want := "24 requests, 6336 input + 888 output tokens to send"; !strings.Contains(out, want) {
		t.Errorf("plan lacks %q:\n%s", want, out)
	}
}

// TestPlanShowsUntilBounds: a stage with until: shows its requests or
// duration as a bound (≤) and what stops each level earlier.
func TestPlanShowsUntilBounds(t *testing.T) {
	path := writeScenario(t, "version: 1\nname: p\nstages:\n"+
		"  - {name: s, profile: dev, concurrency: [1, 8], requests: 2000, until: {steady.ttft.p99: 5%, output_throughput: 2%}}\n")
	code, out, errs := runCLI(t, "plan", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"≤2000", "at most 4000 requests",
		"stage s: each level stops as soon as output_throughput ±2%, steady.ttft.p99 ±5% (95% interval); ≤ marks its bound"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}
