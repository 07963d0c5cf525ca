package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/schema"
)

// Part is the share of a step one shard of a sharded run generates. The
// shards' parts add up to the step: closed-loop levels split as evenly as
// possible (10 over 3 shards is 4+3+3), open-loop rates evenly, request and
// warmup counts in proportion to the level, and the request indexes are
// disjoint, so no two shards send the same prompt (the prompt of a request
// is a function of its index) and the union is the unsharded step's set.
// The zero Part is the whole step.
type Part struct {
	Index, Count int // this shard, of Count; Count 0 or 1: the whole step
	// Measured request j of this part is request first + j·stride of the
	// whole step: consecutive blocks when the step has a request count,
	// every Count-th index (from Index) when it ends by duration.
	first, stride int
	warmFirst     int // warmup request j is warmup request warmFirst + j
	idle          bool
	// An open loop's whole rate and the number of shards pacing it.
	rate    float64
	senders int
}

// Request maps this part's measured request j to its index in the whole step.
func (p Part) Request(j int) int {
	if p.Count <= 1 {
		return j
	}
	return p.first + j*p.stride
}

// Warmup maps this part's warmup request j to its index in the whole step.
func (p Part) Warmup(j int) int { return p.warmFirst + j }

// Idle reports whether this part has no share of the step (a level below
// the number of shards): the shard takes part in the step's barrier only.
func (p Part) Idle() bool { return p.idle }

// Sharded reports whether the part is less than the whole step.
func (p Part) Sharded() bool { return p.Count > 1 }

// Partition returns the plan of shard index of count: every step replaced
// by this shard's part. It refuses what cannot be split exactly: a capacity
// search (its probes depend on judged results of the whole level) and an
// open-loop cap smaller than the number of shards sending.
func (p *Plan) Partition(index, count int) (*Plan, error) {
	if err := shard.CheckIndex(index, count); err != nil {
		return nil, err
	}
	out := &Plan{Scenario: p.Scenario, Steps: make([]Step, len(p.Steps))}
	var errs []string
	for i, s := range p.Steps {
		part, err := partStep(s, index, count)
		if err != nil {
			errs = append(errs, err.Error())
		}
		out.Steps[i] = part
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("the plan cannot be split over %d shards: %s", count, strings.Join(dedupe(errs), "; "))
	}
	return out, nil
}

// partStep is shard index's part of step s.
func partStep(s Step, index, count int) (Step, error) {
	if count <= 1 {
		return s, nil
	}
	if s.IsSearch() {
		return s, fmt.Errorf("stage %q is a capacity search, whose probes depend on the merged result of each level: run it unsharded", s.Stage.Name)
	}
	part := s
	part.Part = Part{Index: index, Count: count}
	var weights []int
	if s.OpenLoop() {
		// Only as many shards as there are requests send; each paces its
		// share of the rate (load.NewPartPacer).
		active := count
		if s.Requests > 0 {
			active = min(count, s.Requests)
		}
		weights = make([]int, count)
		for i := range active {
			weights[i] = 1
		}
		part.Part.rate, part.Part.senders = s.Rate, active
		if index < active {
			part.Rate = s.Rate / float64(active)
		}
		if s.Concurrency > 0 {
			if s.Concurrency < active {
				return s, fmt.Errorf("stage %q: max_concurrency %d cannot be split over %d shards (each needs at least 1)",
					s.Stage.Name, s.Concurrency, active)
			}
			part.Concurrency = shard.Split(s.Concurrency, active)[min(index, active-1)]
		}
		part.Part.idle = index >= active
	} else {
		weights = shard.Split(s.Concurrency, count)
		part.Concurrency = weights[index]
		part.Part.idle = part.Concurrency == 0
	}
	warm := shard.Share(s.Warmup, weights)
	part.Warmup, part.Part.warmFirst = warm[index], shard.Sum(warm, index)
	if s.Requests > 0 {
		reqs := shard.Share(s.Requests, weights)
		part.Requests, part.Part.first, part.Part.stride = reqs[index], shard.Sum(reqs, index), 1
		part.Part.idle = part.Part.idle || part.Requests == 0
	} else {
		part.Part.first, part.Part.stride = index, count
	}
	return part, nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Fingerprint identifies what the plan will send, so the shards of a run
// can tell that they all run the same plan: a hash of the scenario as
// resolved (file, overrides, seed; without its secrets, which are never
// serialised), which is all a plan is made from. Where a shard keeps its
// results (the file's path, report.dir) is its own business and left out.
func (p *Plan) Fingerprint() string {
	sc := p.Scenario.Redacted()
	sc.File, sc.Report.Dir = "", ""
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(sc) // a scenario always encodes
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// idleResult is the result of a step this shard has no share of: nothing
// sent, and a note saying why, so the part's run.json is complete.
func idleResult(step Step) *schema.StageResult {
	now := time.Now().UTC()
	in, out, _ := step.Lengths.FixedLengths()
	return &schema.StageResult{
		ID: step.ID, Variant: step.Variant.name(), Stage: step.Stage.Name, Profile: step.Profile,
		InputLen: in, OutputLen: out, Repeat: step.Repeat,
		Status: schema.StatusCompleted, StartedAt: now, Origin: now,
		Warnings: []string{fmt.Sprintf("shard %d of %d has no share of this level: the other shards sent its requests",
			step.Part.Index, step.Part.Count)},
	}
}
