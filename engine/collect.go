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
	}
	if f.turn > 0 {
		s.RequestedInput = 0 // the prompt is the history and the turn's message: no input drift to judge
	}
	if res.Err != nil {
		s.Kind, s.Status, s.Message = res.Err.Kind, res.Err.Status, res.Err.Message
	}
	if lag := res.Start.Sub(f.ticket.Scheduled); lag > 0 && !f.ticket.Scheduled.IsZero() {
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
		Index:           f.ticket.Index,
		Warmup:          f.ticket.Warmup,
		StartMS:         ms(res.Start.Sub(r.start)),
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
	if r.step.OpenLoop() && !f.ticket.Scheduled.IsZero() {
		rec.SendLagMS = ms(res.Start.Sub(f.ticket.Scheduled))
		if r.step.Trace != nil {
			rec.ScheduledMS = ms(f.ticket.Scheduled.Sub(r.start))
		}
	}
	if len(res.ITL) > 0 {
		rec.ITLMS = make([]float64, len(res.ITL))
		for i, d := range res.ITL {
			rec.ITLMS[i] = ms(d)
		}
	}
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
	step := r.step
	window := stats.End.Sub(stats.Start)
	m, failures, warnings := r.agg.Finish(window)
	queue, lag := r.agg.ClientDists()
	if step.OpenLoop() {
		queue = schema.Dist{} // an open loop has no client queue: lag says it all
	} else {
		lag = schema.Dist{} // a closed loop has no schedule to lag behind
	}
	lengths := r.tally.stats(r.runner.percentiles)
	in, out := r.requestedLens(lengths)
	st := &schema.StageResult{
		ID: step.ID, Variant: step.Variant.name(), Stage: step.Stage.Name, Profile: step.Profile,
		InputLen: in, OutputLen: out, Lengths: lengths,
		Concurrency: step.Concurrency, Rate: step.Rate, Repeat: step.Repeat,
		PlannedRequests: step.Requests, PlannedDuration: schema.Duration(step.Duration),
		Warmup: step.Warmup, StartedAt: stats.Start.UTC(), StopReason: stats.StopReason,
		Metrics: m, Failures: failures, Warnings: warnings,
		Client: schema.ClientStats{
			TargetConcurrency: step.Concurrency, AchievedConcurrency: stats.AchievedConcurrency,
			MaxInFlight: stats.MaxInFlight, SendLag: lag, QueueTime: queue, CPUSeconds: cpu.Seconds(),
		},
	}
	if step.OpenLoop() {
		st.Distribution, st.Burstiness = step.Stage.Distribution, step.Stage.Burstiness
	}
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

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
