package engine

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/servebench/servebench/schema"
)

// recorder is the one owner of the run's result. It exists so that what
// was measured has a single way out: it creates the run directory and
// requests.jsonl, keeps the schema.Run, judges each stage against the
// thresholds as the stage comes in, and saves run.json after every stage,
// so an interruption or a crash of the server loses nothing. Stage results
// flow in; files flow out; nothing flows back.
type recorder struct {
	run        *schema.Run
	dir        string
	lines      *schema.RequestLog
	thresholds []*schema.CompiledThreshold
	now        func() time.Time
	logf       func(format string, args ...any)
	// saveErr is the first failure to save the run after a stage; the run
	// stops at the next step boundary.
	saveErr error
}

// newRecorder compiles the thresholds, then creates the run directory and
// requests.jsonl.
func newRecorder(o Options, logf func(string, ...any)) (*recorder, error) {
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
	dir := o.part.dir()
	if dir != "" {
		err = mkdirRun(dir)
	} else {
		dir, err = schema.CreateRunDir(base, sc.Name, start)
	}
	if err != nil {
		return nil, runError(err)
	}
	lines, err := schema.OpenRequestLog(dir)
	if err != nil {
		return nil, runError(err)
	}
	run := newRun(sc, o.Version, start)
	run.Label = o.Label
	r := &recorder{run: run, dir: dir, lines: lines, thresholds: th, now: now, logf: logf}
	o.part.record(r)
	return r, nil
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

// opened records what opening the session learned about the server, even
// when it failed; a matrix variant's in its own record.
func (r *recorder) opened(v *Variant, o opening) {
	if v.Name != "" {
		r.openedVariant(v, o)
		return
	}
	r.run.Server = o.info
	for _, n := range o.notes {
		r.note(n)
	}
}

// note adds a note to the run once.
func (r *recorder) note(n string) {
	if !slices.Contains(r.run.Notes, n) {
		r.run.Notes = append(r.run.Notes, n)
	}
}

// addLevel judges a finished level (its thresholds, and those on repeat
// intervals once its last repeat is in) and records it.
func (r *recorder) addLevel(step Step, st *schema.StageResult) {
	if st.Status == schema.StatusCompleted {
		st.Thresholds = r.evaluate(st)
	}
	r.afterRepeat(step, st)
	r.add(st)
}

// add records a finished stage and saves the run right away.
func (r *recorder) add(st *schema.StageResult) {
	r.run.Stages = append(r.run.Stages, *st)
	r.saveNow()
}

// saveNow saves the run; the first failure stops the run at the next step.
func (r *recorder) saveNow() {
	if err := r.save(); err != nil {
		if r.saveErr == nil {
			r.saveErr = err
		}
		r.logf("warning: %v", err)
	}
}

// last is the stage recorded last (for the observer).
func (r *recorder) last() *schema.StageResult { return &r.run.Stages[len(r.run.Stages)-1] }

// close fills the run's end state from the error that ended it and saves
// it a last time; a failure to save is the run's error when it had none.
func (r *recorder) close(runErr error) error {
	r.finish(runErr)
	if err := errors.Join(r.save(), r.lines.Close()); err != nil && runErr == nil {
		runErr = runError(err)
	}
	return runErr
}

// finish fills the run's end state from the error that ended it.
func (r *recorder) finish(runErr error) {
	run := r.run
	run.EndedAt = r.now().UTC()
	run.Repeats = summarizeRepeats(run.Stages)
	run.Status, run.Error = endState(runErr)
	run.Passed = run.Status == schema.StatusCompleted
	for _, st := range run.Stages {
		if !st.Passed() && !probeOnly(st) {
			run.Passed = false
		}
	}
	for _, c := range run.Capacity {
		if !c.Found { // not even the lowest level met the SLO
			run.Passed = false
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
func (r *recorder) save() error {
	ferr := r.lines.Flush()
	werr := schema.WriteRun(r.dir, r.run)
	return errors.Join(ferr, werr)
}

// stopIfUnsaved is the error that stops the run after a stage whose
// results could not be saved: no GPU time on stages whose results are lost.
func (r *recorder) stopIfUnsaved() error {
	if r.saveErr == nil {
		return nil
	}
	return runError(fmt.Errorf("results cannot be saved, stopping the run: %w", r.saveErr))
}
