package sim

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// errStopped means the server was closed while a request waited for tokens.
var errStopped = errors.New("simulator stopped")

// seq is one request inside the scheduler. The scheduler owns every field
// except the atomics, which the request's handler reads: generated tells it
// how many tokens exist, notify wakes it, cancelled tells the scheduler the
// client is gone.
//
// The fields every step reads come first, so that they share a cache line.
type seq struct {
	prompt  int // prompt tokens, paid as prefill in the admitting step
	target  int // tokens to generate
	reserve int // KV tokens reserved without prefix caching: prompt + max_tokens

	generated atomic.Int64
	cancelled atomic.Bool
	notify    chan struct{} // capacity 1: a pending wake-up is never lost

	// arrival and first are times on the scheduler's model clock: when the
	// sequence could first be scheduled and when its first token was
	// emitted (the end of the step that admitted it). Their difference is
	// its modelled TTFT, free of the wall clock's noise.
	arrival, first time.Duration

	blocks *seqBlocks // prefix-cache state; nil without prefix caching
}

func newSeq(prompt, target, maxTokens int) *seq {
	return &seq{prompt: prompt, target: target, reserve: prompt + maxTokens, notify: make(chan struct{}, 1)}
}

// wait blocks until more than seen tokens exist and returns their number.
func (q *seq) wait(ctx context.Context, seen int, quit, exited <-chan struct{}) (int, error) {
	for {
		if n := int(q.generated.Load()); n > seen {
			return n, nil
		}
		select {
		case <-q.notify:
		case <-ctx.Done():
			return seen, ctx.Err()
		case <-quit:
			return seen, errStopped
		case <-exited:
			return seen, errExited
		}
	}
}

// scheduler models vLLM's continuous batching with one goroutine: a FIFO
// waiting queue, admission while running < max_num_seqs and the KV
// reservations fit, and engine steps that each emit one token to every
// running sequence. A step lasts DecodeStep + DecodePerSeq*running, plus
// PrefillPerToken for each uncached prompt token admitted in that step
// (chunked prefill folded into the step, as vLLM v1 does). The step time is
// waited on a timer, so an idle or busy simulator costs no CPU between
// steps.
type scheduler struct {
	cfg     Config
	submit  chan *seq
	quit    <-chan struct{}
	waiting []*seq
	running []*seq
	kvUsed  int          // sum of reserve over running, without prefix caching
	cache   *prefixCache // nil without prefix caching

	// clock is the model clock: the sum of the durations of the steps
	// taken. stepEnd is where the step being waited on ends (clock when
	// idle): a sequence arriving now can be scheduled from there.
	clock, stepEnd time.Duration

	gauges schedGauges
	full   fullRecord
}

// schedGauges are written by the scheduler goroutine and read by /metrics
// and Stats.
type schedGauges struct {
	running, waiting, kvTokens atomic.Int64 // kvTokens: prompt + generated of running seqs
	maxRunning, maxKVReserved  atomic.Int64
	steps                      atomic.Int64
}

func newScheduler(cfg Config, quit <-chan struct{}) *scheduler {
	s := &scheduler{cfg: cfg, submit: make(chan *seq, 256), quit: quit}
	if cfg.PrefixCaching {
		s.cache = newPrefixCache(cfg)
	}
	return s
}

// add hands q to the scheduler.
func (s *scheduler) add(ctx context.Context, q *seq) error {
	select {
	case s.submit <- q:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return errStopped
	}
}

func (s *scheduler) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	// due is the wall time the step being waited on ends. Steps follow one
	// another on that schedule rather than each for its duration from when
	// the last one woke: a timer wakes late (by up to a millisecond on
	// Linux, where the runtime's poller sleeps in whole milliseconds), and
	// without the schedule every step would add its lateness, making a
	// 2.2 ms step ~3 ms and a 10% slower decode anything from 0 to 40%
	// slower. A wake-up later than a whole step starts a new schedule
	// instead of crowding the steps that follow.
	var due time.Time
	for {
		if len(s.running) == 0 && len(s.waiting) == 0 {
			due = time.Time{} // idle: the next step starts when work arrives
			if !s.receive(nil) {
				return
			}
		}
		s.dropCancelled()
		before := len(s.running)
		prefill := s.admit()
		s.publish()
		if len(s.running) == 0 {
			continue
		}
		d := s.stepDuration(prefill)
		s.full.began(len(s.running), s.cfg.MaxNumSeqs)
		due = nextDue(due, time.Now(), d)
		timer.Reset(time.Until(due))
		s.stepEnd = s.clock + d
		for _, q := range s.running[before:] {
			q.first = s.stepEnd
		}
		if !s.receive(timer.C) {
			return
		}
		s.clock = s.stepEnd
		s.step()
		s.full.ended()
	}
}

// nextDue is when a step of duration d that follows the step ending at
// due ends, now being when it starts: due + d, or now + d when there was
// no step before it or the last one woke later than a whole step.
func nextDue(due, now time.Time, d time.Duration) time.Time {
	if due.IsZero() || now.Sub(due) > d {
		due = now
	}
	return due.Add(d)
}

// receive queues submitted sequences until tick fires (or, with a nil tick,
// until one sequence arrives). It reports false when the server closes.
func (s *scheduler) receive(tick <-chan time.Time) bool {
	for {
		select {
		case q := <-s.submit:
			q.arrival = s.stepEnd
			s.waiting = append(s.waiting, q)
			if tick == nil {
				return true
			}
		case <-tick:
			return true
		case <-s.quit:
			return false
		}
	}
}

// admit moves waiting sequences to running in arrival order while a slot
// and KV room exist, and returns the prompt tokens to prefill: all of them,
// or with prefix caching those after the cached prefix. A sequence larger
// than the whole KV budget is admitted alone rather than never.
func (s *scheduler) admit() (prefill int) {
	n := 0
	for _, q := range s.waiting {
		if len(s.running) >= s.cfg.MaxNumSeqs {
			break
		}
		cached, ok := s.reserve(q)
		if !ok {
			break
		}
		s.running = append(s.running, q)
		prefill += q.prompt - cached
		n++
	}
	s.waiting = append(s.waiting[:0], s.waiting[n:]...)
	return prefill
}

// reserve takes q's share of the KV budget if it fits, and returns the
// prompt tokens found in the prefix cache.
func (s *scheduler) reserve(q *seq) (cached int, ok bool) {
	alone := len(s.running) == 0
	if s.cache != nil {
		return s.cache.admit(q, alone)
	}
	if s.kvUsed+q.reserve > s.cfg.KVCacheTokens && !alone {
		return 0, false
	}
	s.kvUsed += q.reserve
	return 0, true
}

// release gives back q's share of the KV budget.
func (s *scheduler) release(q *seq) {
	if s.cache != nil {
		s.cache.release(q)
		return
	}
	s.kvUsed -= q.reserve
}

func (s *scheduler) stepDuration(prefill int) time.Duration {
	return s.cfg.DecodeStep + time.Duration(len(s.running))*s.cfg.DecodePerSeq +
		time.Duration(prefill)*s.cfg.PrefillPerToken
}

// step emits one token to every running sequence and retires the finished.
// The prefix cache sees each step first, in a loop of its own, so that the
// loop without it is what it always was.
func (s *scheduler) step() {
	if s.cache != nil {
		for _, q := range s.running {
			s.cache.decoded(q, int(q.generated.Load())+1)
		}
	}
	kept := s.running[:0]
	for _, q := range s.running {
		n := q.generated.Add(1)
		select {
		case q.notify <- struct{}{}:
		default:
		}
		if int(n) >= q.target {
			s.release(q)
			continue
		}
		kept = append(kept, q)
	}
	clear(s.running[len(kept):])
	s.running = kept
	s.gauges.steps.Add(1)
}

// dropCancelled forgets sequences whose client went away.
func (s *scheduler) dropCancelled() {
	kept := s.running[:0]
	for _, q := range s.running {
		if q.cancelled.Load() {
			s.release(q)
			continue
		}
		kept = append(kept, q)
	}
	clear(s.running[len(kept):])
	s.running = kept
	w := s.waiting[:0]
	for _, q := range s.waiting {
		if !q.cancelled.Load() {
			w = append(w, q)
		}
	}
	clear(s.waiting[len(w):])
	s.waiting = w
}

// publish updates the gauges read by /metrics and Stats.
func (s *scheduler) publish() {
	g := &s.gauges
	g.running.Store(int64(len(s.running)))
	g.waiting.Store(int64(len(s.waiting)))
	kv, reserved := 0, s.kvUsed
	if s.cache != nil {
		kv, reserved = s.cache.inUse(s.running), s.cache.reserved()
	} else {
		for _, q := range s.running {
			kv += q.prompt + int(q.generated.Load())
		}
	}
	g.kvTokens.Store(int64(kv))
	storeMax(&g.maxRunning, int64(len(s.running)))
	storeMax(&g.maxKVReserved, int64(reserved))
}

func storeMax(v *atomic.Int64, n int64) {
	if n > v.Load() {
		v.Store(n)
	}
}
