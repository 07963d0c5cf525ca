package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/schema"
)

// mergeInto merges the parts into dir, stage by stage in plan order, and
// judges the merged run with the recorder, as a single run is judged.
func mergeInto(ctx context.Context, dir string, plan *Plan, parts []*part, logf func(string, ...any)) (*schema.Run, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	sc := plan.Scenario
	th, err := schema.CompileThresholds(sc)
	if err != nil {
		return nil, &MergeInputError{Problems: []string{fmt.Sprintf("the parts' thresholds do not compile: %v", err)}}
	}
	readers := make([]*records, 0, len(parts))
	defer func() {
		for _, r := range readers {
			r.f.Close()
		}
	}()
	for _, p := range parts {
		r, err := openRecords(p)
		if err != nil {
			return nil, err
		}
		readers = append(readers, r)
	}
	lines, err := schema.OpenRequestLog(dir)
	if err != nil {
		return nil, runError(err)
	}
	run := mergedRun(dir, parts)
	rec := &recorder{run: run, dir: dir, lines: lines, thresholds: th, logf: logf,
		now: func() time.Time { return latestEnd(parts) }}
	mergeErr := mergeSteps(ctx, plan, parts, readers, rec)
	for i, r := range readers {
		run.Shard.Parts[i].Requests = r.count
	}
	if mergeErr == nil {
		mergeErr = partsError(parts)
	}
	if mergeErr == nil {
		mergeErr = failedStage(run)
	}
	return run, rec.close(mergeErr)
}

// failedStage fails the merged run when one of its stages is failed
// though every part says it completed (a part that ended mid-stage).
func failedStage(run *schema.Run) error {
	for _, st := range run.Stages {
		if st.Status == schema.StatusFailed {
			return runError(fmt.Errorf("stage %s is incomplete: %s", st.ID, strings.Join(st.Warnings, "; ")))
		}
	}
	return nil
}

// mergeSteps merges every step some part ran, in plan order, then checks
// that no part has records of a step the plan does not have.
func mergeSteps(ctx context.Context, plan *Plan, parts []*part, readers []*records, rec *recorder) error {
	order := map[string]int{}
	for i, s := range plan.Steps {
		order[s.ID] = i
	}
	for i, step := range plan.Steps {
		if ctx.Err() != nil {
			return interrupted("while merging")
		}
		if err := checkOrder(readers, order, i); err != nil {
			return err
		}
		st, err := mergeStep(plan.Scenario, step, parts, readers, rec.lines.Write)
		if err != nil {
			return err
		}
		if st != nil {
			rec.addLevel(step, st)
		}
	}
	return checkOrder(readers, order, len(plan.Steps))
}

// checkOrder fails when a part's next record belongs to a step before
// step i (out of order) or to none of the plan's.
func checkOrder(readers []*records, order map[string]int, i int) error {
	for _, r := range readers {
		if !r.ok {
			continue
		}
		if j, known := order[r.next.Stage]; !known || j < i {
			return r.errorf("stage %q is not a step of the plan, or its records are out of the plan's order", r.next.Stage)
		}
	}
	return nil
}

// mergeStep merges one step: nil when no part ran it. Records of a part
// that has no result for the step (it ended mid-stage before saving) are
// left out, and the merged stage says so.
func mergeStep(sc *schema.Scenario, step Step, parts []*part, readers []*records, write func(*schema.RequestRecord) error) (*schema.StageResult, error) {
	results := make([]*schema.StageResult, len(parts))
	var origin time.Time
	var orphans []string
	for i, p := range parts {
		if results[i] = p.stage(step.ID); results[i] == nil {
			if n, err := readers[i].skip(step.ID); err != nil || n > 0 {
				orphans = append(orphans, fmt.Sprintf("shard %d: %d records of this stage are left out: its run.json has no result for it (the part ended mid-stage)", i, n))
				if err != nil {
					return nil, err
				}
			}
			continue
		}
		if o := results[i].Origin.Add(-p.offset); origin.IsZero() || o.Before(origin) {
			origin = o
		}
	}
	if origin.IsZero() {
		return nil, nil
	}
	m := &stageMerge{id: step.ID, origin: origin, own: map[*records]*metrics.Aggregator{}}
	pct, ignoreEOS := sc.Report.Percentiles, *sc.API.IgnoreEOS
	m.union = stepAggregator(step, pct, sc.SLO, ignoreEOS)
	for i, r := range readers {
		m.own[r] = stepAggregator(step, pct, sc.SLO, ignoreEOS)
		if results[i] != nil {
			r.shift = int64(results[i].Origin.Add(-parts[i].offset).Sub(origin))
		}
	}
	if err := m.run(readers, write); err != nil {
		return nil, err
	}
	st := m.result(step, parts, results, readers)
	st.Warnings = append(st.Warnings, orphans...)
	return st, nil
}

// stage is the part's result of step id, nil when it has none.
func (p *part) stage(id string) *schema.StageResult {
	for i := range p.run.Stages {
		if p.run.Stages[i].ID == id {
			return &p.run.Stages[i]
		}
	}
	return nil
}

// result is the merged stage: metrics from the union of the records over
// the union of the parts' measured windows, the client's account summed
// over the parts (the most in flight is the sum of the parts' peaks, an
// upper bound: with every stage started together they coincide), and
// whatever a part that sent requests said about its own share.
func (m *stageMerge) result(step Step, parts []*part, results []*schema.StageResult, readers []*records) *schema.StageResult {
	start, end, busy := m.window(parts, results)
	st := newStageResult(step, m.union, end.Sub(start))
	st.StartedAt, st.Origin, st.Status = start.UTC(), m.origin.UTC(), schema.StatusCompleted
	// The records' start_ms were shifted to the merged origin, so the
	// union's steady-state window and intervals are those of the whole level.
	a := m.union.Analyze(start.Sub(m.origin), end.Sub(m.origin))
	st.Intervals, st.Steady, st.InFlight = a.All, &a.Steady, a.InFlight
	if w := end.Sub(start).Seconds(); w > 0 {
		st.Client.AchievedConcurrency = busy / w
	}
	ownWarnings := map[string]bool{}
	for i, r := range results {
		if r == nil {
			st.Warnings = append(st.Warnings, fmt.Sprintf("shard %d has no result for this stage", i))
			st.Status = worse(st.Status, schema.StatusFailed)
			continue
		}
		st.Status = worse(st.Status, r.Status)
		st.Client.MaxInFlight += r.Client.MaxInFlight
		st.Client.CPUSeconds += r.Client.CPUSeconds
		if r.Client.Bottleneck != "" && st.Client.Bottleneck == "" {
			st.Client.Bottleneck = fmt.Sprintf("shard %d: %s", i, r.Client.Bottleneck)
		}
		if r.StopReason != "" && st.StopReason == "" {
			st.StopReason = r.StopReason
		}
		if i == 0 {
			st.Server = r.Server // the server's view is whole; shard 0 scrapes it
		}
		if r.Metrics.Sent+r.Metrics.Canceled == 0 {
			continue // an idle part: its only warning is that it was idle
		}
		clear(ownWarnings)
		_, _, own := m.own[readers[i]].Finish(time.Duration(r.Metrics.DurationS * float64(time.Second)))
		for _, w := range own {
			ownWarnings[w] = true
		}
		for _, w := range r.Warnings {
			if !ownWarnings[w] { // the part's workload warnings are recomputed on the union
				st.Warnings = append(st.Warnings, fmt.Sprintf("shard %d: %s", i, w))
			}
		}
	}
	return st
}

// window is the union of the parts' measured windows on shard 0's clock,
// from the earliest measured send to the latest return, and the parts'
// busy time (achieved concurrency × window) in request-seconds. A part
// that sent nothing measured has no window.
func (m *stageMerge) window(parts []*part, results []*schema.StageResult) (start, end time.Time, busy float64) {
	for i, r := range results {
		if r == nil || r.Metrics.Sent+r.Metrics.Canceled == 0 {
			continue
		}
		s := r.StartedAt.Add(-parts[i].offset)
		e := s.Add(time.Duration(r.Metrics.DurationS * float64(time.Second)))
		if start.IsZero() || s.Before(start) {
			start = s
		}
		if e.After(end) {
			end = e
		}
		busy += r.Client.AchievedConcurrency * r.Metrics.DurationS
	}
	if start.IsZero() {
		start, end = m.origin, m.origin
	}
	return start, end, busy
}

// worse is the status that says more went wrong.
func worse(a, b string) string {
	rank := map[string]int{schema.StatusCompleted: 0, schema.StatusInterrupted: 1, schema.StatusFailed: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// mergedRun is the run-level part of the merge: shard 0's identity of the
// tool, the client and the server, every part's account in Shard.Parts.
func mergedRun(dir string, parts []*part) *schema.Run {
	first := parts[0].run
	run := newRun(first.Scenario, first.Tool.Version, first.StartedAt.Add(-parts[0].offset))
	run.Tool, run.ScenarioFile, run.Environment, run.Server = first.Tool, first.ScenarioFile, first.Environment, first.Server
	if run.Server.Log != "" {
		run.Server.Log = pathFrom(dir, filepath.Join(parts[0].dir, run.Server.Log))
	}
	info := &schema.ShardInfo{Count: first.Shard.Count, Plan: first.Shard.Plan, Rendezvous: first.Shard.Rendezvous, Merged: true}
	var offsets []string
	for _, p := range parts {
		sh := p.run.Shard
		if s := p.run.StartedAt.Add(-p.offset); s.Before(run.StartedAt) {
			run.StartedAt = s.UTC()
		}
		info.Parts = append(info.Parts, schema.ShardPart{Index: sh.Index, Hostname: p.run.Environment.Hostname,
			Status: p.run.Status, Error: p.run.Error, ClockOffsetMS: sh.ClockOffsetMS,
			ClockUncertaintyMS: sh.ClockUncertaintyMS, Dir: pathFrom(dir, p.dir)})
		offsets = append(offsets, fmt.Sprintf("%d: %+.3f ms ± %.3f", sh.Index, sh.ClockOffsetMS, sh.ClockUncertaintyMS))
		for _, n := range p.run.Notes {
			if sh.Index == 0 && n != partNote(sh.Index, sh.Count) && !slices.Contains(run.Notes, n) {
				run.Notes = append(run.Notes, n)
			}
		}
	}
	run.Shard = info
	how := "stages started independently (no rendezvous): clock offsets were not measured and are taken as 0"
	if info.Rendezvous != "" {
		how = "stages started together at the rendezvous " + info.Rendezvous + "; clock offsets against shard 0: " + strings.Join(offsets, ", ")
	}
	run.Notes = append(run.Notes, fmt.Sprintf("merged from %d shards: every stage is recomputed from the union of their requests; %s",
		info.Count, how))
	return run
}

// latestEnd is when the last part ended, on shard 0's clock.
func latestEnd(parts []*part) time.Time {
	var end time.Time
	for _, p := range parts {
		if e := p.run.EndedAt.Add(-p.offset); e.After(end) {
			end = e
		}
	}
	return end
}

// pathFrom is path relative to dir when it lies inside it, else absolute.
func pathFrom(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
