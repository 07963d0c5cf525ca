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
func (e *executor) runSearch(ctx context.Context, step Step, i, total int) error {
	sr := step.Stage.Search
	dim, rng := "concurrency", sr.Concurrency
	if sr.Rate != nil {
		dim, rng = "rate", sr.Rate
	}
	opts := search.Options{From: rng.From, To: rng.To, Integer: dim == "concurrency",
		Resolution: sr.Resolution, MaxProbes: sr.MaxProbes}
	ids := map[float64]string{}
	var runErr error
	probe := func(ctx context.Context, level float64) (search.Outcome, error) {
		st, err := e.runStep(ctx, probeStep(step, dim, level), i, total)
		if st == nil {
			return search.Outcome{}, err
		}
		st.Probe = true
		ids[level] = st.ID
		e.addStage(st)
		if err != nil {
			runErr = err
			return search.Outcome{}, err
		}
		return outcome(st), nil
	}
	res, err := search.Run(ctx, opts, probe)
	if err != nil && runErr == nil {
		return &RunError{Err: fmt.Errorf("capacity search %q: %w", step.Stage.Name, err)}
	}
	e.recordCapacity(step, dim, opts, res, ids)
	return runErr
}

// probeStep is the search step at one level.
func probeStep(step Step, dim string, level float64) Step {
	s := step
	if dim == "concurrency" {
		s.Concurrency = int(math.Round(level))
	} else {
		s.Rate = level
	}
	if s.Requests == 0 && s.Duration == 0 {
		s.Requests = defaultSearchRequests
	}
	s.ID = StepID(step.Stage.Name, step.Profile, s.Concurrency, s.Rate, 0, false) + "~probe"
	return s
}

// defaultSearchRequests is the size of a probe when the stage gives none.
const defaultSearchRequests = 50

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

func (e *executor) recordCapacity(step Step, dim string, o search.Options, res search.Result, ids map[float64]string) {
	c := schema.CapacityResult{Stage: step.Stage.Name, Dimension: dim, Found: res.Found, Value: res.Best,
		FirstFailing: res.FirstFailing, FailedThreshold: res.FailedThreshold, Resolution: o.Resolution}
	if c.Resolution == 0 {
		c.Resolution = search.DefaultRateResolution
		if dim == "concurrency" {
			c.Resolution = search.DefaultIntegerResolution
		}
	}
	for _, p := range res.Probes {
		c.Probes = append(c.Probes, schema.Probe{Level: p.Level, Passed: p.Passed, StageID: ids[p.Level]})
	}
	e.result.Capacity = append(e.result.Capacity, c)
	if st := e.stageByID(ids[answerLevel(res)]); st != nil {
		e.judgeCapacity(st)
	}
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

func (e *executor) stageByID(id string) *schema.StageResult {
	for i := range e.result.Stages {
		if id != "" && e.result.Stages[i].ID == id {
			return &e.result.Stages[i]
		}
	}
	return nil
}
