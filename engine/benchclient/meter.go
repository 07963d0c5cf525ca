package benchclient

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
)

// rssInterval is how often VmRSS is sampled during a step: often enough to
// catch the peak of a stage lasting seconds, rarely enough (a /proc read is
// ~20 µs) to stay out of the CPU numbers.
const rssInterval = 20 * time.Millisecond

// meter is the engine.Observer that brackets every step with this
// process's rusage and allocation counters and samples its RSS while the
// step runs. Observer calls come from the executor goroutine, between
// steps, so the brackets hold exactly one step's work: warmup, measured
// requests, collection and requests.jsonl writing.
type meter struct {
	c       benchCase
	begin   snapshot
	sampler *rssSampler
	results []Result
}

var _ engine.Observer = (*meter)(nil)

// snapshot is the process counters at one instant.
type snapshot struct {
	cpu     time.Duration
	mallocs uint64
	bytes   uint64
}

func takeSnapshot() snapshot {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return snapshot{cpu: cpuTime(), mallocs: ms.Mallocs, bytes: ms.TotalAlloc}
}

// cpuTime is this process's user+system CPU time; with the server in
// another process it is the client's alone.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (m *meter) StepStarted(engine.Step, int, int, *engine.Live) {
	m.sampler = startRSSSampler(rssInterval)
	m.begin = takeSnapshot()
}

func (m *meter) StepFinished(st *schema.StageResult) {
	end := takeSnapshot()
	peak := m.sampler.stop()
	_, hwm := readRSS()
	m.results = append(m.results, Result{
		Case: m.c.name, Mode: m.c.mode, Stage: st.Stage, Concurrency: st.Concurrency,
		OutputLen: st.OutputLen, Warmup: st.Warmup,
		Completed: st.Metrics.Completed, Failed: st.Metrics.Failed,
		Chunks: st.Metrics.TotalOutputTokens, Seconds: st.Metrics.DurationS,
		ReqPerSec: st.Metrics.RequestThroughput, ChunksPerSec: st.Metrics.OutputThroughput,
		CPU: end.cpu - m.begin.cpu, Allocs: end.mallocs - m.begin.mallocs, AllocBytes: end.bytes - m.begin.bytes,
		TTFT: st.Metrics.TTFT, ITL: st.Metrics.ITL, E2EL: st.Metrics.E2EL, Queue: st.Client.QueueTime,
		PeakRSS: peak.rss, AtPeak: peak.mem, HWM: hwm, Bottleneck: st.Client.Bottleneck, Status: st.Status,
	})
}

// rssSampler records the largest VmRSS seen until stopped, and the
// largest of what the Go runtime held.
type rssSampler struct {
	quit chan struct{}
	wg   sync.WaitGroup
	peak peakSample
}

type peakSample struct {
	rss int64
	mem RuntimeMem
}

// RuntimeMem is what the Go runtime holds (runtime/metrics), each figure
// the largest sampled during a step: it attributes the RSS of in-flight
// streams to goroutine stacks or heap.
type RuntimeMem struct {
	Stacks      int64 // /memory/classes/heap/stacks:bytes
	HeapObjects int64 // /memory/classes/heap/objects:bytes (live and not yet swept)
	Goroutines  int64 // /sched/goroutines:goroutines
}

var runtimeSamples = []string{
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/heap/objects:bytes",
	"/sched/goroutines:goroutines",
}

func readRuntimeMem() RuntimeMem {
	s := make([]metrics.Sample, len(runtimeSamples))
	for i, name := range runtimeSamples {
		s[i].Name = name
	}
	metrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(s[i].Value.Uint64())
	}
	return RuntimeMem{Stacks: v(0), HeapObjects: v(1), Goroutines: v(2)}
}

func startRSSSampler(every time.Duration) *rssSampler {
	s := &rssSampler{quit: make(chan struct{})}
	s.sample()
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				s.sample()
			}
		}
	})
	return s
}

// sample keeps the largest value of each figure. They peak at different
// times: goroutines and stacks while the streams are open, RSS often later
// (the runtime returns freed pages lazily).
func (s *rssSampler) sample() {
	rss, _ := readRSS()
	m := readRuntimeMem()
	p := &s.peak
	p.rss = max(p.rss, rss)
	p.mem.Stacks = max(p.mem.Stacks, m.Stacks)
	p.mem.HeapObjects = max(p.mem.HeapObjects, m.HeapObjects)
	p.mem.Goroutines = max(p.mem.Goroutines, m.Goroutines)
}

// stop ends the sampling, takes a last sample and returns the peak.
func (s *rssSampler) stop() peakSample {
	close(s.quit)
	s.wg.Wait()
	s.sample()
	return s.peak
}
