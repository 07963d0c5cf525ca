package schema

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkLoadScenarios loads every shipped scenario once per iteration;
// ns/op divided by the file count is the load time of one file.
func BenchmarkLoadScenarios(b *testing.B) {
	files, _ := filepath.Glob("../scenarios/*.yaml")
	srcs := make([][]byte, len(files))
	for i, f := range files {
		var err error
		if srcs[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	env := func(string) (string, bool) { return "", false }
	b.ReportMetric(float64(len(files)), "files")
	for b.Loop() {
		for i, src := range srcs {
			if _, err := LoadBytes(files[i], src, env); err != nil {
				b.Fatal(err)
			}
		}
	}
}
