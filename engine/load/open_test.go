package load

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"
)

func mustPacer(t *testing.T, dist string, rate float64) Pacer {
	t.Helper()
	p, err := NewPacer(dist, rate, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// lags returns each measured request's send lag in the order sent.
func lags(p *probe) []time.Duration {
	var l []time.Duration
	for i, tk := range p.tickets {
		if !tk.Warmup {
			l = append(l, p.sends[i].Sub(tk.Scheduled))
		}
	}
	return l
}

func TestOpenLoopDispatch(t *testing.T) {
	p := &probe{sleep: time.Millisecond}
	spec := Spec{Pacer: mustPacer(t, "constant", 200), Requests: 200}
	st := Run(context.Background(), spec, p.job)
	if st.Sent != 200 || len(p.tickets) != 200 {
		t.Fatalf("sent %d, jobs ran %d; want 200", st.Sent, len(p.tickets))
	}
	checkIndices(t, p.tickets, 200, 0)
	l := lags(p)
	for i, d := range l {
		if d < 0 {
			t.Fatalf("request %d sent %v before its slot", i, -d)
		}
	}
	slices.Sort(l)
	// A timer, not a busy loop: the median request leaves within a few
	// milliseconds of its slot even on a loaded machine.
	if med := l[len(l)/2]; med > 20*time.Millisecond {
		t.Errorf("median send lag %v, want small", med)
	}
	// 200 requests at 200/s: the last slot is at 995 ms.
	if w := st.Window(); w < 995*time.Millisecond {
		t.Errorf("window %v shorter than the schedule", w)
	}
}

func TestOpenLoopCapCountsAsLag(t *testing.T) {
	p := &probe{sleep: 10 * time.Millisecond}
	spec := Spec{Pacer: mustPacer(t, "poisson", math.Inf(1)), Concurrency: 3, Requests: 30}
	st := Run(context.Background(), spec, p.job)
	if st.Sent != 30 || p.max.Load() != 3 || st.MaxInFlight != 3 {
		t.Errorf("sent %d, max in flight %d/%d; want 30 and 3", st.Sent, p.max.Load(), st.MaxInFlight)
	}
	// All 30 were due at once; with 3 slots of at least 10 ms each, the last
	// cannot start before 9 rounds have passed.
	l := lags(p)
	if last := slices.Max(l); last < 90*time.Millisecond {
		t.Errorf("max send lag %v, want at least 90ms of waiting for the cap", last)
	}
}

func TestOpenLoopWarmupTakesFirstSlots(t *testing.T) {
	p := &probe{sleep: time.Millisecond}
	pacer := mustPacer(t, "constant", 500)
	st := Run(context.Background(), Spec{Pacer: pacer, Requests: 10, Warmup: 5}, p.job)
	if st.Sent != 10 || st.WarmupSent != 5 {
		t.Fatalf("sent %d + %d warmup, want 10 + 5", st.Sent, st.WarmupSent)
	}
	checkIndices(t, p.tickets, 10, 5)
	var stageStart time.Time
	for _, tk := range p.tickets {
		if tk.Warmup && tk.Index == 0 {
			stageStart = tk.Scheduled
		}
	}
	for _, tk := range p.tickets {
		want := stageStart.Add(pacer.Offset(tk.Index))
		if !tk.Warmup {
			want = stageStart.Add(pacer.Offset(tk.Index + 5))
		}
		if !tk.Scheduled.Equal(want) {
			t.Errorf("ticket %+v scheduled %v after start, want %v", tk, tk.Scheduled.Sub(stageStart), want.Sub(stageStart))
		}
	}
	if st.Start.Before(stageStart.Add(pacer.Offset(5))) {
		t.Errorf("window opened %v after stage start, before the first measured slot", st.Start.Sub(stageStart))
	}
}

func TestOpenLoopDurationAndGrace(t *testing.T) {
	p := &probe{block: true}
	spec := Spec{Pacer: mustPacer(t, "constant", 100), Duration: 100 * time.Millisecond, Grace: 50 * time.Millisecond}
	st := Run(context.Background(), spec, p.job)
	if st.StopReason != StopDuration || st.Interrupted {
		t.Errorf("stop %q interrupted %v, want duration", st.StopReason, st.Interrupted)
	}
	// Slots every 10 ms over 100 ms: at most 11 fit, and every one of them
	// was cut by the grace deadline because the jobs never finish.
	if st.Sent < 1 || st.Sent > 11 || p.cut.Load() != int64(st.Sent) {
		t.Errorf("sent %d, cut %d; want 1..11, all cut", st.Sent, p.cut.Load())
	}
	if w := st.Window(); w < spec.Duration+spec.Grace {
		t.Errorf("window %v, want at least %v", w, spec.Duration+spec.Grace)
	}
}

func TestOpenLoopCancel(t *testing.T) {
	p := &probe{block: true}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	done := make(chan Stats)
	go func() {
		done <- Run(ctx, Spec{Pacer: mustPacer(t, "constant", 1000), Requests: 100000}, p.job)
	}()
	select {
	case st := <-done:
		if !st.Interrupted || st.StopReason != StopCanceled {
			t.Errorf("interrupted %v stop %q, want canceled", st.Interrupted, st.StopReason)
		}
		if st.Sent == 0 || st.Sent >= 100000 || p.cut.Load() != int64(st.Sent) || p.cur.Load() != 0 {
			t.Errorf("sent %d, cut %d, running %d; want some, all cut, none left", st.Sent, p.cut.Load(), p.cur.Load())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
}
