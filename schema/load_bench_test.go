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

// BenchmarkLoadMatrix64 loads a matrix of the most variants a scenario may
// have (4 × 4 × 4 = 64 vLLM command variants), each checked like a file:
// compare with BenchmarkLoadScenarios' time per file.
func BenchmarkLoadMatrix64(b *testing.B) {
	src := []byte(`version: 1
server:
  command: [vllm, serve, m, --tensor-parallel-size, "${matrix.tp}", --max-num-seqs, "${matrix.seqs}", --block-size, "${matrix.block}"]
  url: http://127.0.0.1:8000
model: {name: m, max_model_len: 4096}
matrix:
  axes:
    tp: [1, 2, 4, 8]
    seqs: [64, 128, 256, 512]
    block: [8, 16, 32, 64]
stages:
  - {name: sweep, concurrency: [1, 2, 4, 8, 16, 32], requests: 20, warmup: 2}
  - {name: rate, rate: [1, 2, 4], duration: 30s}
thresholds:
  - expr: error_rate == 0
  - {when: concurrency <= 8, expr: ttft.p99 < 500}
`)
	for b.Loop() {
		sc, err := LoadBytes("m.yaml", src, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(sc.Variants()) != 64 {
			b.Fatal(len(sc.Variants()))
		}
	}
}
