package sim

import (
	"sync"
	"time"
)

// fullRecord is the simulator's own record of when its batch was full,
// for tests that check a client's steady-state window against what the
// server saw: the wall time the first step with max_num_seqs running
// sequences began, and the time the last such step ended.
type fullRecord struct {
	mu          sync.Mutex
	first, last time.Time
	fullStep    bool // the step being waited on began full
}

// began is called as a step begins with running sequences.
func (f *fullRecord) began(running, max int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fullStep = running >= max
	if f.fullStep && f.first.IsZero() {
		f.first = time.Now()
	}
}

// ended is called as a step ends.
func (f *fullRecord) ended() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fullStep {
		f.last = time.Now()
	}
}

// FullBatch returns when the first step that ran a full batch
// (max_num_seqs sequences) began and when the last one ended; zero times
// when the batch was never full or the server has no scheduler.
func (s *Server) FullBatch() (first, last time.Time) {
	if s.sched == nil {
		return time.Time{}, time.Time{}
	}
	f := &s.sched.full
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first, f.last
}
