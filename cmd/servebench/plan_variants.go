package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// printVariants lists a matrix's variants before the steps: each one's
// axis values and the server it starts, exactly as the run will start it.
func printVariants(w io.Writer, p *engine.Plan) {
	if len(p.Variants) == 0 || p.Variants[0].Name == "" {
		return
	}
	fmt.Fprintf(w, "%d variants, each on its own server, one after another:\n", len(p.Variants))
	steps := map[*engine.Variant]int{}
	for _, s := range p.Steps {
		steps[s.Variant]++
	}
	t := table.NewWriter()
	t.SetOutputMirror(w)
	t.SetStyle(table.StyleLight)
	t.AppendHeader(table.Row{"variant", "axes", "server", "model", "max_model_len", "steps"})
	for _, v := range p.Variants {
		var axes []string
		for _, a := range v.Axes {
			axes = append(axes, a.Name+"="+a.Value)
		}
		sc := v.Scenario
		t.AppendRow(table.Row{v.Name, redact.Line(strings.Join(axes, " ")), redact.Line(serverLine(sc.Server)),
			redact.Line(orDash(sc.Model.Name)), sc.Model.MaxModelLen, steps[v]})
	}
	t.Render()
}

// serverLine says what a variant's server is: its command, image or the
// simulator's settings that matter for throughput.
func serverLine(s schema.Server) string {
	switch s.Kind() {
	case schema.ServerCommand:
		return strings.Join(s.Command, " ")
	case schema.ServerDocker:
		return "docker " + s.Docker.Image + " " + strings.Join(s.Docker.Args, " ")
	case schema.ServerURL:
		return "attach " + s.URL
	}
	b := s.Builtin
	return fmt.Sprintf("builtin max_num_seqs=%d decode_step=%s kv_cache_tokens=%d", b.MaxNumSeqs, b.DecodeStep, b.KVCacheTokens)
}

// variantCount is " (4 variants)" for a matrix scenario, "" otherwise.
func variantCount(sc *schema.Scenario) string {
	if sc.Matrix == nil {
		return ""
	}
	return fmt.Sprintf(" (%d variants, each checked)", len(sc.Variants()))
}
