// Package benchclient measures servebench's own client: how many streamed
// requests and chunks per second it sustains, what each chunk costs in CPU
// and allocations, what TTFT and ITL it reports when the server adds no
// latency, and how much memory each in-flight stream and a long stage take.
//
// It runs the real product path, engine.Execute with its load generator,
// client, collector and requests.jsonl writer, against the built-in
// simulator in zero-latency mode, in two placements: in the same process
// (everything counted together), and as a separate `servebench sim` process,
// where this process's rusage is the client's alone. Only the separate
// process answers "client CPU per chunk"; the in-process numbers show the
// ceiling of a one-binary setup.
package benchclient

import (
	"context"
	"fmt"
	"os"
	"time"
)

// Modes of Result.Mode.
const (
	ModeInProcess = "in-process" // the simulator shares this process
	ModeProcess   = "process"    // the simulator is a separate process
)

// Config sizes the suite. Zero sizes skip their case.
type Config struct {
	// SimCommand runs `servebench sim` (for example [exe, "sim"]); the
	// harness appends --port and the simulator flags. Nil skips every
	// separate-process case.
	SimCommand []string
	// SimEnv is added to the simulator process's environment.
	SimEnv []string
	// SkipInProcess skips the in-process throughput case.
	SkipInProcess bool
	// Dir holds the temporary run directories; "" means os.TempDir. Every
	// run directory is removed afterwards (1M requests.jsonl lines are 150 MB).
	Dir string
	// Requests is the measured requests of each throughput level.
	Requests int
	// Concurrency lists the throughput levels (closed loop).
	Concurrency []int
	// InputLen and OutputLen are the tokens of a throughput request.
	InputLen, OutputLen int
	// Streams is the number of streams held open at once for the memory
	// per in-flight stream (needs SimCommand).
	Streams int
	// BigRequests is the size of the 1-token-output stage whose peak RSS is
	// reported (needs SimCommand).
	BigRequests int
	// Logf receives progress lines; nil means silence.
	Logf func(format string, args ...any)
}

// Quick is a suite that finishes in well under a minute on two cores.
func Quick() Config {
	return Config{Requests: 3000, Concurrency: []int{1, 64}, InputLen: 128, OutputLen: 128,
		Streams: 256, BigRequests: 50_000}
}

// Full is the suite behind the numbers in docs/performance.md.
func Full() Config {
	return Config{Requests: 30_000, Concurrency: []int{1, 64, 256}, InputLen: 128, OutputLen: 128,
		Streams: 1024, BigRequests: 1_000_000}
}

// Report is the outcome of a suite.
type Report struct {
	Results []Result
	// StreamBytes is the RSS added per in-flight stream: the peak RSS with
	// Streams streams open minus the peak with one, divided by Streams-1.
	// Zero when not measured.
	StreamBytes float64
	// StreamStacks, StreamHeap and StreamGoroutines split StreamBytes: the
	// difference of the two levels' largest samples / (Streams-1) of
	// goroutine stack bytes, heap object bytes (live and not yet swept) and
	// goroutines.
	StreamStacks, StreamHeap, StreamGoroutines float64
	// BigHWM is the peak RSS (VmHWM) of this process after the big stage;
	// it covers every stage run before it, so it is an upper bound.
	BigHWM int64
}

// Run measures every case of cfg in order: in-flight streams (first, so
// that no freed heap of an earlier case hides their memory), in-process
// throughput, separate-process throughput, then the big stage (last,
// because its VmHWM covers everything before it).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	dir, err := os.MkdirTemp(cfg.Dir, "servebench-bench-client-")
	if err != nil {
		return nil, fmt.Errorf("bench-client: %w", err)
	}
	defer os.RemoveAll(dir)
	rep := &Report{}
	h := &harness{cfg: cfg, dir: dir}
	for _, c := range h.cases() {
		h.logf("bench-client: %s", c.name)
		start := time.Now()
		res, err := h.runCase(ctx, c)
		if err != nil {
			return rep, fmt.Errorf("bench-client: case %q: %w", c.name, err)
		}
		h.logf("bench-client: %s done in %s", c.name, time.Since(start).Round(time.Millisecond))
		rep.Results = append(rep.Results, res...)
		if c.summarize != nil {
			c.summarize(rep, res)
		}
	}
	return rep, nil
}

type harness struct {
	cfg Config
	dir string
}

func (h *harness) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
}
