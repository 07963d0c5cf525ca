package engine

import (
	"sync/atomic"
	"time"

	"github.com/servebench/servebench/schema"
)

// Observer is told where the run is, for progress displays. Calls come from
// Execute's goroutine; Live is updated concurrently and read atomically.
type Observer interface {
	StepStarted(step Step, index, total int, live *Live)
	StepFinished(st *schema.StageResult)
}

// Live holds the counters of the step in progress.
type Live struct {
	Total    int           // planned measured requests (0: by duration)
	Duration time.Duration // planned duration (0: by requests)
	done     atomic.Int64
	failed   atomic.Int64
	measured atomic.Int64 // unix nanoseconds of the first measured send; 0 during warmup
	writeErr atomic.Pointer[error]
}

// Done is the number of measured requests finished so far.
func (l *Live) Done() int64 { return l.done.Load() }

// MeasuringSince is when the first measured (not warmup) request was sent;
// the zero time while warmup runs. Rates and ETAs count from here.
func (l *Live) MeasuringSince() time.Time {
	if n := l.measured.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// markMeasuring records the first measured send; later calls cost one load.
func (l *Live) markMeasuring(t time.Time) {
	if l.measured.Load() == 0 {
		l.measured.CompareAndSwap(0, t.UnixNano())
	}
}

// Failed is the number of measured requests that failed so far.
func (l *Live) Failed() int64 { return l.failed.Load() }

func (l *Live) add(failed bool) {
	l.done.Add(1)
	if failed {
		l.failed.Add(1)
	}
}

type nopObserver struct{}

func (nopObserver) StepStarted(Step, int, int, *Live) {}
func (nopObserver) StepFinished(*schema.StageResult)  {}

// observer is o, or silence when o is nil.
func observer(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}
