package main

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
)

// stepLengths are the input and output cells of a step: the profile's
// lengths when fixed (the prompt with its prefix, numbers as before), else
// "~" and the mean the step's source draws.
func stepLengths(p *engine.Plan, s engine.Step) (in, out any) {
	if i, o, ok := s.Lengths.FixedLengths(); ok {
		return i, o
	}
	sum := p.Summary(s)
	return fmt.Sprintf("~%.0f", sum.Input.Mean), fmt.Sprintf("~%.0f", sum.Output.Mean)
}

// printDistributions shows, for every stage and profile whose lengths vary
// or share a prefix, the lengths as they will actually be sent: drawn from
// the same source the run uses, over the requests of its first step.
func printDistributions(w io.Writer, p *engine.Plan) {
	t := table.NewWriter()
	t.SetOutputMirror(w)
	t.SetStyle(table.StyleLight)
	t.AppendHeader(table.Row{"stage", "profile", "requests", "input mean", "p50", "p99", "max", "output mean", "p50", "p99", "max", "prefix share"})
	seen := map[[2]string]bool{}
	for _, s := range p.Steps {
		key := [2]string{s.Stage.Name, s.Profile}
		if seen[key] || s.Lengths.IsFixed() {
			continue
		}
		seen[key] = true
		sum := p.Summary(s)
		t.AppendRow(table.Row{s.Stage.Name, s.Profile, sum.Requests,
			fmtMean(sum.Input), fmtP(sum.Input, "p50"), fmtP(sum.Input, "p99"), sum.Input.Max,
			fmtMean(sum.Output), fmtP(sum.Output, "p50"), fmtP(sum.Output, "p99"), sum.Output.Max,
			fmt.Sprintf("%.1f%%", 100*sum.PrefixShare())})
	}
	if t.Length() == 0 {
		return
	}
	fmt.Fprintln(w, "token lengths as drawn (prompt lengths include the shared prefix):")
	t.Render()
}

func fmtMean(d schema.Dist) string { return strconv.FormatFloat(d.Mean, 'f', 1, 64) }

func fmtP(d schema.Dist, key string) string {
	return strconv.FormatFloat(math.Round(d.Percentiles[key]*10)/10, 'f', -1, 64)
}

// profileLengths words a profile's lengths for progress lines:
// "256/128 tokens", or its input and output with the prefix and mix.
func profileLengths(p schema.Profile) string {
	if p.Dataset != nil {
		return datasetLengths(p.Dataset)
	}
	if p.IsFixed() {
		return fmt.Sprintf("%d/%d tokens", p.Input.Fixed, p.Output.Fixed)
	}
	s := fmt.Sprintf("input %s, output %s", p.Input, p.Output)
	if len(p.Mix) > 0 {
		s = fmt.Sprintf("a mix of %d length pairs", len(p.Mix))
	}
	switch {
	case p.Prefix == nil:
	case p.Prefix.Groups == 1:
		s += fmt.Sprintf(", a shared prefix of %d tokens", p.Prefix.Tokens)
	default:
		s += fmt.Sprintf(", %d shared prefixes of %d tokens", p.Prefix.Groups, p.Prefix.Tokens)
	}
	return s
}
