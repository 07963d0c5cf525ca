package reports

import (
	"fmt"
	"io"
	"strconv"
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

// matrixRunWith is the matrix fixture with n measured requests per level.
func matrixRunWith(n int) (*schema.Run, []schema.RequestRecord) {
	run, _ := matrixRun()
	var recs []schema.RequestRecord
	for i := range run.Stages {
		run.Stages[i].PlannedRequests = n
		recs = append(recs, levelRecords(&run.Stages[i])...)
	}
	return run, recs
}

// BenchmarkHTMLMatrixRequests renders a matrix run's page with its
// per-level charts from 1 000 and from 100 000 requests per level: the
// charts read a bounded sample, so memory must not grow with the requests
// (compare B/op of the two).
func BenchmarkHTMLMatrixRequests(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		run, recs := matrixRunWith(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := HTMLWith(io.Discard, run, recordsOf(recs)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
