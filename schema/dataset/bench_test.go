package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/schema/dataset/synth"
)

// The 1 GB benchmark streams a generated JSONL file through the reader and
// the samplers the way a stage consumes it, in a child process whose peak
// RSS (VmHWM) is the number: the parent's generated-file writer and the
// test framework stay out of it. It runs only under -bench:
//
//	go test -run '^$' -bench Stream1GB -benchtime 1x ./schema/dataset
const (
	streamFileEnv = "SERVEBENCH_DATASET_STREAM_FILE"
	streamSize    = 1 << 30
	streamSamples = 100_000
	// streamRSSBudget is the bound on a stage streaming the file:
	// 100 MB (decimal, the stricter reading).
	streamRSSBudget = 100_000_000
)

// streamResult is what the child measured.
type streamResult struct {
	Bytes, Entries                   int64
	IndexSeconds, IndexCPUSeconds    float64
	SequentialSeconds, RandomSeconds float64
	SamplingCPUSeconds               float64
	SequentialSamples, RandomSamples int
	RandomSkipped                    int
	LimitSeconds                     float64
	PeakRSSBytes                     int64
}

func BenchmarkStream1GB(b *testing.B) {
	file := filepath.Join(b.TempDir(), "prompts.jsonl")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	n, err := synth.PromptsJSONL(f, 14, streamSize)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s: %d records", file, n)
	b.ResetTimer()
	for range b.N {
		res := runStreamChild(b, file)
		mib := float64(res.Bytes) / (1 << 20)
		b.ReportMetric(mib/res.IndexSeconds, "index-MiB/s")
		b.ReportMetric(mib/res.IndexCPUSeconds, "index-MiB/cpu-s")
		b.ReportMetric(float64(res.Entries)/res.IndexSeconds, "index-entries/s")
		b.ReportMetric(float64(res.SequentialSamples)/res.SequentialSeconds, "seq-samples/s")
		b.ReportMetric(float64(res.RandomSamples+res.RandomSkipped)/res.RandomSeconds, "random-reads/s")
		reads := res.SequentialSamples + res.RandomSamples + res.RandomSkipped
		b.ReportMetric(res.SamplingCPUSeconds*1e6/float64(reads), "cpu-µs/read")
		b.ReportMetric(float64(res.PeakRSSBytes)/(1<<20), "peak-RSS-MiB")
		b.Logf("%+v", res)
		if res.PeakRSSBytes >= streamRSSBudget {
			b.Errorf("peak RSS %d bytes, over the budget of %d", res.PeakRSSBytes, streamRSSBudget)
		}
	}
}

// runStreamChild re-executes the test binary as TestStreamChild.
func runStreamChild(b *testing.B, file string) streamResult {
	cmd := exec.Command(os.Args[0], "-test.run=^TestStreamChild$", "-test.v")
	cmd.Env = append(os.Environ(), streamFileEnv+"="+file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(strings.TrimSpace(line), "stream-result: "); ok {
			var res streamResult
			if err := json.Unmarshal([]byte(js), &res); err != nil {
				b.Fatal(err)
			}
			return res
		}
	}
	b.Fatalf("child printed no result:\n%s", out)
	return streamResult{}
}

// TestStreamChild is the child of BenchmarkStream1GB; it does nothing in
// a plain test run.
func TestStreamChild(t *testing.T) {
	file := os.Getenv(streamFileEnv)
	if file == "" {
		t.Skip("the child of BenchmarkStream1GB")
	}
	var res streamResult
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	res.Bytes = fi.Size()
	opts := Options{Format: JSONL, MaxRecordBytes: DefaultMaxRecordBytes}

	start, cpu := time.Now(), cpuTime()
	p, err := Open(ctx, file, opts)
	if err != nil {
		t.Fatal(err)
	}
	res.IndexSeconds, res.IndexCPUSeconds = time.Since(start).Seconds(), (cpuTime() - cpu).Seconds()
	res.Entries = int64(p.Len())

	// A stage taking the first entries in file order.
	start, cpu = time.Now(), cpuTime()
	res.SequentialSamples = drain(t, p, Sampling{Order: Sequential, Filter: Filter{OverLength: Skip}})
	res.SequentialSeconds = time.Since(start).Seconds()

	// A stage taking a seeded random sample with length filters.
	start = time.Now()
	f := Filter{MinInput: 4, MaxInput: 512, MaxModelLen: 1024, OverLength: Skip}
	s, err := p.Sampler(Sampling{Order: Random, Seed: 1, Filter: f}, 0, WordLengths(256))
	if err != nil {
		t.Fatal(err)
	}
	for range streamSamples {
		if _, err := s.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	res.RandomSamples, res.RandomSkipped = streamSamples, s.Skipped().Total()
	res.RandomSeconds = time.Since(start).Seconds()
	res.SamplingCPUSeconds = (cpuTime() - cpu).Seconds()
	p.Close()

	// A dataset limited to its first entries: the read stops there.
	start = time.Now()
	opts.Limit = streamSamples
	lp, err := Open(ctx, file, opts)
	if err != nil {
		t.Fatal(err)
	}
	res.LimitSeconds = time.Since(start).Seconds()
	lp.Close()

	res.PeakRSSBytes = vmHWM(t)
	js, _ := json.Marshal(res)
	t.Logf("stream-result: %s", js)
	os.Stdout.WriteString("stream-result: " + string(js) + "\n")
}

func drain(t *testing.T, p *Prompts, cfg Sampling) int {
	s, err := p.Sampler(cfg, 0, WordLengths(256))
	if err != nil {
		t.Fatal(err)
	}
	for i := range streamSamples {
		if _, err := s.Next(ctx); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
	}
	return streamSamples
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is this process's peak resident set size (Linux /proc).
func vmHWM(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkIndexJSONL and BenchmarkIndexShareGPT measure the streaming
// pass alone on a file in memory (64 MB of JSONL, 20,000 conversations of
// ShareGPT), for quick comparisons.
func BenchmarkIndexJSONL(b *testing.B) {
	var buf bytes.Buffer
	if _, err := synth.PromptsJSONL(&buf, 14, 64<<20); err != nil {
		b.Fatal(err)
	}
	benchIndex(b, buf.Bytes(), JSONL)
}

func BenchmarkIndexShareGPT(b *testing.B) {
	var buf bytes.Buffer
	if err := synth.ShareGPT(&buf, 14, 20000); err != nil {
		b.Fatal(err)
	}
	benchIndex(b, buf.Bytes(), ShareGPT)
}

// benchIndex reports wall and CPU throughput: on a shared machine the CPU
// time is the steadier number.
func benchIndex(b *testing.B, data []byte, format Format) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		p, err := Index(ctx, bytes.NewReader(data), int64(len(data)), "bench", Options{Format: format, MaxRecordBytes: DefaultMaxRecordBytes})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(p.Len()), "entries")
	}
	b.ReportMetric(float64(len(data))*float64(b.N)/(1<<20)/(cpuTime()-cpu).Seconds(), "MiB/cpu-s")
}
