package load

import (
	"context"
	"slices"
	"sync"
	"syscall"
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

// The precise wait before a slot still ends when the context is cancelled,
// the deadline passes or until: stops the level: a stage is never held by a slot it will not send.
func TestWaitBeforeASlotStops(t *testing.T) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	at := time.Now().Add(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if wait(ctx, timer, at, 2*time.Hour, nil, nil) {
		t.Fatal("wait returned true for a slot an hour away after its context was cancelled")
	}
	deadline := make(chan struct{})
	time.AfterFunc(20*time.Millisecond, func() { close(deadline) })
	if wait(context.Background(), timer, at, 2*time.Hour, deadline, nil) {
		t.Fatal("wait returned true for a slot an hour away after the deadline passed")
	}
	stop := make(chan struct{})
	time.AfterFunc(20*time.Millisecond, func() { close(stop) })
	if wait(context.Background(), timer, at, 2*time.Hour, nil, stop) {
		t.Fatal("wait returned true for a slot an hour away after until: stopped the level")
	}
	if at := time.Now().Add(5 * time.Millisecond); !wait(context.Background(), timer, at, scheduleSpin, nil, nil) || time.Now().Before(at) {
		t.Fatal("wait returned before its slot, or false")
	}
}

// BenchmarkScheduleLag measures the open loop's dispatcher alone on a
// Schedule of 1,000 slots 1 ms apart with jobs that do nothing: the send
// lag's p50 and p99 (ms), and the process's CPU time per slot, which the
// precise wait before each slot raises.
func BenchmarkScheduleLag(b *testing.B) {
	s := make(Schedule, 1000)
	for i := range s {
		s[i] = time.Duration(i) * time.Millisecond
	}
	var lags []float64
	var mu sync.Mutex
	cpu := processCPU(b)
	for b.Loop() {
		lags = lags[:0]
		Run(context.Background(), Spec{Pacer: s, Requests: len(s)}, func(_ context.Context, tk Ticket) {
			l := time.Since(tk.Scheduled)
			mu.Lock()
			lags = append(lags, float64(l)/float64(time.Millisecond))
			mu.Unlock()
		})
	}
	cpu = processCPU(b) - cpu
	slices.Sort(lags)
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/float64(b.N*len(s)), "cpu-µs/slot")
	b.ReportMetric(lags[len(lags)/2], "p50-ms")
	b.ReportMetric(lags[len(lags)*99/100], "p99-ms")
}

// processCPU is the user and system CPU time of this process so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
