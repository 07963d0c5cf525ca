package schema

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: no input may panic the loader, and every failure must be a
// *Diagnostics with at least one entry.
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "../scenarios/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := LoadBytes("fuzz.yaml", src, testEnv)
		if err == nil {
			if sc == nil {
				t.Fatal("nil scenario without error")
			}
			if _, err := CompileThresholds(sc); err != nil {
				t.Fatalf("loaded scenario does not compile its thresholds: %v", err)
			}
			return
		}
		var diags *Diagnostics
		if !errors.As(err, &diags) || len(diags.List) == 0 {
			t.Fatalf("error is not a non-empty *Diagnostics: %v", err)
		}
		_ = err.Error()
	})
}

// FuzzReadRun: no run.json may panic the decoder.
func FuzzReadRun(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"name":"x","stages":[{"id":"a/safe/c1","stage":"a","metrics":{"ttft_ms":{"percentiles":{"p99":1}}}}]}`))
	f.Add([]byte(`{"schema_version":2}`))
	f.Add([]byte(`{"schema_version":1,"scenario":{"version":1,"stages":[{"name":"s","concurrency":{"values":[1,2]}}],"server":{"stop_timeout":"30s"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := DecodeRun(data)
		if err == nil && run.SchemaVersion != RunSchemaVersion {
			t.Fatalf("accepted schema_version %d", run.SchemaVersion)
		}
	})
}
