package metrics

import (
	"time"

	"github.com/servebench/servebench/schema"
)

// Sessions aggregates the measured turns and sessions of a conversation
// stage level beside the Aggregator, which sees every turn as a request:
// latencies by turn index, where a prefix cache shows, and per session its
// duration and the turns it completed. Like the Aggregator it has one
// owner; memory is bounded by the series (ExactLimit samples, then a
// histogram) times the turn indexes, at most schema.MaxTurns.
type Sessions struct {
	o         Options
	turns     []*turnSeries
	later     *series // TTFT of every turn after the first
	duration  *series
	done      *series
	started   int
	completed int
	cut       int
}

// turnSeries is one turn index.
type turnSeries struct {
	sent, completed int
	ttft, e2el, in  *series
}

// NewSessions returns an empty session aggregate with the Aggregator's
// options (percentiles and exact limit).
func NewSessions(o Options) *Sessions {
	o.Percentiles = schema.Percentiles(o.Percentiles)
	if o.ExactLimit <= 0 {
		o.ExactLimit = DefaultExactLimit
	}
	n := o.ExactLimit
	return &Sessions{o: o, later: newSeries(n), duration: newSeries(n), done: newSeries(n)}
}

// AddTurn accounts turn (1-based) of a session; a request cancelled by an
// interrupt is not part of it.
func (s *Sessions) AddTurn(turn int, smp *Sample) {
	if !smp.OK && smp.Kind == schema.FailCanceled {
		return
	}
	for len(s.turns) < turn {
		n := s.o.ExactLimit
		s.turns = append(s.turns, &turnSeries{ttft: newSeries(n), e2el: newSeries(n), in: newSeries(n)})
	}
	t := s.turns[turn-1]
	t.sent++
	if !smp.OK {
		return
	}
	t.completed++
	t.ttft.add(ms(smp.TTFT))
	t.e2el.add(ms(smp.E2EL))
	if smp.InputTokens > 0 {
		t.in.add(float64(smp.InputTokens))
	}
	if turn > 1 {
		s.later.add(ms(smp.TTFT))
	}
}

// EndSession accounts a session that sent a turn: how long it took, how
// many turns completed, whether every turn of it did, and whether it ended
// because its history outgrew the client's bound.
func (s *Sessions) EndSession(d time.Duration, turnsDone int, complete, cut bool) {
	s.started++
	s.duration.add(ms(d))
	s.done.add(float64(turnsDone))
	if complete {
		s.completed++
	}
	if cut {
		s.cut++
	}
}

// Finish summarises the sessions.
func (s *Sessions) Finish() *schema.SessionStats {
	p := s.o.Percentiles
	st := &schema.SessionStats{Started: s.started, Completed: s.completed, HistoryCut: s.cut,
		Duration: s.duration.dist(p), Turns: s.done.dist(p), LaterTTFT: s.later.dist(p),
		ByTurn: make([]schema.TurnStats, len(s.turns))}
	for i, t := range s.turns {
		st.ByTurn[i] = schema.TurnStats{Turn: i + 1, Sent: t.sent, Completed: t.completed,
			TTFT: t.ttft.dist(p), E2EL: t.e2el.dist(p), InputTokens: t.in.dist(p)}
	}
	return st
}
