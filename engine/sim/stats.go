package sim

import "sync/atomic"

// Stats are the simulator's counters, for tests that check what the server
// saw rather than what a client believes.
type Stats struct {
	Requests        int64 // generation requests received
	Completed       int64 // generation requests that streamed or returned every token
	Rejected        int64 // generation requests answered 4xx (bad JSON, unknown model, too long)
	InjectedErrors  int64 // ErrorRate faults
	Drops           int64 // DropRate faults
	Malformed       int64 // MalformedRate faults
	Stalls          int64 // StallRate faults
	MidStreamErrors int64 // ErrorMidStream faults
	Aborted         int64 // requests whose client left or whose server stopped or exited
	PromptTokens    int64 // prompt tokens of accepted requests
	GeneratedTokens int64 // tokens written to clients
	Running         int64 // sequences running now
	Waiting         int64 // sequences waiting now
	MaxRunning      int64 // most sequences ever running together
	MaxKVReserved   int64 // most KV tokens ever reserved together
	Steps           int64 // engine steps taken
	// PrefixCacheQueries and PrefixCacheHits are the prompt tokens looked up
	// in the prefix cache and found there (vllm:prefix_cache_*_total).
	PrefixCacheQueries, PrefixCacheHits int64
}

// counters are the atomics behind Stats.
type counters struct {
	requests, completed, rejected                atomic.Int64
	injected, drops, malformed, stalls, midError atomic.Int64
	aborted, prompt, generated, inflight         atomic.Int64
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	c := &s.stats
	st := Stats{
		Requests: c.requests.Load(), Completed: c.completed.Load(), Rejected: c.rejected.Load(),
		InjectedErrors: c.injected.Load(), Drops: c.drops.Load(), Malformed: c.malformed.Load(),
		Stalls: c.stalls.Load(), MidStreamErrors: c.midError.Load(), Aborted: c.aborted.Load(),
		PromptTokens: c.prompt.Load(), GeneratedTokens: c.generated.Load(),
	}
	g := s.gauges()
	st.Running, st.Waiting = g.running, g.waiting
	st.PrefixCacheQueries, st.PrefixCacheHits = g.cacheQueries, g.cacheHits
	if s.sched != nil {
		st.MaxRunning = s.sched.gauges.maxRunning.Load()
		st.MaxKVReserved = s.sched.gauges.maxKVReserved.Load()
		st.Steps = s.sched.gauges.steps.Load()
	}
	return st
}
