package kube

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The datasets and traces a scenario names go into the ConfigMap without
// a --file, each once, at the path the scenario gives them; one outside
// the scenario's directory is refused, since the pod could not read it.
func TestReadTakesTheScenariosDataFiles(t *testing.T) {
	trace := []byte(`{"timestamp": 0, "input_length": 10, "output_length": 2}` + "\n")
	chats := []byte(`{"prompt": "hello there"}` + "\n" + `{"prompt": "and again"}` + "\n")
	path := scenarioDir(t, `version: 1
name: data
profiles:
  p: {dataset: {file: data/chats.jsonl, format: jsonl}}
stages:
  - {name: a, profile: p, concurrency: 1, requests: 2}
  - {name: b, replay: {file: data/trace.jsonl, format: mooncake}}
`, map[string][]byte{"data/chats.jsonl": chats, "data/trace.jsonl": trace})
	src, err := Read(path, []string{"data/chats.jsonl"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range src.Files[1:] {
		got = append(got, f.Path+"="+f.Key)
	}
	if want := []string{"data/chats.jsonl=data_chats.jsonl", "data/trace.jsonl=data_trace.jsonl"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}

	outside := filepath.Join(t.TempDir(), "chats.jsonl")
	if err := os.WriteFile(outside, chats, 0o644); err != nil {
		t.Fatal(err)
	}
	path = scenarioDir(t, `version: 1
name: far
profiles:
  p: {dataset: {file: `+outside+`, format: jsonl}}
stages:
  - {name: a, profile: p, concurrency: 1, requests: 2}
`, nil)
	if _, err := Read(path, nil, noEnv); err == nil || !strings.Contains(err.Error(), "the scenario reads this file outside its directory") {
		t.Errorf("a dataset outside the scenario's directory: %v", err)
	}
}
