package sim

import (
	"fmt"
	"testing"
)

// BenchmarkSchedulerStep measures the scheduler's own CPU per engine step,
// without its timer: 64 sequences of 512 prompt tokens (the same 496-token
// prefix, then their own 16) each generate 256 tokens, admitted, published
// and stepped exactly as run() does. Prompts are hashed on the request's
// goroutine in the server, so that cost is outside the loop here.
func BenchmarkSchedulerStep(b *testing.B) {
	for _, caching := range []bool{false, true} {
		b.Run(fmt.Sprintf("prefix_caching=%v", caching), func(b *testing.B) {
			s := benchScheduler(caching)
			prompts := make([][]int, 64)
			for i := range prompts {
				prompts[i] = append(tokenRange(1, 496), tokenRange(1000+16*i, 16)...)
			}
			steps := 0
			for b.Loop() {
				b.StopTimer()
				for _, ids := range prompts {
					s.waiting = append(s.waiting, benchSeq(s, ids, 256))
				}
				b.StartTimer()
				for len(s.running)+len(s.waiting) > 0 {
					s.dropCancelled()
					s.admit()
					s.publish()
					s.step()
					steps++
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}

// tokenRange is the ids from, from+1, ..., n of them.
func tokenRange(from, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = from + i
	}
	return ids
}

// benchScheduler is a scheduler with room for every sequence at once.
func benchScheduler(caching bool) *scheduler {
	cfg := fastConfig()
	cfg.KVCacheTokens, cfg.PrefixCaching = 1<<20, caching
	return newScheduler(cfg, nil)
}

// benchSeq is a sequence of the given prompt, prepared as its handler does.
func benchSeq(s *scheduler, ids []int, tokens int) *seq {
	q := newSeq(len(ids), tokens, tokens)
	if s.cache != nil {
		s.cache.prepare(q, ids, tokens)
	}
	return q
}

// BenchmarkPrefixCachePrepare measures what prefix caching adds to a
// request's own goroutine: hashing the full blocks of a 4096-token prompt.
func BenchmarkPrefixCachePrepare(b *testing.B) {
	c := benchScheduler(true).cache
	ids := tokenRange(1, 4096)
	for b.Loop() {
		c.prepare(newSeq(len(ids), 1, 1), ids, 1)
	}
}
