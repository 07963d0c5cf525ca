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

	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
)

// Plan is a scenario with every stage expanded into the steps it will run:
// one step per profile, per concurrency or rate level, per repeat. A capacity
// search stays one step per profile; its probes are decided at run time.
type Plan struct {
	Scenario *schema.Scenario
	// Variants are the server configurations in the order they run: one
	// per matrix variant, or one unnamed without a matrix (variant.go).
	Variants []*Variant
	Steps    []Step

	summaries map[summaryKey]traffic.Summary // Summary's memo; Plan is not for concurrent use
}

// Step is one stage level: the unit that is measured, saved and judged.
type Step struct {
	ID      string
	Stage   *schema.Stage
	Profile string
	Lengths schema.Profile
	// Source decides every request of the step (engine/traffic); the
	// levels and repeats of one stage and profile share it, so they send
	// the same sequence of lengths.
	Source      traffic.Source
	Concurrency int     // closed loop level, or open-loop cap (0: none)
	Rate        float64 // open loop requests/s; 0 for closed loop
	Repeat      int     // 1-based; 0 when the stage does not repeat
	Requests    int
	Duration    time.Duration
	Warmup      int
	// Variant is the server configuration the step runs against.
	Variant *Variant
	// Part is this shard's share of the step in a sharded run (the zero
	// Part is the whole step); see Plan.Partition.
	Part Part
	// Trace is a replay's trace, sent at its own times divided by Speed.
	Trace *traffic.Trace
	Speed float64
}

// IsSearch reports whether the step is a capacity search rather than a level.
func (s Step) IsSearch() bool { return s.Stage.Search != nil }

// OpenLoop reports whether requests are paced by a rate or a trace.
func (s Step) OpenLoop() bool { return s.Rate > 0 || s.Trace != nil }

// NewPlan expands a validated scenario. It fails only on what the loader
// should have rejected or filled in (an unknown profile, a setting without
// its default), so a hand-built scenario cannot slip through.
func NewPlan(sc *schema.Scenario) (*Plan, error) {
	p := &Plan{Scenario: sc}
	vs, err := planVariants(sc)
	if err != nil {
		return nil, err
	}
	p.Variants = vs
	for _, v := range vs {
		vsc := v.Scenario
		if err := checkComplete(vsc); err != nil {
			return nil, err
		}
		for i := range vsc.Stages {
			st := &vsc.Stages[i]
			if st.Replay != nil {
				steps, err := replaySteps(v, vsc, st)
				if err != nil {
					return nil, err
				}
				p.Steps = append(p.Steps, steps...)
				continue
			}
			for _, name := range st.Profile {
				prof, ok := vsc.ProfileFor(name)
				if !ok {
					return nil, fmt.Errorf("stage %q: unknown profile %q", st.Name, name)
				}
				src, err := newSource(vsc, st, name, prof)
				if err != nil {
					return nil, err
				}
				p.Steps = append(p.Steps, expandStage(v, st, name, prof, src)...)
			}
		}
	}
	return p, nil
}

func expandStage(v *Variant, st *schema.Stage, profile string, prof schema.Profile, src traffic.Source) []Step {
	base := Step{Stage: st, Profile: profile, Lengths: prof, Source: src, Requests: st.Requests,
		Duration: st.Duration.D(), Warmup: st.Warmup, Variant: v}
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
			s.ID = v.stepID(StepID(st.Name, profile, s.Concurrency, s.Rate, s.Repeat, st.Search != nil))
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

// Totals adds up the requests and tokens of every step whose size is known:
// the lengths its source will actually draw, warmup included.
func (p *Plan) Totals() Totals {
	var t Totals
	for _, s := range p.Steps {
		switch {
		case s.IsSearch():
			t.Searches++
		case s.Requests == 0:
			t.ByDuration++
		default:
			sum := p.Summary(s)
			t.Requests += sum.Requests
			t.InputTokens += sum.InputTokens
			t.OutputTokens += sum.OutputTokens
		}
	}
	return t
}

// summaryRequests is how many requests Summary draws for a step that ends
// by duration or searches, whose request count is not known in advance.
const summaryRequests = 1000

// Summary describes the requests a step sends as its source will draw
// them: its warmup and measured requests, or the first summaryRequests
// when the count is decided at run time. Steps that share a source and a
// size share the answer, so a plan of many levels is summarised quickly.
func (p *Plan) Summary(s Step) traffic.Summary {
	warmup, n := s.Warmup, s.Requests
	if n == 0 || s.IsSearch() {
		warmup, n = 0, summaryRequests
	}
	key := summaryKey{s.Source, warmup, n}
	if sum, ok := p.summaries[key]; ok {
		return sum
	}
	if p.summaries == nil {
		p.summaries = map[summaryKey]traffic.Summary{}
	}
	sum := traffic.Summarize(s.Source, warmup, n)
	p.summaries[key] = sum
	return sum
}

type summaryKey struct {
	src       traffic.Source
	warmup, n int
}
