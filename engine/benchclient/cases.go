package benchclient

import (
	"fmt"
	"net"
	"time"
)

// benchCase is one engine.Execute call: a simulator placement and the
// stages measured against it.
type benchCase struct {
	name   string
	mode   string
	sim    simSpec
	stages []stageSpec
	// summarize derives suite-level numbers from the case's results.
	summarize func(rep *Report, res []Result)
}

// stageSpec is one closed-loop stage; every level is one Result.
type stageSpec struct {
	name          string
	concurrency   []int
	requests      int
	warmup        int
	input, output int
}

// simSpec configures the simulator. Zero latency streams every token at
// once; otherwise decodeStep paces the tokens so that streams stay open.
type simSpec struct {
	zeroLatency bool
	decodeStep  time.Duration
	maxNumSeqs  int
	kvTokens    int
}

// maxModelLen is large enough for every profile of the suite.
const maxModelLen = 8192

var zeroLatency = simSpec{zeroLatency: true}

func (h *harness) cases() []benchCase {
	cfg := h.cfg
	var cs []benchCase
	// Streams first: in a fresh process, freed heap from earlier cases
	// cannot absorb the streams' memory and understate it.
	if cfg.Streams > 1 && cfg.SimCommand != nil {
		cs = append(cs, h.streamsCase())
	}
	if cfg.Requests > 0 && len(cfg.Concurrency) > 0 {
		st := stageSpec{name: "throughput", concurrency: cfg.Concurrency, requests: cfg.Requests,
			warmup: 64, input: cfg.InputLen, output: cfg.OutputLen}
		if !cfg.SkipInProcess {
			cs = append(cs, benchCase{name: "throughput " + ModeInProcess, mode: ModeInProcess,
				sim: zeroLatency, stages: []stageSpec{st}})
		}
		if cfg.SimCommand != nil {
			cs = append(cs, benchCase{name: "throughput " + ModeProcess, mode: ModeProcess,
				sim: zeroLatency, stages: []stageSpec{st}})
		}
	}
	if cfg.BigRequests > 0 && cfg.SimCommand != nil {
		cs = append(cs, h.bigCase())
	}
	return cs
}

// streamsCase holds one stream open, then Streams at once, against a
// simulator that paces its tokens, so every stream is open and reading at
// the same time; the difference of peak RSS is the cost of the streams.
func (h *harness) streamsCase() benchCase {
	n := h.cfg.Streams
	const input, output = 16, 16
	return benchCase{
		name: fmt.Sprintf("%d streams in flight", n), mode: ModeProcess,
		sim: simSpec{decodeStep: 50 * time.Millisecond, maxNumSeqs: n, kvTokens: 2 * n * (input + output)},
		stages: []stageSpec{
			{name: "one-stream", concurrency: []int{1}, requests: 2, input: input, output: output},
			{name: "streams", concurrency: []int{n}, requests: 2 * n, input: input, output: output},
		},
		summarize: func(rep *Report, res []Result) {
			if len(res) == 2 {
				per := func(a, b int64) float64 { return float64(b-a) / float64(n-1) }
				rep.StreamBytes = per(res[0].PeakRSS, res[1].PeakRSS)
				one, all := res[0].AtPeak, res[1].AtPeak
				rep.StreamStacks = per(one.Stacks, all.Stacks)
				rep.StreamHeap = per(one.HeapObjects, all.HeapObjects)
				rep.StreamGoroutines = per(one.Goroutines, all.Goroutines)
			}
		},
	}
}

// bigCase is a long stage of 1-token outputs: the per-request cost with
// nothing to stream, and whether memory stays bounded over many requests.
func (h *harness) bigCase() benchCase {
	return benchCase{
		name: fmt.Sprintf("%d requests, 1-token outputs", h.cfg.BigRequests), mode: ModeProcess,
		sim: zeroLatency,
		stages: []stageSpec{{name: "big", concurrency: []int{64}, requests: h.cfg.BigRequests,
			warmup: 64, input: h.cfg.InputLen, output: 1}},
		summarize: func(rep *Report, res []Result) {
			if len(res) == 1 {
				rep.BigHWM = res[0].HWM
			}
		},
	}
}

// freePort asks the kernel for a loopback port that is free right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
