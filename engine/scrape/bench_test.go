package scrape

import (
	"strings"
	"testing"
)

// BenchmarkParseExtract measures one scrape's CPU cost on the vLLM fixture:
// it must stay far below the scrape interval so scraping never competes with
// the load generator.
func BenchmarkParseExtract(b *testing.B) {
	text := render(b, 7)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		fams, err := parse(strings.NewReader(text))
		if err != nil {
			b.Fatal(err)
		}
		_ = extract(fams, testModel)
	}
}
