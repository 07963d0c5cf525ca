package engine

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/load"
	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/schema"
)

// finished is what a worker hands to the collector: one request, done.
type finished struct {
	ticket load.Ticket
	res    client.Result
}

// stepRun is the state of one step in flight. Workers only send finished
// requests; the collector goroutine is the single owner of the aggregator
// and the requests.jsonl writer, so nothing on the per-request path locks.
type stepRun struct {
	e      *executor
	step   Step
	client *client.Client
	gen    *prompt.Generator
	agg    *metrics.Aggregator
	out    chan *finished
	pool   sync.Pool
	live   *Live
	start  time.Time // origin of RequestRecord.StartMS: the step's start, warmup included
}

// runStep measures one step. It returns a result for every step that
// started, even when it was cut short, so nothing measured is lost.
func (e *executor) runStep(ctx context.Context, step Step, i, total int) (*schema.StageResult, error) {
	sctx, cancel := e.stepContext(ctx, step.Stage.Deadline.D())
	defer cancel()
	r, err := e.newStepRun(step)
	if err != nil {
		return nil, &RunError{Err: err}
	}
	defer r.client.Close()
	e.observe().StepStarted(step, i, total, r.live)
	scr := e.startScrape(sctx)
	cpu0 := cpuTime()
	r.start = time.Now() // before the collector starts: it only reads it
	done := r.collect()
	stats := load.Run(sctx, e.loadSpec(step), r.job)
	close(r.out)
	<-done
	st := r.result(stats, cpuTime()-cpu0)
	st.Server = e.stopScrape(scr)
	return e.judge(ctx, step, st)
}

// judge sets the stage status from how it ended and evaluates thresholds.
func (e *executor) judge(ctx context.Context, step Step, st *schema.StageResult) (*schema.StageResult, error) {
	var err error
	switch {
	case e.serverDied():
		st.Status, st.StopReason = schema.StatusFailed, e.exitErr().Error()
		err = &RunError{Err: fmt.Errorf("stage %s: %w", st.ID, e.exitErr())}
	case ctx.Err() != nil:
		st.Status, st.StopReason = schema.StatusInterrupted, "interrupted by the user"
		err = fmt.Errorf("%w during stage %s", ErrInterrupted, st.ID)
	default:
		st.Status = schema.StatusCompleted
		// Neither the user nor a dead server cancelled it: the deadline did.
		if d := step.Stage.Deadline; d > 0 && st.StopReason == load.StopCanceled {
			st.StopReason = "stage deadline reached"
			st.Warnings = append(st.Warnings, fmt.Sprintf("the stage hit its deadline of %s: requests in flight were cut off", d))
		}
		st.Thresholds = e.evaluate(st)
	}
	e.observe().StepFinished(st)
	return st, err
}

// stepContext is cancelled by the caller, by the server dying or by the
// stage deadline, whichever comes first, so a dead or stuck server ends the
// stage at once instead of holding the run hostage.
func (e *executor) stepContext(ctx context.Context, deadline time.Duration) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithCancel(ctx)
	if deadline > 0 {
		var cancelT context.CancelFunc
		sctx, cancelT = context.WithTimeout(sctx, deadline)
		cancelW := cancel
		cancel = func() { cancelT(); cancelW() }
	}
	died, simExited := e.handle.Died(), e.simExited
	go func() {
		select {
		case <-died:
			cancel()
		case <-simExited:
			cancel()
		case <-sctx.Done():
		}
	}()
	return sctx, cancel
}

// serverDied reports whether the server process exited, or the built-in
// simulator stopped serving, before the run was done with it.
func (e *executor) serverDied() bool {
	select {
	case <-e.handle.Died():
		return true
	case <-e.simExited:
		return true
	default:
		return false
	}
}

// exitErr says how the server died: exit status and log tail of a process.
func (e *executor) exitErr() error {
	if err := e.handle.ExitErr(); err != nil {
		return err
	}
	return errSimExited
}

func (e *executor) newStepRun(step Step) (*stepRun, error) {
	conns := step.Concurrency
	if step.OpenLoop() && conns == 0 {
		conns = 256
	}
	c, err := client.New(e.clientConfig(e.handle.URL(), conns))
	if err != nil {
		return nil, fmt.Errorf("stage %s: %w", step.ID, err)
	}
	r := &stepRun{
		e: e, step: step, client: c,
		gen: prompt.NewGenerator(e.seed ^ int64(hashID(step.ID))),
		agg: metrics.NewAggregator(metrics.Options{
			Percentiles:     e.percentiles(),
			SLO:             e.slo(step),
			RequestedInput:  step.Lengths.Input,
			RequestedOutput: step.Lengths.Output,
		}),
		out:  make(chan *finished, 1024),
		live: &Live{Total: step.Requests, Duration: step.Duration},
	}
	r.pool.New = func() any { return new(finished) }
	return r, nil
}

func (e *executor) loadSpec(step Step) load.Spec {
	spec := load.Spec{
		Concurrency: step.Concurrency,
		Requests:    step.Requests,
		Duration:    step.Duration,
		Warmup:      step.Warmup,
		Grace:       step.Stage.Grace.D(),
	}
	if step.OpenLoop() {
		// The pacer error was ruled out by validation (known distribution).
		spec.Pacer, _ = load.NewPacer(step.Stage.Distribution, step.Rate, step.Stage.Burstiness,
			e.seed^int64(hashID(step.ID)))
	}
	return spec
}

// job performs one request on a worker goroutine and hands it over.
func (r *stepRun) job(ctx context.Context, t load.Ticket) {
	f := r.pool.Get().(*finished)
	f.ticket = t
	idx := t.Index
	if t.Warmup {
		idx = -1 - t.Index
	} else {
		r.live.markMeasuring(time.Now())
	}
	req := r.e.request(r.gen, idx, r.step.Lengths)
	r.client.Do(ctx, &req, &f.res)
	r.out <- f
}

func (e *executor) percentiles() []float64 {
	if len(e.sc.Report.Percentiles) > 0 {
		return e.sc.Report.Percentiles
	}
	return schema.DefaultPercentiles
}

func (e *executor) slo(step Step) *schema.SLO {
	if step.Stage.SLO != nil {
		return step.Stage.SLO
	}
	return e.sc.SLO
}

func hashID(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
