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
