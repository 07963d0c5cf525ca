package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestSamplesAreCurrent: the committed samples are exactly what the
// generator writes (run `go generate ./scenarios/data/gen` after changing
// package synth), and each is small.
func TestSamplesAreCurrent(t *testing.T) {
	for _, s := range samples {
		want, err := generate(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", s.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("scenarios/data/%s is not what the generator writes: run go generate ./scenarios/data/gen", s.name)
		}
		if len(got) > 100<<10 {
			t.Errorf("scenarios/data/%s is %d bytes: samples stay under 100 KB", s.name, len(got))
		}
	}
}
