package main

import (
	"fmt"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/servebench/servebench/engine"
	"github.com/urfave/cli/v2"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:      "plan",
		Usage:     "print the expanded plan of a scenario (with run's overrides) without contacting any server",
		ArgsUsage: "SCENARIO.yaml",
		Flags: append(overrideFlags(), &cli.IntFlag{Name: "shards",
			Usage: "show how `N` shards (servebench run --shard/--shards) split every step"}),
		Action: planAction,
	}
}

func planAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("plan takes exactly one scenario file, got %d arguments", c.NArg())
	}
	sc, err := loadScenario(c, c.Args().First())
	if err != nil {
		return err
	}
	p, err := engine.NewPlan(sc)
	if err != nil {
		return usageErr(err)
	}
	var split []string
	if c.IsSet("shards") {
		if split, err = shardSplit(p, c.Int("shards")); err != nil {
			return err
		}
	}
	w := c.App.Writer
	fmt.Fprintf(w, "scenario %s: server %s", sc.Name, sc.Server.Kind())
	if sc.Server.URL != "" {
		fmt.Fprintf(w, " at %s", sc.Server.URL)
	}
	fmt.Fprintf(w, ", model %s, max_model_len %d, endpoint %s, seed %d, results in %s\n",
		orDash(sc.Model.Name), sc.Model.MaxModelLen, sc.API.Endpoint, sc.Seed, sc.Report.Dir)
	printVariants(w, p)
	t := table.NewWriter()
	t.SetOutputMirror(w)
	t.SetStyle(table.StyleLight)
	header := table.Row{"step", "stage", "profile", "input", "output", "load", "requests", "warmup", "duration"}
	if split != nil {
		header = append(header, "shards")
	}
	t.AppendHeader(header)
	for i, s := range p.Steps {
		in, out := stepLengths(p, s)
		row := table.Row{s.ID, s.Stage.Name, s.Profile, in, out,
			loadOf(s), bounded(s, sizeOf(s)), s.Warmup, bounded(s, durOrDash(s))}
		if split != nil {
			row = append(row, split[i])
		}
		t.AppendRow(row)
	}
	tot := p.Totals()
	t.AppendFooter(table.Row{"total", "", "", tot.InputTokens, tot.OutputTokens, "", countOrDash(tot.Requests), "", ""})
	t.SetColumnConfigs([]table.ColumnConfig{{Number: 4, Align: text.AlignRight}, {Number: 5, Align: text.AlignRight}})
	t.Render()
	printDistributions(w, p)
	if split != nil {
		fmt.Fprintln(w, shardsNote(c.Int("shards")))
	}
	fmt.Fprintf(w, "%d steps", len(p.Steps))
	if tot.Requests > 0 {
		fmt.Fprintf(w, "; %s%d requests, %d input + %d output tokens to send", atMost(p), tot.Requests, tot.InputTokens, tot.OutputTokens)
	}
	if tot.ByDuration > 0 {
		fmt.Fprintf(w, "; %d steps end by duration, after %d warmup requests", tot.ByDuration, durationWarmups(p))
	}
	if tot.Searches > 0 {
		fmt.Fprintf(w, "; %d capacity searches", tot.Searches)
	}
	fmt.Fprintln(w)
	for _, st := range sc.Stages {
		if len(st.Until) > 0 {
			fmt.Fprintf(w, "stage %s: each level stops as soon as %s (95%% interval); ≤ marks its bound\n", st.Name, st.Until)
		}
	}
	return nil
}

// atMost qualifies the totals of a plan where until: may stop levels early.
func atMost(p *engine.Plan) string {
	for _, s := range p.Steps {
		if len(s.Stage.Until) > 0 {
			return "at most "
		}
	}
	return ""
}

// bounded marks a request count or duration as the upper bound of a
// level that stops early when its until: targets are met.
func bounded(s engine.Step, v any) any {
	if len(s.Stage.Until) == 0 || v == "-" {
		return v
	}
	return fmt.Sprintf("≤%v", v)
}

// durationWarmups counts the warmup requests of the steps that end by
// duration: they are sent whatever the duration, so the plan says so.
func durationWarmups(p *engine.Plan) int {
	n := 0
	for _, s := range p.Steps {
		if !s.IsSearch() && s.Requests == 0 {
			n += s.Warmup
		}
	}
	return n
}

func loadOf(s engine.Step) string {
	switch {
	case s.Trace != nil:
		return replayLoad(s)
	case s.IsSearch():
		sr := s.Stage.Search
		if sr.Rate != nil {
			return fmt.Sprintf("search rate %g..%g", sr.Rate.From, sr.Rate.To)
		}
		return fmt.Sprintf("search c %g..%g", sr.Concurrency.From, sr.Concurrency.To)
	case s.OpenLoop():
		l := fmt.Sprintf("rate %g/s %s", s.Rate, s.Stage.Distribution)
		if s.Concurrency > 0 {
			l += fmt.Sprintf(" (cap %d)", s.Concurrency)
		}
		return l
	}
	return fmt.Sprintf("c=%d", s.Concurrency)
}

func countOrDash(n int) any {
	if n == 0 {
		return "-"
	}
	return n
}

func durOrDash(s engine.Step) string {
	if s.Duration == 0 {
		return "-"
	}
	return s.Duration.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
