package load

import (
	"context"
	"testing"
	"time"
)

// TestStopEndsMeasuredRequests: closing Spec.Stop ends a level like its
// duration: nothing new starts, nothing in flight is cut, and the stop
// reason says so. Warmup runs whatever Stop says.
func TestStopEndsMeasuredRequests(t *testing.T) {
	specs := map[string]Spec{
		"closed": {Concurrency: 4, Requests: 100000, Warmup: 3},
		"open":   {Pacer: constantPacer{gap: 0.002}, Requests: 100000, Warmup: 3},
	}
	for name, spec := range specs {
		t.Run(name, func(t *testing.T) {
			stop := make(chan struct{})
			close(stop) // already stopped: warmup still runs, no measured request starts
			spec.Stop = stop
			p := &probe{sleep: time.Millisecond}
			st := Run(context.Background(), spec, p.job)
			if st.WarmupSent != 3 || st.Sent != 0 || st.StopReason != StopStopped {
				t.Errorf("closed stop: warmup %d sent %d reason %q", st.WarmupSent, st.Sent, st.StopReason)
			}

			stop = make(chan struct{})
			spec.Stop, spec.Warmup = stop, 0
			p = &probe{sleep: 5 * time.Millisecond}
			time.AfterFunc(60*time.Millisecond, func() { close(stop) })
			st = Run(context.Background(), spec, p.job)
			if st.Sent == 0 || st.Sent >= 100000 || st.StopReason != StopStopped || st.Interrupted || p.cut.Load() != 0 {
				t.Errorf("stop mid-level: sent %d, reason %q, interrupted %v, cut %d", st.Sent, st.StopReason, st.Interrupted, p.cut.Load())
			}
		})
	}
}
