package engine

import (
	"context"
	"fmt"
	"math"

	"github.com/servebench/servebench/engine/search"
	"github.com/servebench/servebench/schema"
)

// runSearch runs a capacity-search step: every probe is a normal stage
// result in run.json; the answer is recorded in run.Capacity and thresholds
// that read `capacity.` are judged on the best probe.
func runSearch(ctx context.Context, r *stepRunner, rec *recorder, step Step, i, total int) error {
	dim, opts := searchOptions(step.Stage.Search)
	ids := map[float64]string{}
	var runErr error
	probe := func(ctx context.Context, level float64) (search.Outcome, error) {
		st, err := r.run(ctx, probeStep(step, dim, level), i, total)
		if st == nil {
			runErr = err
			return search.Outcome{}, err
		}
		st.Probe = true
		if st.Status == schema.StatusCompleted {
			st.Thresholds = rec.evaluate(st)
		}
		ids[level] = st.ID
		rec.add(st)
		r.obs.StepFinished(rec.last())
		if err != nil {
			runErr = err
			return search.Outcome{}, err
		}
		return outcome(st), nil
	}
	res, err := search.Run(ctx, opts, probe)
	if err != nil && runErr == nil {
		return runError(fmt.Errorf("capacity search %q: %w", step.Stage.Name, err))
	}
	rec.recordCapacity(step, dim, opts, res, ids)
	return runErr
}

// searchOptions is the search over the stage's dimension, every bound and
// budget from the scenario.
func searchOptions(sr *schema.Search) (dim string, o search.Options) {
	dim, rng := "concurrency", sr.Concurrency
	if sr.Rate != nil {
		dim, rng = "rate", sr.Rate
	}
	return dim, search.Options{From: rng.From, To: rng.To, Integer: dim == "concurrency",
		Resolution: sr.Resolution, MaxProbes: sr.MaxProbes}
}

// probeStep is the search step at one level.
func probeStep(step Step, dim string, level float64) Step {
	s := step
	if dim == "concurrency" {
		s.Concurrency = int(math.Round(level))
	} else {
		s.Rate = level
	}
	s.ID = step.Variant.stepID(StepID(step.Stage.Name, step.Profile, s.Concurrency, s.Rate, 0, false)) + "~probe"
	return s
}

func outcome(st *schema.StageResult) search.Outcome {
	for _, t := range st.Thresholds {
		if !t.Passed {
			name := t.Name
			if name == "" {
				name = t.Expr
			}
			return search.Outcome{FailedThreshold: name}
		}
	}
	if st.Metrics.Completed == 0 {
		return search.Outcome{FailedThreshold: "no request completed"}
	}
	return search.Outcome{Passed: true}
}

func (r *recorder) recordCapacity(step Step, dim string, o search.Options, res search.Result, ids map[float64]string) {
	c := schema.CapacityResult{Stage: step.Stage.Name, Profile: step.Profile, Dimension: dim, Found: res.Found, Value: res.Best,
		FirstFailing: res.FirstFailing, FailedThreshold: res.FailedThreshold, Resolution: o.Resolution,
		Variant: step.Variant.name()}
	for _, p := range res.Probes {
		c.Probes = append(c.Probes, schema.Probe{Level: p.Level, Passed: p.Passed, StageID: ids[p.Level]})
	}
	r.run.Capacity = append(r.run.Capacity, c)
	if n := capacityNote(step.Variant.stepID(step.Stage.Name), dim, o, res); n != "" {
		r.note(n)
	}
	if st := r.stageByID(ids[answerLevel(res)]); st != nil {
		r.judgeCapacity(st)
	}
}

// capacityNote warns when the answer is only a lower bound or a loose
// bracket: no level failed (the capacity may be higher), or the probe
// budget ran out before the bracket narrowed to the resolution.
func capacityNote(stage, dim string, o search.Options, res search.Result) string {
	switch {
	case !res.Found:
		return ""
	case res.FirstFailing == 0 && res.Best >= o.To:
		return fmt.Sprintf("capacity search %q: every level up to search.%s.to = %v passed, so the capacity is at least %v "+
			"and may be higher: raise search.%s.to to find it", stage, dim, o.To, res.Best, dim)
	case res.FirstFailing == 0:
		return fmt.Sprintf("capacity search %q used all %d probes (search.max_probes) before any level failed: "+
			"the capacity is at least %v and may be higher: raise search.max_probes", stage, o.MaxProbes, res.Best)
	case res.Exhausted:
		return fmt.Sprintf("capacity search %q used all %d probes (search.max_probes) before the bracket narrowed to %v: "+
			"the capacity lies between %v and %v", stage, o.MaxProbes, o.Resolution, res.Best, res.FirstFailing)
	}
	return ""
}

// answerLevel is the probe that thresholds on the answer are judged on: the
// best passing level, or when none passed the lowest failing one, so that
// `capacity.concurrency >= N` fails loudly instead of never being checked.
func answerLevel(res search.Result) float64 {
	if res.Found {
		return res.Best
	}
	return res.FirstFailing
}

func (r *recorder) stageByID(id string) *schema.StageResult {
	for i := range r.run.Stages {
		if id != "" && r.run.Stages[i].ID == id {
			return &r.run.Stages[i]
		}
	}
	return nil
}
