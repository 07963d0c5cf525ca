// Package load decides when requests go and keeps the right number in
// flight. A closed-loop stage runs exactly Concurrency workers back to back;
// an open-loop stage sends on a Pacer's schedule (vegeta's idea), optionally
// capped. It knows nothing about HTTP: each request is a Job the caller
// supplies, and Run reports only the client's own behaviour (window, counts,
// achieved concurrency). What a request measured is the caller's business.
package load

import (
	"context"
	"time"
)

// Stop reasons reported in Stats.StopReason.
const (
	StopRequests = ""         // every planned request was sent and returned
	StopDuration = "duration" // the measured duration ran out
	StopCanceled = "canceled" // ctx was cancelled
	StopStopped  = "stopped"  // Spec.Stop was closed: the caller had measured enough
)

// Spec describes one stage level.
type Spec struct {
	// Concurrency is the number of requests in flight: exactly N in a closed
	// loop (at least 1), a cap in an open loop (0 = unlimited).
	Concurrency int
	// Pacer schedules an open loop; nil means closed loop.
	Pacer Pacer
	// Requests is the number of measured requests; 0 means until Duration.
	Requests int
	// Duration is how long new measured requests may start; 0 means until
	// Requests. With both 0 the stage runs until ctx is cancelled.
	Duration time.Duration
	// Warmup requests are sent first and marked in their Ticket. In a closed
	// loop they all complete before the measured window opens; in an open
	// loop they take the first Warmup slots of the Pacer's schedule.
	Warmup int
	// Grace is how long in-flight requests may finish after Duration ends
	// before their ctx is cancelled (k6's second deadline). 0 cancels them at
	// the deadline.
	Grace time.Duration
	// Stop, when closed, ends the measured requests early: no new one
	// starts and the ones in flight finish (within the stage's usual
	// bounds). The caller closes it when it has measured enough
	// (`until:`); nil: never.
	Stop <-chan struct{}
}

// Job performs one request and returns when it is done. It must return
// promptly once ctx is cancelled.
type Job func(ctx context.Context, t Ticket)

// Ticket tells a Job which request it is and when it was meant to go.
type Ticket struct {
	// Index is 0-based among measured requests, or among warmup requests
	// when Warmup is set.
	Index  int
	Warmup bool
	// Scheduled is when the request should have been sent: its slot on the
	// Pacer's schedule (open loop) or the moment a worker picked it (closed
	// loop). Actual send time − Scheduled is the request's send lag.
	Scheduled time.Time
	// InFlight counts requests in flight (warmup included) as this one
	// starts, itself included.
	InFlight int
}

// Stats is the client's account of one stage level.
type Stats struct {
	// Start and End bound the measured window: the first measured send to
	// the return of the last job (completion, cancellation or stop).
	Start, End time.Time
	// Sent counts measured requests handed to the Job; WarmupSent warmup ones.
	Sent, WarmupSent int
	// AchievedConcurrency is the time-weighted mean of measured requests in
	// flight over the window.
	AchievedConcurrency float64
	// MaxInFlight is the largest number of measured requests in flight at once.
	MaxInFlight int
	// StopReason is one of the Stop* constants.
	StopReason string
	// Interrupted is set when ctx was cancelled before the stage ended.
	Interrupted bool
}

// Window is the length of the measured window.
func (s Stats) Window() time.Duration { return s.End.Sub(s.Start) }

// Run executes one stage level and returns when every job it started has
// returned. Cancelling ctx stops new work at once and cancels the jobs' ctx.
func Run(ctx context.Context, spec Spec, job Job) Stats {
	jobCtx, cancelJobs := context.WithCancel(ctx)
	defer cancelJobs()
	r := newRunner(spec, job, cancelJobs)
	switch {
	case ctx.Err() != nil: // already cancelled: send nothing
	case spec.Pacer == nil:
		r.closedLoop(ctx, jobCtx)
	default:
		r.openLoop(ctx, jobCtx)
	}
	r.wg.Wait()
	return r.finish(ctx)
}
