package engine

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

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
	// part makes the run one shard's part of a sharded run (ExecuteShard).
	part *partRun
	// Label tells the run apart from others of its scenario in comparisons
	// (schema.Run.Label); empty for none.
	Label string
}

// Execute runs the plan: it creates the run directory, starts and checks the
// server, runs every step in order and saves run.json after each one, so an
// interruption or a crash of the server loses nothing that was measured. The
// returned run is never nil once the run directory exists.
//
// Three parts do the work, and data flows one way through them: a session
// (the server, fixed once pre-flight is done), a step runner (session +
// step -> stage result) and a recorder (stage results -> judged, saved run).
func Execute(ctx context.Context, o Options) (*schema.Run, string, error) {
	sc := o.Plan.Scenario
	// Every secret of the scenario is hidden wherever servebench writes,
	// whoever loaded the scenario.
	redact.Add(sc.SecretValues()...)
	redact.AddURL(sc.Server.URL)
	for _, v := range o.Plan.Variants {
		redact.AddURL(v.Scenario.Server.URL)
	}
	logf := func(string, ...any) {}
	if o.Logf != nil {
		// Lifecycle lines quote servers and URLs: through the funnel.
		logf = func(format string, args ...any) { o.Logf("%s", redact.String(fmt.Sprintf(format, args...))) }
	}
	rec, err := newRecorder(o, logf)
	if err != nil {
		return nil, "", err
	}
	runErr := causeOf(ctx, runVariants(ctx, o, rec, logf))
	return rec.run, rec.dir, rec.close(runErr)
}

// runAll opens the session of one variant and runs its steps, which start
// at index first of the plan. The server is stopped on every way out,
// panics included.
func runAll(ctx context.Context, o Options, rec *recorder, v *Variant, steps []Step, first int, logf func(string, ...any)) (err error) {
	sc := v.Scenario
	sess, op, err := o.part.open(ctx, sc, steps, rec.dir, o.FollowServerLog, logf)
	rec.opened(v, op)
	if err != nil {
		return err
	}
	defer sess.close(logf)
	defer func() {
		if p := recover(); p != nil {
			err = runError(fmt.Errorf("internal error in a stage: %v", p))
		}
	}()
	r := &stepRunner{sess: sess, lines: rec.lines, obs: observer(o.Observer), percentiles: sc.Report.Percentiles, slo: sc.SLO}
	total := len(o.Plan.Steps)
	for i, step := range steps {
		if err := o.part.startStep(ctx, first+i, step.ID); err != nil {
			return err
		}
		if err := runPlanned(ctx, r, rec, step, first+i, total); err != nil {
			return err
		}
		if err := rec.stopIfUnsaved(); err != nil {
			return err
		}
	}
	return nil
}

// runPlanned runs one step of the plan: a level, or a capacity search.
func runPlanned(ctx context.Context, r *stepRunner, rec *recorder, step Step, i, total int) error {
	if step.IsSearch() {
		return runSearch(ctx, r, rec, step, i, total)
	}
	st, err := r.run(ctx, step, i, total)
	if st != nil {
		rec.addLevel(step, st)
		r.obs.StepFinished(rec.last())
	}
	return err
}
