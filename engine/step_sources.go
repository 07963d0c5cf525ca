package engine

import (
	"time"

	"github.com/servebench/servebench/engine/load"
	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

// The step runner's part of the traffic from files and replies: which
// source a step draws from once pre-flight settled it, a source that runs
// out mid-step, and what a level took from its dataset, its sessions and
// its trace, for its stage result.

// newFinished takes a cleared finished request from the pool.
func (sr *stepRun) newFinished(t load.Ticket, sp traffic.Spec) *finished {
	f := sr.pool.Get().(*finished)
	f.ticket, f.spec = t, sp
	f.turn, f.session, f.end = 0, 0, nil
	return f
}

// sourceFailed ends the step: its source has no request to give (a
// dataset ran out where pre-flight could not look ahead). The first such
// error is the step's stop reason.
func (sr *stepRun) sourceFailed(err error) {
	sr.srcErr.CompareAndSwap(nil, &err)
	sr.cancel()
}

// sourceErr is why the step's source failed, or nil.
func (sr *stepRun) sourceErr() error {
	if p := sr.srcErr.Load(); p != nil {
		return *p
	}
	return nil
}

// trafficTally counts what a level took from its source beyond lengths:
// the dataset records it sent and, for a replay, when requests were due
// and when they went. Owned by the collector.
type trafficTally struct {
	records int // requests that sent a record, warmup included
	// origin is the replay's stage start (a ticket's Scheduled less its
	// offset); sent counts sends per timeline interval.
	origin time.Time
	step   time.Duration
	sent   []int
}

// maxTimelineIntervals bounds a replay's timeline; late sends past it
// count in its last interval.
const maxTimelineIntervals = 240

// add accounts one finished request of the step.
func (t *trafficTally) add(sr *stepRun, f *finished) {
	if f.spec.Record > 0 && (f.turn == 0 || f.end != nil) { // a session's turns send one record
		t.records++
	}
	if sr.step.Trace == nil || f.res.Start.IsZero() {
		return
	}
	if t.origin.IsZero() {
		t.origin = f.ticket.Scheduled.Add(-sr.schedule.Offset(f.ticket.Index + warmupOffset(sr.step, f.ticket)))
		t.step = timelineStep(sr.schedule.Offset(len(sr.schedule) - 1))
		t.sent = make([]int, intervals(sr.schedule, t.step))
	}
	i := int(f.res.Start.Sub(t.origin) / t.step)
	t.sent[min(max(i, 0), len(t.sent)-1)]++
}

// warmupOffset is how far a ticket's index is from its place in the
// schedule, which lists warmup requests first.
func warmupOffset(step Step, t load.Ticket) int {
	if t.Warmup {
		return 0
	}
	return step.Warmup
}

// timelineStep is an interval of 1, 2 or 5 times a power of ten
// milliseconds that cuts span into at most 120 intervals.
func timelineStep(span time.Duration) time.Duration {
	for d := time.Millisecond; ; d *= 10 {
		for _, m := range []time.Duration{1, 2, 5} {
			if span/(m*d) < 120 {
				return m * d
			}
		}
	}
}

// intervals is the timeline's length: the schedule's, plus room for late
// sends, at most maxTimelineIntervals.
func intervals(s load.Schedule, step time.Duration) int {
	n := int(s.Offset(len(s)-1)/step) + 1
	return min(n+n/2+1, maxTimelineIntervals)
}

// trafficResult adds to st what the level took from its dataset, how its
// sessions went and how its replay kept the schedule.
func (sr *stepRun) trafficResult(st *schema.StageResult) {
	if d := sr.dataset(); d != nil {
		entries, skipped := d.Usage()
		u := &schema.DatasetUsage{File: d.File(), Format: d.Format(), Entries: entries, Used: sr.extra.records,
			Measured: sr.runner.sess.measuredBy(sr.src)}
		for r, n := range skipped {
			if n > 0 {
				if u.Skipped == nil {
					u.Skipped = map[string]int{}
				}
				u.Skipped[dataset.Reason(r).String()] = n
			}
		}
		st.Dataset = u
	}
	if sr.sessions != nil {
		st.Sessions = sr.sessions.Finish()
	}
	if t := sr.step.Trace; t != nil {
		st.Replay = sr.replayStats(t)
	}
}

// dataset is the step's dataset source, nil when it reads none.
func (sr *stepRun) dataset() *traffic.Dataset {
	switch s := sr.src.(type) {
	case *traffic.Dataset:
		return s
	case *traffic.Conversation:
		return s.Dataset()
	}
	return nil
}

// replayStats is a replay level's schedule against its sends.
func (sr *stepRun) replayStats(t *traffic.Trace) *schema.ReplayStats {
	r := &schema.ReplayStats{File: t.File(), Speed: sr.step.Speed, Records: t.Len(),
		SpanS: sr.schedule.Offset(len(sr.schedule) - 1).Seconds(), BlockReuse: t.BlockReuse()}
	tl := &sr.extra
	if tl.step == 0 {
		return r
	}
	r.Timeline = schema.Timeline{StepS: tl.step.Seconds(), Sent: tl.sent, Scheduled: make([]int, len(tl.sent))}
	for _, at := range sr.schedule {
		r.Timeline.Scheduled[min(int(at/tl.step), len(tl.sent)-1)]++
	}
	return r
}

// newSessions is the session aggregate of a conversation step, nil for
// any other.
func newSessions(conv *traffic.Conversation, o metrics.Options) *metrics.Sessions {
	if conv == nil {
		return nil
	}
	return metrics.NewSessions(o)
}
