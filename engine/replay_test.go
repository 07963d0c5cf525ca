package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// traceRecord is one line of a Mooncake trace written by a test.
type traceRecord struct {
	Timestamp    float64 `json:"timestamp"`
	InputLength  int     `json:"input_length"`
	OutputLength int     `json:"output_length"`
	HashIDs      []int   `json:"hash_ids"`
}

// writeTrace writes records as a Mooncake trace and returns its path.
func writeTrace(t testing.TB, recs []traceRecord) string {
	t.Helper()
	var b strings.Builder
	for _, r := range recs {
		line, _ := json.Marshal(r)
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sharingTrace is n records 25 ms apart in four groups: record k starts
// with 1 to 4 blocks of its group's chain of hash ids, then 0 to 2 blocks
// of its own and a partial block; its output length k+1 tells its
// requests apart.
func sharingTrace(n, block int) []traceRecord {
	recs := make([]traceRecord, n)
	for k := range recs {
		g, shared, own := k%4, 1+(k*7)%4, k%3
		var ids []int
		for j := range shared {
			ids = append(ids, 100*g+j)
		}
		for j := range own {
			ids = append(ids, 1000+10*k+j)
		}
		recs[k] = traceRecord{Timestamp: float64(25 * k), InputLength: (shared+own)*block + 20, OutputLength: k + 1, HashIDs: ids}
	}
	return recs
}

// chainShared is how many leading hash ids of b form a chain that a
// begins with too.
func chainShared(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Records that share hash ids put identical blocks on the wire, and only
// those; every prompt has the trace's input length; and the simulator's
// prefix cache (16-token blocks, dividing the trace's 64) hits exactly the
// share of prompt tokens that the trace's block reuse says, computed here
// from the file.
func TestReplaySharedBlocksOnTheWire(t *testing.T) {
	const block = 64
	recs := sharingTrace(40, block)
	path := writeTrace(t, recs)
	tap, url := startTappedSim(t, false)
	run, _ := runScenario(t, fmt.Sprintf(`
version: 1
name: replay
server: {url: %s, metrics: {interval: 100ms}}
model: {name: m}
stages:
  - name: trace
    replay: {file: %s, format: mooncake, block_size: %d}
`, url, path, block))
	byOutput := map[int][]int{}
	for _, p := range tap.allPrompts(t) {
		byOutput[p.maxTokens] = p.prompt
	}
	for k, r := range recs {
		p := byOutput[r.OutputLength]
		if len(p) != r.InputLength {
			t.Fatalf("record %d: the server saw %d prompt tokens, the trace says %d", k, len(p), r.InputLength)
		}
		for j := range k {
			shared := chainShared(recs[j].HashIDs, r.HashIDs) * block
			if got := sharedLead(byOutput[recs[j].OutputLength], p); got < shared || got >= shared+4 {
				t.Fatalf("records %d and %d share %d hash-id tokens but %d leading tokens on the wire", j, k, shared, got)
			}
		}
	}
	// The reuse the trace says, from the file: a block is shared when an
	// earlier record began with the same chain of ids.
	seen := map[string]bool{}
	var shared, total float64
	for _, r := range recs {
		total += float64(r.InputLength)
		lead := true
		for j := range r.HashIDs {
			chain := fmt.Sprint(r.HashIDs[:j+1])
			lead = lead && seen[chain]
			if lead {
				shared += block
			}
			seen[chain] = true
		}
	}
	st := run.Stages[0]
	hit, ok := st.Server.PrefixCacheHitRate()
	t.Logf("block reuse from the file %.4f, run.json %.4f, simulator hit rate %.4f", shared/total, st.Replay.BlockReuse, hit)
	if math.Abs(st.Replay.BlockReuse-shared/total) > 1e-9 {
		t.Errorf("run.json's block reuse %.4f, the file's %.4f", st.Replay.BlockReuse, shared/total)
	}
	if !ok || math.Abs(hit-shared/total) > 0.005 {
		t.Errorf("the simulator's prefix-cache hit rate %.4f (scraped %v), the trace's block reuse %.4f", hit, ok, shared/total)
	}
	if st.Replay.Records != 40 || st.Metrics.Completed != 40 || len(st.Replay.Timeline.Sent) == 0 {
		t.Errorf("replay %+v, %d completed: want 40 records sent with a timeline", st.Replay, st.Metrics.Completed)
	}
}

// recorded is one completions request the tapped simulator saw.
type recorded struct {
	prompt    []int
	maxTokens int
}

// allPrompts returns every recorded token-id completions request.
func (tap *tappedSim) allPrompts(t *testing.T) []recorded {
	t.Helper()
	tap.mu.Lock()
	defer tap.mu.Unlock()
	var out []recorded
	for _, b := range tap.bodies {
		var req struct {
			Prompt    []int `json:"prompt"`
			MaxTokens int   `json:"max_tokens"`
		}
		if json.Unmarshal(b, &req) == nil {
			out = append(out, recorded{req.Prompt, req.MaxTokens})
		}
	}
	return out
}

// offsetErrors replays a trace of n records 10 ms apart on the
// zero-latency simulator at speed, and returns each request's arrival
// offset error: its send time from requests.jsonl, from the first
// record's, against the trace's timestamp from the first, divided by
// speed (ms, absolute, sorted).
func offsetErrors(t testing.TB, n int, speed float64) []float64 {
	recs := make([]traceRecord, n)
	for k := range recs {
		recs[k] = traceRecord{Timestamp: float64(10 * k), InputLength: 32, OutputLength: 1}
	}
	path := writeTrace(t, recs)
	sc, err := schema.LoadBytes("replay.yaml", []byte(fmt.Sprintf(`
version: 1
server: {builtin: {zero_latency: true}, metrics: {enabled: false}}
stages:
  - name: trace
    replay: {file: %s, format: mooncake, speed: %g}
`, path, speed)), nil)
	if err != nil {
		t.Fatal(err)
	}
	sc.Report.Dir = t.TempDir()
	dir, err := executeTB(t, sc)
	if err != nil {
		t.Fatal(err)
	}
	rs := readRecords(t, dir)
	slices.SortFunc(rs, func(a, b schema.RequestRecord) int { return a.Index - b.Index })
	errs := make([]float64, len(rs))
	for k, r := range rs {
		want := (recs[k].Timestamp - recs[0].Timestamp) / speed
		errs[k] = math.Abs((r.StartMS - rs[0].StartMS) - want)
	}
	slices.Sort(errs)
	return errs
}

// strictTimingEnv, set to 1, holds TestReplayKeepsTheTraceSchedule to the
// issue's bound, 2 ms at p99 over 1,000 records, instead of the always-on
// bound. Run it on a quiet machine: on a shared one the process itself is
// descheduled for several milliseconds now and then, whatever the client
// does (docs/performance.md, "Replay schedule").
const strictTimingEnv = "SERVEBENCH_STRICT_TIMING"

// Requests leave at the trace's times divided by the speed: the arrival
// offsets from requests.jsonl match the trace's timestamps. The always-on
// bound is generous (25 ms at p99 over 100 records), because the machine
// running tests is shared; with SERVEBENCH_STRICT_TIMING=1 it is the
// issue's 2 ms over 1,000 records. BenchmarkReplaySchedule reports the
// same numbers.
func TestReplayKeepsTheTraceSchedule(t *testing.T) {
	n, bound := 100, 25.0
	if os.Getenv(strictTimingEnv) == "1" {
		n, bound = 1000, 2.0
	}
	for _, speed := range []float64{1, 10} {
		errs := offsetErrors(t, n, speed)
		p99 := schema.Percentile(errs, 99)
		t.Logf("speed %g: arrival offset error p50 %.3f ms, p99 %.3f ms, max %.3f ms", speed, schema.Percentile(errs, 50), p99, errs[len(errs)-1])
		if p99 > bound {
			t.Errorf("speed %g: arrival offsets are %.1f ms off the trace at p99, over %g ms", speed, p99, bound)
		}
	}
}

// executeTB plans and runs sc, for tests and benchmarks alike.
func executeTB(t testing.TB, sc *schema.Scenario) (string, error) {
	t.Helper()
	p, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	_, dir, err := Execute(context.Background(), Options{Plan: p, Version: "test"})
	return dir, err
}

// BenchmarkReplaySchedule replays 1,000 records 10 ms apart at speed 1 and
// 10 on the zero-latency simulator and reports the p50, p99 and max of the
// arrival offsets' error against the trace (ms); run it with -benchtime 1x.
func BenchmarkReplaySchedule(b *testing.B) {
	for _, speed := range []float64{1, 10} {
		b.Run(fmt.Sprintf("speed%g", speed), func(b *testing.B) {
			var errs []float64
			for b.Loop() {
				errs = offsetErrors(b, 1000, speed)
			}
			b.ReportMetric(schema.Percentile(errs, 50), "p50-ms")
			b.ReportMetric(schema.Percentile(errs, 99), "p99-ms")
			b.ReportMetric(errs[len(errs)-1], "max-ms")
		})
	}
}
