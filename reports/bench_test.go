package reports

import (
	"fmt"
	"io"
	"testing"

	"github.com/servebench/servebench/schema"
)

// BenchmarkHTML renders the fixture run page (≈25 inline SVG charts).
func BenchmarkHTML(b *testing.B) {
	run := fixtureRun()
	for b.Loop() {
		if err := HTML(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTerminal renders the fixture run table with no width limit and
// fitted to 80 columns, which lays the table out once per column left out.
func BenchmarkTerminal(b *testing.B) {
	run := fixtureRun()
	for _, width := range []int{0, 80} {
		b.Run(fmt.Sprintf("width=%d", width), func(b *testing.B) {
			for b.Loop() {
				if err := TerminalWith(io.Discard, run, "", TerminalOptions{Width: width}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHTMLManyPercentiles renders a run whose TTFT carries 20 000
// percentile keys (a hand-made or imported run.json): the page must cost
// about what the fixture's does, not grow with the square of the keys.
func BenchmarkHTMLManyPercentiles(b *testing.B) {
	run := fixtureRun()
	for i := range run.Stages {
		d := &run.Stages[i].Metrics.TTFT
		for k := range 20_000 {
			d.Percentiles[schema.PercentileKey(float64(k+1)*99/20_001)] = float64(k)
		}
	}
	for b.Loop() {
		if err := HTML(io.Discard, run); err != nil {
			b.Fatal(err)
		}
	}
}
