package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// shardedSim serves one simulator every shard reaches.
func shardedSim(t *testing.T) string {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Model, cfg.DecodeStep, cfg.DecodePerSeq, cfg.PrefillPerToken = "m", time.Millisecond, 10*time.Microsecond, time.Microsecond
	cfg.MaxNumSeqs = 64
	url, stop, err := ServeSim(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url
}

// shardResult is what one shard's ExecuteShard returned.
type shardResult struct {
	run *schema.Run
	dir string
	err error
}

// runShards runs every shard of sc in this process, each with its own
// results directory, meeting at a rendezvous on 127.0.0.1.
func runShards(t *testing.T, ctx context.Context, sc *schema.Scenario, n int) []shardResult {
	t.Helper()
	plan, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	out := make([]shardResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			o := Options{Plan: plan, Version: "test", ResultsDir: t.TempDir()}
			so := ShardOptions{Index: i, Count: n, Rendezvous: addr, Key: shard.Key([]byte("s"), ""), Timeout: 30 * time.Second}
			out[i].run, out[i].dir, out[i].err = ExecuteShard(ctx, o, so)
		})
	}
	wg.Wait()
	return out
}

// TestShardedRunMergesExactly runs 4 shards against one simulator: the
// merged run counts every part's requests, and every merged percentile is
// the percentile of the parts' records put together; a merge of the parts
// after the fact (servebench merge) gives the same run.
func TestShardedRunMergesExactly(t *testing.T) {
	url := shardedSim(t)
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: sharded
server: {url: %s}
model: {name: m, max_model_len: 512}
stages:
  - {name: closed, profile: dev, concurrency: [3, 10], requests: 40, warmup: 3}
  - {name: open, profile: dev, rate: 200, requests: 30}
thresholds:
  - expr: completed >= 30
`, url))
	res := runShards(t, context.Background(), sc, 4)
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("shard %d: %v", i, r.err)
		}
	}
	merged, dir := res[0].run, res[0].dir
	if merged.Shard == nil || !merged.Shard.Merged || len(merged.Shard.Parts) != 4 || !merged.Passed {
		t.Fatalf("shard 0 returned %+v, want the merged, passing run of 4 parts", merged.Shard)
	}
	parts := make([]string, 4)
	for i := range parts {
		parts[i] = filepath.Join(dir, "shards", fmt.Sprint(i))
	}
	checkMergedExactly(t, merged, dir, parts)
	if got := readRunFile(t, res[1].dir); got.Shard == nil || got.Shard.Index != 1 || got.Shard.Rendezvous == "" {
		t.Errorf("shard 1's part says %+v, want its shard block", got.Shard)
	}

	again, againDir, err := Merge(context.Background(), MergeOptions{Parts: parts, ResultsDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range merged.Stages {
		a, b := merged.Stages[i].Metrics, again.Stages[i].Metrics
		if a.TTFT.Percentiles["p99"] != b.TTFT.Percentiles["p99"] || a.RequestThroughput != b.RequestThroughput || a.Sent != b.Sent {
			t.Errorf("stage %s: merged live %+v, merged again %+v", merged.Stages[i].ID, a, b)
		}
	}
	if n, m := len(readRecords(t, dir)), len(readRecords(t, againDir)); n != m {
		t.Errorf("the live merge has %d records, the offline one %d", n, m)
	}
}

// checkMergedExactly checks every merged stage against the parts' records.
func checkMergedExactly(t *testing.T, merged *schema.Run, dir string, parts []string) {
	t.Helper()
	var all []schema.RequestRecord
	sent := map[string]int{}
	for _, p := range parts {
		all = append(all, readRecords(t, p)...)
		for _, st := range readRunFile(t, p).Stages {
			sent[st.ID] += st.Metrics.Sent
		}
	}
	mergedRecords := readRecords(t, dir)
	if len(mergedRecords) != len(all) {
		t.Fatalf("merged requests.jsonl has %d records, the parts %d", len(mergedRecords), len(all))
	}
	pct := schema.Percentiles(merged.Scenario.Report.Percentiles)
	for _, st := range merged.Stages {
		if st.Metrics.Sent != sent[st.ID] || st.Metrics.Sent != st.PlannedRequests || st.Status != schema.StatusCompleted {
			t.Errorf("stage %s: merged sent %d (%s), the parts sent %d, planned %d", st.ID, st.Metrics.Sent, st.Status, sent[st.ID], st.PlannedRequests)
		}
		var ttft, e2el, itl, tpot []float64
		seen := map[int]bool{}
		for _, r := range all {
			if r.Stage != st.ID || r.Warmup || r.Error != nil {
				continue
			}
			if seen[r.Index] {
				t.Errorf("stage %s: request %d was sent twice", st.ID, r.Index)
			}
			seen[r.Index] = true
			ttft, e2el, itl = append(ttft, r.TTFTMS), append(e2el, r.E2ELMS), append(itl, r.ITLMS...)
			// TPOT as every run computes it: in whole nanoseconds.
			if v, ok := schema.TPOT(duration(r.TTFTMS), duration(r.E2ELMS), r.OutputTokens, len(r.ITLMS)); ok {
				tpot = append(tpot, ms(v))
			}
		}
		for name, values := range map[string][]float64{"ttft": ttft, "e2el": e2el, "itl": itl, "tpot": tpot} {
			got, _ := st.Metrics.Latency(name)
			want := schema.Summarize(values, pct)
			if got.Count != want.Count || got.Median != want.Median || got.Min != want.Min || got.Max != want.Max ||
				!mapsEqual(got.Percentiles, want.Percentiles) {
				t.Errorf("stage %s %s: merged %+v, the union of the parts' records %+v", st.ID, name, got, want)
			}
		}
		if !st.Metrics.Exact {
			t.Errorf("stage %s: not exact", st.ID)
		}
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestMergeRefusesParts: every reason at once.
func TestMergeRefusesParts(t *testing.T) {
	_, _, err := Merge(context.Background(), MergeOptions{Parts: []string{t.TempDir(), "/nonexistent"}, ResultsDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "cannot merge") || strings.Count(err.Error(), ";") < 1 {
		t.Errorf("Merge of nothing: %v", err)
	}
}

// TestMergeOfAPartThatEndedMidStage: a part whose run.json lacks the stage
// its requests.jsonl already has records of (it ended before saving) is
// merged without those records, and the stage says so and is failed.
func TestMergeOfAPartThatEndedMidStage(t *testing.T) {
	url := shardedSim(t)
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: cut
server: {url: %s}
model: {name: m, max_model_len: 512}
stages:
  - {name: a, profile: dev, concurrency: 2, requests: 6}
  - {name: b, profile: dev, concurrency: 2, requests: 6}
`, url))
	res := runShards(t, context.Background(), sc, 2)
	if res[0].err != nil || res[1].err != nil {
		t.Fatal(res[0].err, res[1].err)
	}
	parts := []string{filepath.Join(res[0].dir, "shards", "0"), filepath.Join(res[0].dir, "shards", "1")}
	cut := readRunFile(t, parts[1])
	cut.Stages = cut.Stages[:1]
	if err := schema.WriteRun(parts[1], cut); err != nil {
		t.Fatal(err)
	}
	run, _, err := Merge(context.Background(), MergeOptions{Parts: parts, ResultsDir: t.TempDir()})
	var re *RunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "stage b/dev/c2 is incomplete") || run.Status != schema.StatusFailed {
		t.Fatalf("Merge: %v (%T), run status %s; want the run failed for the incomplete stage", err, err, run.Status)
	}
	b := run.Stages[1]
	want := "shard 1: 3 records of this stage are left out: its run.json has no result for it (the part ended mid-stage)"
	if b.Status != schema.StatusFailed || b.Metrics.Sent != 3 || !strings.Contains(strings.Join(b.Warnings, "\n"), want) {
		t.Errorf("stage b: %s, sent %d, warnings %q", b.Status, b.Metrics.Sent, b.Warnings)
	}
	if run.Stages[0].Metrics.Sent != 6 || run.Passed {
		t.Errorf("stage a sent %d; run passed %v", run.Stages[0].Metrics.Sent, run.Passed)
	}
}
