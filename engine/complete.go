package engine

import (
	"errors"
	"fmt"

	"github.com/servebench/servebench/schema"
)

// checkComplete rejects a scenario whose settings are not filled in: the
// engine reads every setting as it comes from schema's defaults pass and
// has no defaults of its own, so a missing one is a scenario that did not
// come from schema.Load (a bug), reported all at once rather than guessed.
func checkComplete(sc *schema.Scenario) error {
	var missing []string
	need := func(ok bool, name string) {
		if !ok {
			missing = append(missing, name)
		}
	}
	s, a := sc.Server, sc.API
	need(s.Kind() != schema.ServerBuiltin || s.Builtin != nil, "server.builtin")
	need(s.StopTimeout > 0, "server.stop_timeout")
	need(s.Metrics.Enabled != nil, "server.metrics.enabled")
	if s.Metrics.Enabled != nil && *s.Metrics.Enabled {
		need(s.Metrics.Path != "", "server.metrics.path")
		need(s.Metrics.Interval > 0, "server.metrics.interval")
	}
	need(a.Endpoint != "", "api.endpoint")
	need(a.Timeout > 0, "api.timeout")
	need(a.IgnoreEOS != nil, "api.ignore_eos")
	need(a.Stream != nil, "api.stream")
	need(a.Prompt != "", "api.prompt")
	need(len(sc.Report.Percentiles) > 0, "report.percentiles")
	for i := range sc.Stages {
		missing = append(missing, stageMissing(&sc.Stages[i])...)
	}
	if len(missing) == 0 {
		return nil
	}
	errs := make([]error, len(missing))
	for i, m := range missing {
		errs[i] = fmt.Errorf("%s is not set", m)
	}
	return fmt.Errorf("scenario %q is incomplete (a scenario must come from schema.Load, whose defaults fill these): %w",
		sc.Name, errors.Join(errs...))
}

// stageMissing lists the unset settings of one stage.
func stageMissing(st *schema.Stage) []string {
	var missing []string
	need := func(ok bool, name string) {
		if !ok {
			missing = append(missing, fmt.Sprintf("stage %q: %s", st.Name, name))
		}
	}
	need(len(st.Profile) > 0 || st.Replay != nil, "profile")
	if r := st.Replay; r != nil {
		need(r.Speed != nil && len(r.Speed.Values) > 0, "replay.speed")
		need(r.BlockSize > 0, "replay.block_size")
	}
	need(st.Repeat >= 1, "repeat")
	if st.Rate != nil || (st.Search != nil && st.Search.Rate != nil) {
		need(st.Distribution != "", "distribution")
		need(st.Burstiness > 0, "burstiness")
	}
	if st.Search != nil {
		need(st.Search.Resolution > 0, "search.resolution")
		need(st.Search.MaxProbes > 0, "search.max_probes")
		need(st.Requests > 0 || st.Duration > 0, "requests or duration")
	}
	return missing
}
