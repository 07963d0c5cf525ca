package engine

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// TestCapacitySearchSaysWhenTheAnswerIsOnlyALowerBound: a search in which
// no level failed reports its last level with a warning that the capacity
// may be higher, whether it ran out of levels (search.*.to) or of probes.
func TestCapacitySearchSaysWhenTheAnswerIsOnlyALowerBound(t *testing.T) {
	sc := scenario(t, `
version: 1
name: lower-bound
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
profiles:
  p: {input: 8, output: 4}
stages:
  - {name: to, profile: p, search: {concurrency: {from: 1, to: 2}}, requests: 4, thresholds: [{expr: error_rate <= 1}]}
  - {name: probes, profile: p, search: {concurrency: {from: 1, to: 64}, max_probes: 2}, requests: 4, thresholds: [{expr: error_rate <= 1}]}
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Capacity) != 2 || run.Capacity[0].Value != 2 || run.Capacity[1].Value != 2 || run.Capacity[1].FirstFailing != 0 {
		t.Fatalf("capacity %+v, want 2 and 2 with no failing level", run.Capacity)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, want := range []string{
		`capacity search "to": every level up to search.concurrency.to = 2 passed, so the capacity is at least 2 and may be higher`,
		`capacity search "probes" used all 2 probes (search.max_probes) before any level failed: the capacity is at least 2 and may be higher`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestRunJSONTellsNotEvaluatedFromInterrupted: run.json says enough for a
// summary to tell "defined but never judged" (the server did not start)
// from "interrupted with none failed": the scenario's thresholds are kept,
// the status says how the run ended, and only judged results are listed.
func TestRunJSONTellsNotEvaluatedFromInterrupted(t *testing.T) {
	t.Run("failed start", func(t *testing.T) {
		sc := scenario(t, `
version: 1
name: no-server
server: {url: "http://127.0.0.1:`+strconv.Itoa(freePort(t))+`", ready: {timeout: 200ms, interval: 20ms}}
model: {name: m}
stages: [{name: s, concurrency: 1, requests: 1}]
thresholds: [{expr: error_rate == 0}]
`)
		_, dir, err := execute(t, context.Background(), sc)
		if err == nil {
			t.Fatal("a run against nothing succeeded")
		}
		saved := readRunFile(t, dir)
		if saved.Status != schema.StatusFailed || saved.Error == "" || len(saved.Stages) != 0 ||
			len(saved.Scenario.Thresholds) != 1 {
			t.Errorf("status %q error %q, %d stages, %d thresholds defined: want failed, no stage, the threshold kept",
				saved.Status, saved.Error, len(saved.Stages), len(saved.Scenario.Thresholds))
		}
	})
	t.Run("interrupted", func(t *testing.T) {
		f := &fakeServer{ttft: time.Millisecond, itl: time.Millisecond, maxModelLen: 4096}
		sc := fakeScenario(t, "interrupted", startFake(t, f), `
profiles: {p: {input: 4, output: 4}}
stages:
  - {name: first, profile: p, concurrency: 1, requests: 3}
  - {name: long, profile: p, concurrency: 2, requests: 100000}
thresholds: [{expr: error_rate == 0}]
`)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p, _ := NewPlan(sc)
		_, dir, _ := Execute(ctx, Options{Plan: p, Version: "test", Observer: &actMidStage{t: t, act: cancel, step: 1}})
		saved := readRunFile(t, dir)
		var judged, failed int
		for _, st := range saved.Stages {
			for _, r := range st.Thresholds {
				judged++
				if !r.Passed {
					failed++
				}
			}
		}
		if saved.Status != schema.StatusInterrupted || len(saved.Stages) != 2 || judged != 1 || failed != 0 {
			t.Errorf("status %q, %d stages, %d judged, %d failed: want interrupted, 2 stages, 1 judged, none failed",
				saved.Status, len(saved.Stages), judged, failed)
		}
	})
}
