package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/schema"
)

// ErrInterrupted is returned when the context was cancelled mid-run. The run
// directory is still complete: every measured request is saved.
var ErrInterrupted = errors.New("run interrupted")

// RunError says the run could not complete: the server did not start, died,
// or could not be reached. Its results up to that point are saved.
type RunError struct{ Err error }

func (e *RunError) Error() string { return e.Err.Error() }
func (e *RunError) Unwrap() error { return e.Err }

// Options configure one Execute call.
type Options struct {
	Plan *Plan
	// Version is the tool version written into run.json.
	Version string
	// ResultsDir overrides report.dir of the scenario when not empty.
	ResultsDir string
	// Observer is told about progress; nil means silence.
	Observer Observer
	// FollowServerLog receives the server's output live when not nil.
	FollowServerLog io.Writer
	// Logf receives lifecycle messages (server start, readiness).
	Logf func(format string, args ...any)
	// Now is the clock for timestamps; nil means time.Now.
	Now func() time.Time
}

// Execute runs the plan: it creates the run directory, starts and checks the
// server, runs every step in order and saves run.json after each one, so an
// interruption or a crash of the server loses nothing that was measured. The
// returned run is never nil once the run directory exists.
func Execute(ctx context.Context, o Options) (*schema.Run, string, error) {
	e, err := newExecutor(o)
	if err != nil {
		return nil, "", err
	}
	runErr := e.run(ctx)
	e.finish(runErr)
	if err := errors.Join(e.save(), e.lines.Close()); err != nil && runErr == nil {
		runErr = &RunError{Err: err}
	}
	return e.result, e.dir, runErr
}

// executor holds the state of one run; it lives only inside Execute.
type executor struct {
	o          Options
	sc         *schema.Scenario
	now        func() time.Time
	dir        string
	result     *schema.Run
	thresholds []*schema.CompiledThreshold
	handle     server.Handle
	lines      *schema.RequestLog
	scrapeOK   bool
	seed       int64
	// textPrompts is set when pre-flight found that the server refuses
	// token-id prompts.
	textPrompts bool
	// simExited closes when the in-process simulator stops serving on its
	// own; nil for other server kinds (a nil channel never fires).
	simExited <-chan struct{}
	// saveErr is the first failure to save the run after a stage; the run
	// stops at the next step boundary.
	saveErr error
}

func newExecutor(o Options) (*executor, error) {
	sc := o.Plan.Scenario
	now := o.Now
	if now == nil {
		now = time.Now
	}
	th, err := schema.CompileThresholds(sc)
	if err != nil {
		return nil, err
	}
	base := sc.Report.Dir
	if o.ResultsDir != "" {
		base = o.ResultsDir
	}
	start := now()
	dir, err := schema.CreateRunDir(base, sc.Name, start)
	if err != nil {
		return nil, &RunError{Err: err}
	}
	lines, err := schema.OpenRequestLog(dir)
	if err != nil {
		return nil, &RunError{Err: err}
	}
	e := &executor{o: o, sc: sc, now: now, dir: dir, thresholds: th, lines: lines, seed: sc.Seed}
	e.result = newRun(sc, o.Version, start)
	return e, nil
}

func newRun(sc *schema.Scenario, version string, start time.Time) *schema.Run {
	host, _ := os.Hostname()
	return &schema.Run{
		SchemaVersion: schema.RunSchemaVersion,
		Tool:          schema.Tool{Name: "servebench", Version: version, GoVersion: runtime.Version()},
		Name:          sc.Name,
		ScenarioFile:  sc.File,
		Scenario:      sc.Redacted(),
		StartedAt:     start.UTC(),
		Status:        schema.StatusCompleted,
		Environment: schema.Environment{Hostname: host, OS: runtime.GOOS, Arch: runtime.GOARCH,
			CPUs: runtime.NumCPU()},
		Source: "servebench",
		Stages: []schema.StageResult{},
	}
}

// run starts the server, pre-flights it and runs the steps. The server is
// stopped on every way out, panics included.
func (e *executor) run(ctx context.Context) (err error) {
	if err := e.startServer(ctx); err != nil {
		return err
	}
	defer e.stopServer()
	defer func() {
		if p := recover(); p != nil {
			err = &RunError{Err: fmt.Errorf("internal error in a stage: %v", p)}
		}
	}()
	if err := e.preflight(ctx); err != nil {
		return err
	}
	e.probeMetrics(ctx)
	total := len(e.o.Plan.Steps)
	for i, step := range e.o.Plan.Steps {
		if err := e.runPlanned(ctx, step, i, total); err != nil {
			return err
		}
		if e.saveErr != nil {
			// No GPU time on stages whose results cannot be kept.
			return &RunError{Err: fmt.Errorf("results cannot be saved, stopping the run: %w", e.saveErr)}
		}
	}
	return nil
}

// runPlanned runs one step of the plan: a level, or a capacity search.
func (e *executor) runPlanned(ctx context.Context, step Step, i, total int) error {
	if step.IsSearch() {
		return e.runSearch(ctx, step, i, total)
	}
	st, err := e.runStep(ctx, step, i, total)
	if st != nil {
		e.afterRepeat(step, st)
		e.addStage(st)
	}
	return err
}

// addStage records a finished stage and saves the run right away.
func (e *executor) addStage(st *schema.StageResult) {
	e.result.Stages = append(e.result.Stages, *st)
	if err := e.save(); err != nil {
		if e.saveErr == nil {
			e.saveErr = err
		}
		e.logf("warning: %v", err)
	}
}

// finish fills the run's end state from the error that ended it.
func (e *executor) finish(runErr error) {
	r := e.result
	r.EndedAt = e.now().UTC()
	r.Repeats = summarizeRepeats(r.Stages)
	switch {
	case runErr == nil:
		r.Status = schema.StatusCompleted
	case errors.Is(runErr, ErrInterrupted):
		r.Status, r.Error = schema.StatusInterrupted, runErr.Error()
	default:
		r.Status, r.Error = schema.StatusFailed, runErr.Error()
	}
	r.Passed = r.Status == schema.StatusCompleted
	for _, st := range r.Stages {
		if !st.Passed() && !probeOnly(st) {
			r.Passed = false
		}
	}
	for _, c := range r.Capacity {
		if !c.Found { // not even the lowest level met the SLO
			r.Passed = false
		}
	}
}

// probeOnly is true for a capacity-search probe whose thresholds are only
// the search's question: a probe above capacity is meant to fail them. Only
// thresholds on the capacity answer, judged on the best probe, gate the run.
func probeOnly(st schema.StageResult) bool {
	if !st.Probe {
		return false
	}
	for _, t := range st.Thresholds {
		if !t.Passed && t.Scope == schema.ScopeCapacity {
			return false
		}
	}
	return true
}

// save writes requests.jsonl's buffer and run.json.
func (e *executor) save() error {
	ferr := e.lines.Flush()
	werr := schema.WriteRun(e.dir, e.result)
	return errors.Join(ferr, werr)
}
