package benchclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
)

// runCase runs one case through engine.Execute and returns its levels. A
// level with failed requests is an error: a benchmark of failures measures
// nothing.
func (h *harness) runCase(ctx context.Context, c benchCase) ([]Result, error) {
	port := 0
	if c.mode == ModeProcess {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	sc, err := schema.LoadBytes("bench-client.yaml", h.scenarioYAML(c, port), nil)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	plan, err := engine.NewPlan(sc)
	if err != nil {
		return nil, err
	}
	m := &meter{c: c}
	_, _, err = engine.Execute(ctx, engine.Options{Plan: plan, ResultsDir: h.dir, Observer: m,
		Version: "bench-client", Logf: h.cfg.Logf})
	if err != nil {
		return m.results, err
	}
	return m.results, check(m.results)
}

func check(res []Result) error {
	var errs []error
	for _, r := range res {
		if r.Failed > 0 || r.Status != schema.StatusCompleted {
			errs = append(errs, fmt.Errorf("stage %s at concurrency %d: %d of %d requests failed (status %s)",
				r.Stage, r.Concurrency, r.Failed, r.Completed+r.Failed, r.Status))
		}
	}
	return errors.Join(errs...)
}
