package engine

import (
	"context"
	"math"
	"time"

	"github.com/servebench/servebench/engine/load"
	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// collect starts the step's single owner of aggregates and request records.
// The returned channel closes when every finished request has been taken in.
func (r *stepRun) collect(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var s metrics.Sample
		var rec schema.RequestRecord
		for f := range r.out {
			r.take(ctx, f, &s, &rec)
			r.pool.Put(f)
		}
	}()
	return done
}

// take accounts one finished request: live counters, the aggregator (for
// measured requests) and one requests.jsonl line. A request that could not
// reach the server makes the session check whether the server is gone.
func (r *stepRun) take(ctx context.Context, f *finished, s *metrics.Sample, rec *schema.RequestRecord) {
	if f.res.Err != nil {
		// The message quotes the server; every secret the run knows is
		// hidden before it reaches the results (defence in depth: the
		// client hides what it knows too).
		f.res.Err.Message = redact.String(f.res.Err.Message)
	}
	r.fillSample(s, f)
	r.extra.add(r, f)
	if !f.ticket.Warmup {
		r.agg.Add(s)
		r.tally.add(f)
		r.addSession(f, s)
		if r.until != nil {
			r.until.check(r.agg)
		}
	}
	if f.res.Err != nil && (f.res.Err.Kind == schema.FailConnRefused || f.res.Err.Kind == schema.FailConnReset) {
		r.unreachable.Add(1)
		r.suspect(ctx)
	}
	r.fillRecord(rec, f)
	if err := r.runner.lines.Write(rec); err != nil {
		r.live.writeErr.CompareAndSwap(nil, &err)
	}
}

// suspect checks in the background, one check at a time, whether the
// server is gone. A gone server closes Died, which cancels the stage at
// once: the remaining requests are not fired at a dead port and averaged
// in as failures.
func (r *stepRun) suspect(ctx context.Context) {
	if !r.checking.CompareAndSwap(false, true) {
		return
	}
	r.checks.Add(1)
	go func() {
		defer r.checks.Done()
		defer r.checking.Store(false)
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		_ = r.runner.sess.handle.Check(cctx)
	}()
}

func (r *stepRun) fillSample(s *metrics.Sample, f *finished) {
	res := &f.res
	*s = metrics.Sample{
		OK:           res.Err == nil,
		TTFT:         res.TTFT,
		E2EL:         res.E2EL,
		ITL:          res.ITL,
		InputTokens:  res.InputTokens,
		OutputTokens: res.OutputTokens,
		TokenSource:  res.TokenSource,

		RequestedInput: f.spec.Input, RequestedOutput: f.spec.Output,
		Start: r.sendOffset(f),
	}
	if f.turn > 0 {
		s.RequestedInput = 0 // the prompt is the history and the turn's message: no input drift to judge
	}
	if res.Err != nil {
		s.Kind, s.Status, s.Message = res.Err.Kind, res.Err.Status, res.Err.Message
	}
	if lag, ok := f.lag(); ok && lag > 0 {
		if r.step.OpenLoop() {
			s.SendLag = lag
		} else {
			s.QueueTime = lag
		}
	}
}

func (r *stepRun) fillRecord(rec *schema.RequestRecord, f *finished) {
	res := &f.res
	*rec = schema.RequestRecord{
		Stage:           r.step.ID,
		Variant:         r.step.Variant.name(),
		Index:           r.index(f.ticket),
		Warmup:          f.ticket.Warmup,
		StartMS:         ms(r.sendOffset(f)),
		TTFTMS:          ms(res.TTFT),
		E2ELMS:          ms(res.E2EL),
		RequestedInput:  f.spec.Input,
		RequestedOutput: f.spec.Output,
		RequestedPrefix: f.spec.Prefix,
		PrefixGroup:     f.spec.Group,
		InputTokens:     res.InputTokens,
		OutputTokens:    res.OutputTokens,
		TokenSource:     res.TokenSource,
		FinishReason:    res.FinishReason,
		Error:           res.Err,
		Turn:            f.turn,
		Record:          f.spec.Record,
	}
	if f.turn > 0 {
		rec.Session = sessionNumber(f.session)
	}
	if lag, ok := f.lag(); ok {
		if r.step.OpenLoop() {
			rec.SendLagMS = ms(lag)
			if r.step.Trace != nil {
				rec.ScheduledMS = ms(f.ticket.Scheduled.Sub(r.start))
			}
		} else if lag > 0 {
			rec.QueueMS = ms(lag) // as fillSample counts it, so a merge recounts it
		}
	}
	if len(res.ITL) > 0 {
		rec.ITLMS = make([]float64, len(res.ITL))
		for i, d := range res.ITL {
			rec.ITLMS[i] = ms(d)
		}
	}
}

// lag is how late the request was sent against its ticket's slot. Only a
// conversation's first turn is sent for its ticket: a later turn follows
// its session's earlier turns, and its distance from the slot is theirs.
func (f *finished) lag() (time.Duration, bool) {
	if f.ticket.Scheduled.IsZero() || f.turn > 1 {
		return 0, false
	}
	return f.res.Start.Sub(f.ticket.Scheduled), true
}

// sendOffset is when the request was sent, from the step's start: the time
// base of requests.jsonl. A request that failed before it could be sent
// counts from when its worker picked it.
func (r *stepRun) sendOffset(f *finished) time.Duration {
	t := f.res.Start
	if t.IsZero() {
		t = f.ticket.Scheduled
	}
	return t.Sub(r.start)
}

// addSession accounts a measured request's turn and its session's end,
// and counts it live: a conversation counts sessions, which are what its
// requests setting asks for.
func (r *stepRun) addSession(f *finished, s *metrics.Sample) {
	if r.sessions == nil {
		r.live.add(f.res.Err != nil)
		return
	}
	r.sessions.AddTurn(f.turn, s)
	if e := f.end; e != nil {
		r.sessions.EndSession(e.duration, e.turnsDone, e.complete, e.cut)
		r.live.add(!e.complete)
	}
}

// sessionNumber is the 1-based session of a source index: measured
// sessions 1, 2, ..., warmup ones counted apart (their records say warmup).
func sessionNumber(i int) int {
	if i < 0 {
		return -i
	}
	return i + 1
}

// result turns the aggregator and the load statistics into a stage result.
func (r *stepRun) result(stats load.Stats, cpu time.Duration) *schema.StageResult {
	window := stats.End.Sub(stats.Start)
	st := newStageResult(r.step, r.agg, window)
	st.StartedAt, st.Origin, st.StopReason = stats.Start.UTC(), r.start.UTC(), stats.StopReason
	st.Client.AchievedConcurrency, st.Client.MaxInFlight, st.Client.CPUSeconds =
		stats.AchievedConcurrency, stats.MaxInFlight, cpu.Seconds()
	st.Lengths = r.tally.stats(r.runner.percentiles)
	st.InputLen, st.OutputLen = r.requestedLens(st.Lengths)
	r.analyze(st, stats)
	var warning string
	st.Client.Bottleneck, warning = bottleneck(st, window)
	if warning != "" {
		st.Warnings = append(st.Warnings, warning)
	}
	r.trafficResult(st)
	if p := r.live.writeErr.Load(); p != nil {
		st.Warnings = append(st.Warnings, "requests.jsonl is incomplete: "+(*p).Error())
	}
	return st
}

// requestedLens are the stage's input_len and output_len: the profile's
// (the prompt with its prefix), or the rounded means its measured requests
// asked for when the lengths vary.
func (r *stepRun) requestedLens(l *schema.LengthStats) (input, output int) {
	if in, out, ok := r.step.Lengths.FixedLengths(); ok {
		return in, out
	}
	return int(math.Round(l.RequestedInput.Mean)), int(math.Round(l.RequestedOutput.Mean))
}

// newStageResult is a step's result from its aggregator over window, the
// measured wall time: what a single client and a merge of shards' records
// (merge.go) compute alike. The caller adds how the load ran.
func newStageResult(step Step, agg *metrics.Aggregator, window time.Duration) *schema.StageResult {
	m, failures, warnings := agg.Finish(window)
	in, out, _ := step.Lengths.FixedLengths() // the means of varying lengths come from the caller's tally
	queue, lag := agg.ClientDists()
	if step.OpenLoop() {
		queue = schema.Dist{} // an open loop has no client queue: lag says it all
	} else {
		lag = schema.Dist{} // a closed loop has no schedule to lag behind
	}
	st := &schema.StageResult{
		ID: step.ID, Variant: step.Variant.name(), Stage: step.Stage.Name, Profile: step.Profile,
		InputLen: in, OutputLen: out,
		Concurrency: step.Concurrency, Rate: step.Rate, Repeat: step.Repeat,
		PlannedRequests: step.Requests, PlannedDuration: schema.Duration(step.Duration),
		Warmup:  step.Warmup,
		Metrics: m, Failures: failures, Warnings: warnings,
		Client: schema.ClientStats{TargetConcurrency: step.Concurrency, SendLag: lag, QueueTime: queue},
	}
	if step.OpenLoop() {
		st.Distribution, st.Burstiness = step.Stage.Distribution, step.Stage.Burstiness
	}
	return st
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
