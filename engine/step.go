package engine

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/load"
	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
)

// stepRunner measures one step at a time against the session: session +
// step -> stage result. It exists to keep the measuring apart from the
// judging and the saving (the recorder's): it holds nothing between steps
// but what every step writes to (requests.jsonl, the observer) and the
// scenario's measuring settings.
type stepRunner struct {
	sess        *session
	lines       *schema.RequestLog
	obs         Observer
	percentiles []float64
	slo         *schema.SLO // the scenario's; a stage's own wins
}

// finished is what a worker hands to the collector: one request, done,
// with what its source asked for.
type finished struct {
	ticket load.Ticket
	spec   traffic.Spec
	res    client.Result
	// turn and session place a conversation's request (turn 0: none);
	// end is set on the last request of a session.
	turn, session int
	end           *sessionEnd
}

// stepRun is the state of one step in flight. Workers only send finished
// requests; the collector goroutine is the single owner of the aggregator
// and the requests.jsonl writer, so nothing on the per-request path locks.
type stepRun struct {
	runner *stepRunner
	step   Step
	client *client.Client
	gen    *prompt.Generator
	agg    *metrics.Aggregator
	tally  lengthTally // owned by the collector, like agg
	until  *until      // nil without until:
	out    chan *finished
	pool   sync.Pool
	live   *Live
	start  time.Time // origin of RequestRecord.StartMS: the step's start, warmup included
	// src is the step's source as pre-flight settled it (exact lengths
	// where the server has a tokenizer); conv is it when it is a
	// conversation, whose sessions are aggregated apart too; schedule is a
	// replay's send times.
	src      traffic.Source
	conv     *traffic.Conversation
	sessions *metrics.Sessions
	schedule load.Schedule
	extra    trafficTally // owned by the collector
	// srcErr is why the source had no request to give; cancel ends the step.
	srcErr atomic.Pointer[error]
	cancel context.CancelFunc
	// unreachable counts requests that could not reach the server
	// (connection refused or reset): a dead server, or one bad request.
	unreachable atomic.Int64
	checking    atomic.Bool // a liveness check is in flight
	checks      sync.WaitGroup
}

// run measures one step. It returns a result for every step that started,
// even when it was cut short, so nothing measured is lost; the result's
// status says how it ended, its thresholds are the recorder's business.
func (r *stepRunner) run(ctx context.Context, step Step, i, total int) (*schema.StageResult, error) {
	if err := r.sess.handle.ExitErr(); err != nil {
		return nil, runError(fmt.Errorf("before stage %s: %w", step.ID, err))
	}
	if step.Part.Idle() {
		r.obs.StepStarted(step, i, total, &Live{})
		return idleResult(step), nil
	}
	sctx, cancel := r.stepContext(ctx, step.Stage.Deadline.D())
	defer cancel()
	sr, err := r.newStepRun(step)
	if err != nil {
		return nil, runError(err)
	}
	sr.cancel = cancel
	defer sr.client.Close()
	r.obs.StepStarted(step, i, total, sr.live)
	scr := r.sess.startScrape(sctx)
	cpu0 := cpuTime()
	sr.start = time.Now() // before the collector starts: it only reads it
	done := sr.collect(sctx)
	job := sr.job
	if sr.conv != nil {
		job = sr.converse
	}
	spec := loadSpec(step, r.sess.seed, sr.schedule)
	spec.Stop = sr.until.stopCh()
	stats := load.Run(sctx, spec, job)
	close(sr.out)
	<-done
	sr.checks.Wait()
	st := sr.result(stats, cpuTime()-cpu0)
	st.Server = stopScrape(scr)
	return st, r.ended(ctx, sr, st)
}

// ended sets the stage's status from how it ended. A stage whose requests
// could not reach the server asks whether the server is gone before it is
// called completed, so a death is blamed on the stage it happened in.
func (r *stepRunner) ended(ctx context.Context, sr *stepRun, st *schema.StageResult) error {
	if sr.unreachable.Load() > 0 && ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		_ = r.sess.handle.Check(cctx)
		cancel()
	}
	switch died := r.sess.handle.ExitErr(); {
	case sr.sourceErr() != nil:
		st.Status, st.StopReason = schema.StatusFailed, sr.sourceErr().Error()
		return runError(fmt.Errorf("stage %s: %w", st.ID, sr.sourceErr()))
	case died != nil:
		st.Status, st.StopReason = schema.StatusFailed, died.Error()
		return runError(fmt.Errorf("stage %s: %w", st.ID, died))
	case ctx.Err() != nil:
		if cause := shardCause(ctx); cause != nil { // another shard ended the run
			st.Status, st.StopReason = statusOf(cause), summary(cause)
			return cause
		}
		st.Status, st.StopReason = schema.StatusInterrupted, "interrupted by the user"
		return interrupted("during stage " + st.ID)
	}
	st.Status = schema.StatusCompleted
	// Neither the user nor a dead server cancelled it: the deadline did.
	if d := sr.step.Stage.Deadline; d > 0 && st.StopReason == load.StopCanceled {
		st.StopReason = "stage deadline reached"
		st.Warnings = append(st.Warnings, fmt.Sprintf("the stage hit its deadline of %s: requests in flight were cut off", d))
	}
	return nil
}

// checkTimeout bounds a liveness check: a refused connection, then the
// time a started process is given to be seen exiting.
const checkTimeout = 10 * time.Second

// stepContext is cancelled by the caller, by the server dying or by the
// stage deadline, whichever comes first, so a dead or stuck server ends the
// stage at once instead of holding the run hostage.
func (r *stepRunner) stepContext(ctx context.Context, deadline time.Duration) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithCancel(ctx)
	if deadline > 0 {
		var cancelT context.CancelFunc
		sctx, cancelT = context.WithTimeout(sctx, deadline)
		cancelW := cancel
		cancel = func() { cancelT(); cancelW() }
	}
	died := r.sess.handle.Died()
	go func() {
		select {
		case <-died:
			cancel()
		case <-sctx.Done():
		}
	}()
	return sctx, cancel
}

// stepConns is the client's connection pool of a step: its concurrency, or
// for an open loop without a cap the pool schema names.
func stepConns(step Step) int {
	if step.OpenLoop() && step.Concurrency == 0 {
		return schema.DefaultOpenLoopConnections
	}
	return step.Concurrency
}

func (r *stepRunner) newStepRun(step Step) (*stepRun, error) {
	cfg := r.sess.clientConfig(stepConns(step))
	if step.Trace != nil {
		cfg.IgnoreEOS = true // a replay generates the trace's output lengths
	}
	c, err := client.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("stage %s: %w", step.ID, err)
	}
	src := r.sess.source(step.Source)
	conv, _ := src.(*traffic.Conversation)
	opts := stepMetrics(step, r.percentiles, r.slo, cfg.IgnoreEOS)
	if conv != nil {
		opts.RequestedInput = 0 // a turn's prompt carries its history: see fillSample
	}
	sr := &stepRun{
		runner: r, step: step, client: c, src: src, conv: conv,
		gen:      prompt.NewGenerator(stepSeed(r.sess.seed, step.ID)),
		agg:      metrics.NewAggregator(opts),
		sessions: newSessions(conv, opts),
		out:      make(chan *finished, 1024),
		live:     &Live{Total: step.Requests, Duration: step.Duration},
		until:    newUntil(step),
	}
	if step.Trace != nil {
		sr.schedule = step.Trace.Schedule(step.Speed)
	}
	sr.pool.New = func() any { return new(finished) }
	return sr, nil
}

// stepAggregator is the aggregator of a step (see stepMetrics).
func stepAggregator(step Step, percentiles []float64, slo *schema.SLO, ignoreEOS bool) *metrics.Aggregator {
	return metrics.NewAggregator(stepMetrics(step, percentiles, slo, ignoreEOS))
}

// stepMetrics are the aggregator's options of a step: the scenario's
// percentiles, its SLO unless the stage sets its own, the profile's lengths.
func stepMetrics(step Step, percentiles []float64, slo *schema.SLO, ignoreEOS bool) metrics.Options {
	if step.Stage.SLO != nil {
		slo = step.Stage.SLO
	}
	// A fixed profile's lengths word the drift warnings as the profile's;
	// with lengths that vary, each sample carries its own.
	in, out, _ := step.Lengths.FixedLengths()
	return metrics.Options{
		Percentiles:     percentiles,
		SLO:             slo,
		RequestedInput:  in,
		RequestedOutput: out,
		IgnoreEOS:       ignoreEOS,
		OpenLoop:        step.OpenLoop(),
	}
}

// loadSpec is what the load generator runs for step; schedule is a
// replay's send times (nil for any other step).
func loadSpec(step Step, seed int64, schedule load.Schedule) load.Spec {
	spec := load.Spec{
		Concurrency: step.Concurrency,
		Requests:    step.Requests,
		Duration:    step.Duration,
		Warmup:      step.Warmup,
		Grace:       step.Stage.Grace.D(),
	}
	switch {
	case step.Trace != nil:
		spec.Pacer = schedule // the step run's, which also dates the records (a trace's window holds up to 10 million)
	case step.OpenLoop():
		// The pacer error was ruled out by validation (known distribution).
		// A shard paces its part of the whole rate with its own seed.
		rate, index, senders := step.Rate, 0, 1
		if p := step.Part; p.Sharded() {
			rate, index, senders = p.rate, p.Index, p.senders
		}
		spec.Pacer, _ = load.NewPartPacer(step.Stage.Distribution, rate, step.Stage.Burstiness,
			shard.Seed(stepSeed(seed, step.ID), index), index, senders)
	}
	return spec
}

// index is the request's index in the whole step (its prompt's index), as
// opposed to its index among this shard's part; sourceIndex is its index
// in the step's source: measured requests 0, 1, ..., warmup ones -1, -2, ...
func (sr *stepRun) index(t load.Ticket) int {
	if t.Warmup {
		return sr.step.Part.Warmup(t.Index)
	}
	return sr.step.Part.Request(t.Index)
}

func (sr *stepRun) sourceIndex(t load.Ticket) int {
	if t.Warmup {
		return -1 - sr.index(t)
	}
	return sr.index(t)
}

// job performs one request on a worker goroutine and hands it over.
func (sr *stepRun) job(ctx context.Context, t load.Ticket) {
	idx := sr.sourceIndex(t)
	if !t.Warmup {
		sr.live.markMeasuring(time.Now())
	}
	sp := sr.src.Spec(idx)
	if sp.Err != nil {
		sr.sourceFailed(sp.Err)
		return
	}
	f := sr.newFinished(t, sp)
	req := sr.runner.sess.request(sr.gen, idx, f.spec)
	sr.client.Do(ctx, &req, &f.res)
	sr.out <- f
}

// stepSeed is the seed of one step's prompts and arrivals: each level and
// repeat sends prompts of its own, so no step finds another's in the
// server's prefix cache.
func stepSeed(seed int64, id string) int64 { return seed ^ int64(hashID(id)) }

func hashID(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
