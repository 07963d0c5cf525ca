package load

import (
	"context"
	"testing"
	"time"
)

// A Schedule sends each request at its fixed offset, warmup ones first:
// the open loop keeps its clock and its send-lag accounting.
func TestScheduleSendsAtFixedOffsets(t *testing.T) {
	s := Schedule{0, 0, 40 * time.Millisecond, 80 * time.Millisecond, 80 * time.Millisecond}
	if s.Offset(2) != 40*time.Millisecond || s.Offset(9) != 80*time.Millisecond || Schedule(nil).Offset(3) != 0 {
		t.Fatalf("offsets %v %v %v", s.Offset(2), s.Offset(9), Schedule(nil).Offset(3))
	}
	p := &probe{}
	start := time.Now()
	st := Run(context.Background(), Spec{Pacer: s, Requests: 4, Warmup: 1}, p.job)
	if st.Sent != 4 || st.WarmupSent != 1 {
		t.Fatalf("sent %d + %d warmup, want 4 + 1", st.Sent, st.WarmupSent)
	}
	for i, tk := range p.tickets {
		k := tk.Index
		if !tk.Warmup {
			k++
		}
		if off := tk.Scheduled.Sub(start); off < s[k] || off > s[k]+50*time.Millisecond {
			t.Errorf("ticket %d (%+v) scheduled at %v, want %v", i, tk, off, s[k])
		}
		if sent := p.sends[i].Sub(start); sent < s[k] {
			t.Errorf("ticket %d sent at %v, before its offset %v", i, sent, s[k])
		}
	}
}
