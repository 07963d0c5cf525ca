package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/engine/shard"
)

// shardSplit describes, for every step of p, how n shards split it: the
// levels (or rates) and request counts of the parts, in shard order.
func shardSplit(p *engine.Plan, n int) ([]string, error) {
	if err := shard.CheckIndex(0, n); err != nil {
		return nil, usagef("--shards: %w", err)
	}
	parts := make([]*engine.Plan, n)
	for i := range parts {
		var err error
		if parts[i], err = p.Partition(i, n); err != nil {
			return nil, usageErr(err)
		}
	}
	out := make([]string, len(p.Steps))
	for s, step := range p.Steps {
		var load, reqs, warm []string
		for _, part := range parts {
			ps := part.Steps[s]
			switch {
			case ps.Part.Idle():
				load = append(load, "-")
			case step.OpenLoop():
				load = append(load, strconv.FormatFloat(ps.Rate, 'g', 4, 64))
			default:
				load = append(load, strconv.Itoa(ps.Concurrency))
			}
			reqs, warm = append(reqs, strconv.Itoa(ps.Requests)), append(warm, strconv.Itoa(ps.Warmup))
		}
		d := "c " + strings.Join(load, "+")
		if step.OpenLoop() {
			d = "rate " + strings.Join(load, "+") + "/s"
		}
		if step.Requests > 0 {
			d += ", requests " + strings.Join(reqs, "+")
		}
		if step.Warmup > 0 {
			d += ", warmup " + strings.Join(warm, "+")
		}
		out[s] = d
	}
	return out, nil
}

// shardsNote says how shards split the plan, under its table.
func shardsNote(n int) string {
	return fmt.Sprintf("split over %d shards (shard 0 first; - has no share of the level): closed-loop levels as evenly as possible, "+
		"requests and warmup in proportion, open-loop rates evenly; request indexes are disjoint", n)
}
