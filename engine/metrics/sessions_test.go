package metrics

import (
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// Turns are aggregated by index; the first turn's TTFT stays apart from
// the later ones'; a cancelled turn is not part of it; sessions count
// their duration, their turns and how they ended.
func TestSessionsByTurn(t *testing.T) {
	s := NewSessions(Options{})
	ok := func(ttft time.Duration, in int) *Sample {
		return &Sample{OK: true, TTFT: ttft, E2EL: 2 * ttft, InputTokens: in, OutputTokens: 1}
	}
	s.AddTurn(1, ok(100*time.Millisecond, 10))
	s.AddTurn(2, ok(20*time.Millisecond, 30))
	s.AddTurn(3, ok(30*time.Millisecond, 50))
	s.EndSession(time.Second, 3, true, false)
	s.AddTurn(1, ok(80*time.Millisecond, 12))
	s.AddTurn(2, &Sample{Kind: schema.FailServerError})
	s.EndSession(300*time.Millisecond, 1, false, false)
	s.AddTurn(1, &Sample{Kind: schema.FailCanceled})
	st := s.Finish()
	if st.Started != 2 || st.Completed != 1 || len(st.ByTurn) != 3 || st.Turns.Mean != 2 || st.Duration.Max != 1000 {
		t.Fatalf("sessions %+v", st)
	}
	if b := st.ByTurn[0]; b.Sent != 2 || b.Completed != 2 || b.TTFT.Mean != 90 || b.InputTokens.Mean != 11 {
		t.Errorf("turn 1: %+v", b)
	}
	if b := st.ByTurn[1]; b.Sent != 2 || b.Completed != 1 || b.TTFT.Count != 1 {
		t.Errorf("turn 2: %+v", b)
	}
	if st.LaterTTFT.Count != 2 || st.LaterTTFT.Mean != 25 {
		t.Errorf("later turns' TTFT %+v, want turns 2 and 3: 20 and 30 ms", st.LaterTTFT)
	}
}
