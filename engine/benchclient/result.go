package benchclient

import (
	"time"

	"github.com/servebench/servebench/schema"
)

// Result is one measured level. CPU and allocations cover the whole step,
// warmup included, so the per-request and per-chunk figures divide by the
// warmup requests too.
type Result struct {
	Case, Mode, Stage string
	Concurrency       int
	OutputLen         int
	Warmup            int
	Completed, Failed int
	// Chunks is the measured content chunks (one per output token here).
	Chunks       int64
	Seconds      float64 // measured window
	ReqPerSec    float64
	ChunksPerSec float64
	// CPU is this process's user+sys time over the step: the client's
	// alone in process mode, client and simulator together in-process.
	CPU        time.Duration
	Allocs     uint64
	AllocBytes uint64
	// TTFT, ITL, E2EL and Queue (time picked to time sent) are the
	// engine's own distributions, in milliseconds.
	TTFT, ITL, E2EL, Queue schema.Dist
	PeakRSS, HWM           int64      // bytes: the largest VmRSS sampled, VmHWM at the end
	AtPeak                 RuntimeMem // the Go runtime's largest figures while PeakRSS was sampled
	Bottleneck             string
	Status                 string
}

// requests counts every request of the step, warmup included.
func (r Result) requests() float64 {
	return float64(r.Completed + r.Failed + r.Warmup)
}

// chunks counts every content chunk of the step, warmup included.
func (r Result) chunks() float64 {
	return float64(r.Chunks) + float64(r.Warmup*r.OutputLen)
}

// CPUPerChunk is the process CPU per streamed chunk.
func (r Result) CPUPerChunk() time.Duration { return div(r.CPU, r.chunks()) }

// CPUPerRequest is the process CPU per request.
func (r Result) CPUPerRequest() time.Duration { return div(r.CPU, r.requests()) }

// AllocsPerRequest is heap allocations per request.
func (r Result) AllocsPerRequest() float64 { return ratio(float64(r.Allocs), r.requests()) }

// AllocsPerChunk is heap allocations per streamed chunk.
func (r Result) AllocsPerChunk() float64 { return ratio(float64(r.Allocs), r.chunks()) }

// BytesPerRequest is heap bytes allocated per request.
func (r Result) BytesPerRequest() float64 { return ratio(float64(r.AllocBytes), r.requests()) }

func div(d time.Duration, n float64) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(float64(d) / n)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}
