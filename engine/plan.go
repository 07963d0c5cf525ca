// Package engine turns a validated scenario into measured numbers: it expands
// the scenario into a Plan, owns the server for the length of the run, runs
// every step with the load generator and the streaming client, aggregates
// the samples, evaluates thresholds, and saves the run directory as it goes.
//
// The data flows one way: schema.Scenario -> Plan -> Execute -> schema.Run.
// Sub-packages each own one concern (client, load, metrics, server, sim,
// scrape, search, prompt); this package only wires them together, through
// three parts: a session (the server, fixed once pre-flight is done), a
// step runner (session + step -> stage result) and a recorder (stage
// results -> judged and saved run). Every setting comes complete from
// schema's defaults pass; the engine has no defaults of its own.
package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/servebench/servebench/schema"
)

// Plan is a scenario with every stage expanded into the steps it will run:
// one step per profile, per concurrency or rate level, per repeat. A capacity
// search stays one step per profile; its probes are decided at run time.
type Plan struct {
	Scenario *schema.Scenario
	Steps    []Step
}

// Step is one stage level: the unit that is measured, saved and judged.
type Step struct {
	ID          string
	Stage       *schema.Stage
	Profile     string
	Lengths     schema.Profile
	Concurrency int     // closed loop level, or open-loop cap (0: none)
	Rate        float64 // open loop requests/s; 0 for closed loop
	Repeat      int     // 1-based; 0 when the stage does not repeat
	Requests    int
	Duration    time.Duration
	Warmup      int
	// Part is this shard's share of the step in a sharded run (the zero
	// Part is the whole step); see Plan.Partition.
	Part Part
}

// IsSearch reports whether the step is a capacity search rather than a level.
func (s Step) IsSearch() bool { return s.Stage.Search != nil }

// OpenLoop reports whether requests are paced by a rate.
func (s Step) OpenLoop() bool { return s.Rate > 0 }

// NewPlan expands a validated scenario. It fails only on what the loader
// should have rejected or filled in (an unknown profile, a setting without
// its default), so a hand-built scenario cannot slip through.
func NewPlan(sc *schema.Scenario) (*Plan, error) {
	if err := checkComplete(sc); err != nil {
		return nil, err
	}
	p := &Plan{Scenario: sc}
	for i := range sc.Stages {
		st := &sc.Stages[i]
		for _, name := range st.Profile {
			prof, ok := sc.ProfileFor(name)
			if !ok {
				return nil, fmt.Errorf("stage %q: unknown profile %q", st.Name, name)
			}
			p.Steps = append(p.Steps, expandStage(st, name, prof)...)
		}
	}
	return p, nil
}

func expandStage(st *schema.Stage, profile string, prof schema.Profile) []Step {
	base := Step{Stage: st, Profile: profile, Lengths: prof, Requests: st.Requests,
		Duration: st.Duration.D(), Warmup: st.Warmup}
	var levels []Step
	switch {
	case st.Search != nil:
		levels = []Step{base}
	case st.Rate != nil:
		for _, r := range st.Rate.Values {
			s := base
			s.Rate, s.Concurrency = r, st.MaxConcurrency
			levels = append(levels, s)
		}
	case st.Concurrency != nil:
		for _, c := range st.Concurrency.Values {
			s := base
			s.Concurrency = c
			levels = append(levels, s)
		}
	}
	var out []Step
	for _, s := range levels {
		for r := 1; r <= st.Repeat; r++ {
			if st.Repeat > 1 {
				s.Repeat = r
			}
			s.ID = StepID(st.Name, profile, s.Concurrency, s.Rate, s.Repeat, st.Search != nil)
			out = append(out, s)
		}
	}
	return out
}

// StepID names a stage level uniquely within a run: "sweep/safe/c8",
// "poisson/balanced/r2.5", "sweep/safe/c8#2" for a repeat, "cap/safe/search".
func StepID(stage, profile string, concurrency int, rate float64, repeat int, search bool) string {
	id := stage + "/" + profile + "/"
	switch {
	case search:
		id += "search"
	case rate > 0:
		id += "r" + strconv.FormatFloat(rate, 'f', -1, 64)
	default:
		id += "c" + strconv.Itoa(concurrency)
	}
	if repeat > 0 {
		id += "#" + strconv.Itoa(repeat)
	}
	return id
}

// Totals is what a plan will send, for `servebench plan`.
type Totals struct {
	Requests     int // measured + warmup; 0 when only duration-bound steps
	InputTokens  int64
	OutputTokens int64
	ByDuration   int // steps that end by duration (their request count is unknown)
	Searches     int // capacity searches (their probe count is decided at run time)
}

// Totals adds up the requests and tokens of every step whose size is known.
func (p *Plan) Totals() Totals {
	var t Totals
	for _, s := range p.Steps {
		switch {
		case s.IsSearch():
			t.Searches++
		case s.Requests == 0:
			t.ByDuration++
		default:
			n := s.Requests + s.Warmup
			t.Requests += n
			t.InputTokens += int64(n * s.Lengths.Input)
			t.OutputTokens += int64(n * s.Lengths.Output)
		}
	}
	return t
}
