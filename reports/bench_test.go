package reports

import (
	"io"
	"testing"
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

// BenchmarkTerminal renders the fixture run table.
func BenchmarkTerminal(b *testing.B) {
	run := fixtureRun()
	for b.Loop() {
		if err := Terminal(io.Discard, run, "", false); err != nil {
			b.Fatal(err)
		}
	}
}
