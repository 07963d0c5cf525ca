package benchclient

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/engine/testexec"
)

// TestMain lets the test binary play `servebench sim` (see testexec).
func TestMain(m *testing.M) {
	testexec.Main(m, map[string]testexec.Helper{"sim": serveChild})
}

// serveChild parses the simulator flags the harness passes.
func serveChild(args []string) int {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	port := fs.Int("port", 0, "")
	fs.Bool("quiet", false, "")
	cfg := sim.DefaultConfig()
	fs.IntVar(&cfg.MaxModelLen, "max-model-len", cfg.MaxModelLen, "")
	fs.BoolVar(&cfg.ZeroLatency, "zero-latency", false, "")
	fs.DurationVar(&cfg.DecodeStep, "decode-step", cfg.DecodeStep, "")
	fs.DurationVar(&cfg.DecodePerSeq, "decode-per-seq", cfg.DecodePerSeq, "")
	fs.DurationVar(&cfg.PrefillPerToken, "prefill-per-token", cfg.PrefillPerToken, "")
	fs.IntVar(&cfg.MaxNumSeqs, "max-num-seqs", cfg.MaxNumSeqs, "")
	fs.IntVar(&cfg.KVCacheTokens, "kv-cache-tokens", cfg.KVCacheTokens, "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	err := sim.ListenAndServe(context.Background(), fmt.Sprintf("127.0.0.1:%d", *port), cfg, nil)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestSuiteSmoke runs every case with tiny sizes and checks that each one
// measured what it claims: requests, chunks, CPU, allocations and RSS. It
// asserts no timing.
func TestSuiteSmoke(t *testing.T) {
	cfg := Config{Requests: 40, Concurrency: []int{1, 4}, InputLen: 16, OutputLen: 8,
		Streams: 8, BigRequests: 100, SimCommand: testexec.Argv(t), SimEnv: []string{testexec.Environ("sim")},
		Dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The one-stream and streams levels, 2 modes x 2 levels, the big stage.
	if got := len(rep.Results); got != 7 {
		t.Fatalf("got %d results, want 7: %+v", got, rep.Results)
	}
	for _, r := range rep.Results {
		name := fmt.Sprintf("%s/%s/c=%d", r.Mode, r.Stage, r.Concurrency)
		if r.Completed == 0 || r.Failed != 0 {
			t.Errorf("%s: completed %d, failed %d", name, r.Completed, r.Failed)
		}
		if r.Chunks != int64(r.Completed*r.OutputLen) {
			t.Errorf("%s: %d chunks for %d requests of %d tokens", name, r.Chunks, r.Completed, r.OutputLen)
		}
		if r.CPU <= 0 || r.Allocs == 0 || r.PeakRSS <= 0 || r.HWM <= 0 {
			t.Errorf("%s: cpu %v, allocs %d, peak RSS %d, HWM %d", name, r.CPU, r.Allocs, r.PeakRSS, r.HWM)
		}
		if m := r.AtPeak; m.Goroutines <= 0 || m.Stacks <= 0 || m.HeapObjects <= 0 {
			t.Errorf("%s: runtime memory at the peak not sampled: %+v", name, m)
		}
		if r.TTFT.Count != r.Completed {
			t.Errorf("%s: %d TTFT samples for %d requests", name, r.TTFT.Count, r.Completed)
		}
	}
	if rep.BigHWM <= 0 || rep.StreamBytes == 0 {
		t.Errorf("big HWM %d, stream bytes %f", rep.BigHWM, rep.StreamBytes)
	}
	entries, _ := os.ReadDir(cfg.Dir)
	if len(entries) != 0 {
		t.Errorf("run directories left behind in %s: %v", cfg.Dir, entries)
	}
	var out bytes.Buffer
	if err := Write(&out, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"in-process", "process", "RSS per in-flight stream", "VmHWM"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestImpossibleSuiteIsAnError checks that a suite whose requests cannot
// succeed (prompts longer than the context) fails instead of reporting.
func TestImpossibleSuiteIsAnError(t *testing.T) {
	cfg := Config{Requests: 4, Concurrency: []int{1}, InputLen: maxModelLen, OutputLen: 8, Dir: t.TempDir()}
	_, err := Run(context.Background(), cfg)
	if err == nil {
		t.Fatal("a benchmark whose requests cannot fit the context succeeded")
	}
}

func TestStatusKB(t *testing.T) {
	status := []byte("Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t    1024 kB\n")
	if got := statusKB(status, "VmRSS:"); got != 1024 {
		t.Errorf("VmRSS = %d", got)
	}
	if got := statusKB(status, "VmHWM:"); got != 2048 {
		t.Errorf("VmHWM = %d", got)
	}
	if got := statusKB(status, "VmSwap:"); got != 0 {
		t.Errorf("missing key = %d", got)
	}
}
