package stats

import (
	"math/rand/v2"
	"testing"
)

// benchLevel is a closed-loop level of n requests of 128 output tokens.
func benchLevel(n int) []Request {
	rs := closedLoop(rand.New(rand.NewPCG(1, 2)), 32, n)
	for i := range rs {
		rs[i].ITL = make([]float32, 127)
		for j := range rs[i].ITL {
			rs[i].ITL[j] = float32(rs[i].E2EL-rs[i].TTFT) / 127
		}
		rs[i].TPOT, rs[i].HasTPOT, rs[i].OutputTokens = (rs[i].E2EL-rs[i].TTFT)/127, true, 128
	}
	return rs
}

// BenchmarkAnalyze is the end-of-level analysis of a 10,000-request level
// (1.27 M inter-token gaps): window, and both windows' intervals of every
// metric. It runs once per level, after the level.
func BenchmarkAnalyze(b *testing.B) {
	rs := benchLevel(10_000)
	b.ReportAllocs()
	for b.Loop() {
		Analyze(rs, Options{})
	}
}

// BenchmarkConverge is one until: check of two targets on the same level.
func BenchmarkConverge(b *testing.B) {
	rs := benchLevel(10_000)
	targets := map[string]float64{"steady.ttft.p99": 0.05, "output_throughput": 0.02}
	b.ReportAllocs()
	for b.Loop() {
		Converge(rs, targets, Options{})
	}
}
