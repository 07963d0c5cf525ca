package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// lengthsRun is the fixture with token lengths on two levels: one whose
// lengths vary, share a prefix and hit the prefix cache, and one of fixed
// lengths whose prompts came back 5 tokens longer (a chat template counted
// by the server but not by the prompts).
func lengthsRun() *schema.Run {
	run := fixtureRun()
	varied := &run.Stages[0]
	varied.Lengths = &schema.LengthStats{
		RequestedInput:  schema.Dist{Count: 40, Mean: 612.4, Std: 150, Min: 300, Max: 1000, Percentiles: map[string]float64{"p50": 590, "p99": 980}},
		RequestedOutput: schema.Dist{Count: 40, Mean: 128, Max: 128, Min: 128, Percentiles: map[string]float64{"p50": 128, "p99": 128}},
		Input:           schema.Dist{Count: 40, Mean: 612.4, Std: 150, Min: 300, Max: 1000, Percentiles: map[string]float64{"p50": 590, "p99": 980}},
		Output:          schema.Dist{Count: 40, Mean: 128, Max: 128, Min: 128, Percentiles: map[string]float64{"p50": 128, "p99": 128}},
		PrefixShare:     0.42,
		InputHistogram:  schema.Histogram{Edges: []int{300, 400, 500, 600}, Requested: []int{10, 20, 10}, Actual: []int{10, 20, 10}},
		OutputHistogram: schema.Histogram{Edges: []int{128, 129}, Requested: []int{40}, Actual: []int{40}},
	}
	varied.Server = &schema.ServerMetrics{Available: true,
		Counters: map[string]float64{schema.CounterPrefixCacheQueries: 24496, schema.CounterPrefixCacheHits: 9728}}
	drift := &run.Stages[1]
	fixed := schema.Dist{Count: 40, Mean: 256, Min: 256, Max: 256, Percentiles: map[string]float64{"p50": 256, "p99": 256}}
	out := schema.Dist{Count: 40, Mean: 128, Min: 128, Max: 128, Percentiles: map[string]float64{"p50": 128, "p99": 128}}
	drift.Lengths = &schema.LengthStats{RequestedInput: fixed, RequestedOutput: out, Output: out,
		Input:          schema.Dist{Count: 40, Mean: 261, Min: 261, Max: 261, Percentiles: map[string]float64{"p50": 261, "p99": 261}},
		InputHistogram: schema.Histogram{Edges: []int{256, 257, 258, 259, 260, 261, 262}, Requested: []int{40, 0, 0, 0, 0, 0}, Actual: []int{0, 0, 0, 0, 0, 40}}}
	exact := &run.Stages[2]
	exact.Lengths = &schema.LengthStats{RequestedInput: fixed, Input: fixed, RequestedOutput: out, Output: out}
	return run
}

// The terminal and Markdown summaries describe the lengths of the levels
// where they say something, and only those.
func TestLengthLines(t *testing.T) {
	run := lengthsRun()
	want := []string{
		"sweep/safe/c1: input asked mean 612.4 (p50 590.0, p99 980.0, max 1000), reported the same; output 128 asked and reported; " +
			"shared prefix 42.0% of prompt tokens; prefix cache hit rate 39.7%",
		"sweep/safe/c4: input asked 256, reported 261 (+2.0%); output 128 asked and reported",
	}
	if got := lengthLines(run); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var term, md bytes.Buffer
	if err := Terminal(&term, run, "", false); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, run); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"terminal": term.String(), "markdown": md.String()} {
		if !strings.Contains(out, "Token lengths") || !strings.Contains(out, "prefix cache hit rate 39.7%") {
			t.Errorf("%s report lacks the token lengths:\n%s", name, out)
		}
		if strings.Contains(out, "sweep/safe/c8: input") {
			t.Errorf("%s report describes a level of fixed, exact lengths", name)
		}
	}
}

// The HTML page draws a histogram for each side that varies or drifted:
// the varied level's input and the drifting level's input, not the fixed
// outputs.
func TestLengthHistograms(t *testing.T) {
	run := lengthsRun()
	charts := lengthCharts(run)
	var titles []string
	for _, c := range charts {
		titles = append(titles, c.Title)
		if !strings.Contains(string(c.SVG), "<svg") {
			t.Errorf("chart %q is not an SVG", c.Title)
		}
	}
	want := "sweep/safe/c1: input lengths (tokens)|sweep/safe/c4: input lengths (tokens)"
	if strings.Join(titles, "|") != want {
		t.Errorf("histograms %q, want %q", titles, want)
	}
	spec := histogramSpec("t", run.Stages[0].Lengths.InputHistogram)
	if strings.Join(spec.X, ",") != "300–399,400–499,500–599" || spec.Series[1].Values[1] != 20 {
		t.Errorf("histogram spec %+v", spec)
	}
	var b bytes.Buffer
	if err := HTML(&b, run); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Token length histograms", "<h2>Token lengths</h2>", "prefix cache hit rate 39.7%"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("html report lacks %q", w)
		}
	}
}
