package load

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// probe is an instrumented job: it counts requests in flight with its own
// atomic counter, records every ticket, and sleeps (or blocks until its ctx
// is cancelled) to stand in for a server.
type probe struct {
	sleep   time.Duration
	block   bool // wait for ctx instead of sleeping
	cur     atomic.Int64
	max     atomic.Int64
	measMax atomic.Int64 // max measured in flight while warmup was running
	warm    atomic.Int64 // warmup jobs in flight
	mu      sync.Mutex
	tickets []Ticket
	sends   []time.Time
	cut     atomic.Int64 // jobs that saw ctx cancelled
}

func (p *probe) job(ctx context.Context, t Ticket) {
	now := time.Now()
	n := p.cur.Add(1)
	defer p.cur.Add(-1)
	for {
		old := p.max.Load()
		if n <= old || p.max.CompareAndSwap(old, n) {
			break
		}
	}
	if t.Warmup {
		p.warm.Add(1)
		defer p.warm.Add(-1)
	} else if p.warm.Load() > 0 {
		p.measMax.Add(1)
	}
	p.mu.Lock()
	p.tickets = append(p.tickets, t)
	p.sends = append(p.sends, now)
	p.mu.Unlock()
	if p.block {
		<-ctx.Done()
	} else {
		select {
		case <-time.After(p.sleep):
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		p.cut.Add(1)
	}
}

func TestClosedLoopExactConcurrency(t *testing.T) {
	tests := []struct {
		name              string
		conc, reqs, warm  int
		wantMax, wantMeas int
	}{
		{"eight workers", 8, 80, 0, 8, 80},
		{"fewer requests than workers", 16, 5, 0, 5, 5},
		{"one worker", 1, 10, 0, 1, 10},
		{"with warmup", 4, 20, 6, 4, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &probe{sleep: 20 * time.Millisecond}
			st := Run(context.Background(), Spec{Concurrency: tt.conc, Requests: tt.reqs, Warmup: tt.warm}, p.job)
			if st.Sent != tt.wantMeas || st.WarmupSent != tt.warm {
				t.Errorf("sent %d (+%d warmup), want %d (+%d)", st.Sent, st.WarmupSent, tt.wantMeas, tt.warm)
			}
			if got := p.max.Load(); got != int64(tt.wantMax) {
				t.Errorf("job saw max %d in flight, want %d", got, tt.wantMax)
			}
			if st.MaxInFlight != tt.wantMax {
				t.Errorf("Stats.MaxInFlight = %d, want %d", st.MaxInFlight, tt.wantMax)
			}
			// Workers run back to back, so the time-weighted mean is close
			// to N; the gaps between jobs only pull it slightly down.
			if ac := st.AchievedConcurrency; ac > float64(tt.wantMax)+1e-9 || ac < 0.75*float64(tt.wantMax) {
				t.Errorf("achieved concurrency %.3f, want close to %d", ac, tt.wantMax)
			}
			checkIndices(t, p.tickets, tt.wantMeas, tt.warm)
			if st.StopReason != StopRequests || st.Interrupted {
				t.Errorf("stop %q interrupted %v, want normal end", st.StopReason, st.Interrupted)
			}
		})
	}
}

// checkIndices asserts each measured and warmup index appears exactly once.
func checkIndices(t *testing.T, tickets []Ticket, meas, warm int) {
	t.Helper()
	seen := map[[2]int]int{}
	for _, tk := range tickets {
		w := 0
		if tk.Warmup {
			w = 1
		}
		seen[[2]int{w, tk.Index}]++
	}
	for i := range meas {
		if seen[[2]int{0, i}] != 1 {
			t.Errorf("measured index %d seen %d times", i, seen[[2]int{0, i}])
		}
	}
	for i := range warm {
		if seen[[2]int{1, i}] != 1 {
			t.Errorf("warmup index %d seen %d times", i, seen[[2]int{1, i}])
		}
	}
	if len(tickets) != meas+warm {
		t.Errorf("%d jobs ran, want %d", len(tickets), meas+warm)
	}
}

func TestClosedLoopWarmupExcludedFromWindow(t *testing.T) {
	p := &probe{sleep: 10 * time.Millisecond}
	before := time.Now()
	st := Run(context.Background(), Spec{Concurrency: 2, Requests: 4, Warmup: 4}, p.job)
	if p.measMax.Load() != 0 {
		t.Errorf("%d measured jobs started while warmup was in flight", p.measMax.Load())
	}
	var lastWarm, firstMeas time.Time
	for i, tk := range p.tickets {
		if tk.Warmup && p.sends[i].After(lastWarm) {
			lastWarm = p.sends[i]
		}
		if !tk.Warmup && (firstMeas.IsZero() || p.sends[i].Before(firstMeas)) {
			firstMeas = p.sends[i]
		}
	}
	// The window opens after the warmup's last job started (and finished).
	if !st.Start.After(lastWarm) || st.Start.After(firstMeas) {
		t.Errorf("window start %v not between last warmup send %v and first measured send %v",
			st.Start.Sub(before), lastWarm.Sub(before), firstMeas.Sub(before))
	}
}

func TestClosedLoopDurationAndGrace(t *testing.T) {
	// Jobs never finish on their own: the stage must end by its two
	// deadlines, cancelling the stragglers after the grace period.
	p := &probe{block: true}
	spec := Spec{Concurrency: 3, Duration: 50 * time.Millisecond, Grace: 50 * time.Millisecond}
	st := Run(context.Background(), spec, p.job)
	if st.StopReason != StopDuration || st.Interrupted {
		t.Errorf("stop %q interrupted %v, want duration", st.StopReason, st.Interrupted)
	}
	if st.Sent != 3 || p.cut.Load() != 3 {
		t.Errorf("sent %d, cancelled %d; want 3 and 3", st.Sent, p.cut.Load())
	}
	if w := st.Window(); w < spec.Duration+spec.Grace || w > 5*time.Second {
		t.Errorf("window %v, want at least duration+grace %v", w, spec.Duration+spec.Grace)
	}
}

func TestClosedLoopDurationLetsShortJobsFinish(t *testing.T) {
	p := &probe{sleep: 5 * time.Millisecond}
	st := Run(context.Background(), Spec{Concurrency: 2, Duration: 60 * time.Millisecond, Grace: time.Minute}, p.job)
	if st.StopReason != StopDuration || p.cut.Load() != 0 {
		t.Errorf("stop %q, %d jobs cut; want duration and none cut", st.StopReason, p.cut.Load())
	}
	if st.Sent < 2 || st.Window() < 60*time.Millisecond {
		t.Errorf("sent %d in %v; want several over at least the duration", st.Sent, st.Window())
	}
}

func TestClosedLoopCancel(t *testing.T) {
	p := &probe{block: true}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	done := make(chan Stats)
	go func() { done <- Run(ctx, Spec{Concurrency: 4, Requests: 1000, Warmup: 0}, p.job) }()
	select {
	case st := <-done:
		if !st.Interrupted || st.StopReason != StopCanceled {
			t.Errorf("interrupted %v stop %q, want canceled", st.Interrupted, st.StopReason)
		}
		if st.Sent != 4 || p.cut.Load() != 4 || p.cur.Load() != 0 {
			t.Errorf("sent %d, cut %d, still running %d; want 4, 4, 0", st.Sent, p.cut.Load(), p.cur.Load())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
}

func TestClosedLoopCancelDuringWarmup(t *testing.T) {
	p := &probe{block: true}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	st := Run(ctx, Spec{Concurrency: 2, Requests: 10, Warmup: 5}, p.job)
	if !st.Interrupted || st.Sent != 0 || st.WarmupSent != 2 {
		t.Errorf("interrupted %v sent %d warmup %d; want true, 0, 2", st.Interrupted, st.Sent, st.WarmupSent)
	}
}

func TestRunAlreadyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, spec := range map[string]Spec{
		"closed": {Concurrency: 4, Requests: 10},
		"open":   {Pacer: constantPacer{}, Requests: 10},
	} {
		p := &probe{}
		st := Run(ctx, spec, p.job)
		if !st.Interrupted || st.Sent != 0 || len(p.tickets) != 0 {
			t.Errorf("%s: interrupted %v, sent %d, jobs %d; want true, 0, 0", name, st.Interrupted, st.Sent, len(p.tickets))
		}
	}
}
