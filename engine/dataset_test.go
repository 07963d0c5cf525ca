package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema/dataset"
)

// chatBodies returns the messages of every recorded chat request, in the
// order they were sent.
func (tap *tappedSim) chatBodies(t *testing.T) [][]dataset.Message {
	t.Helper()
	tap.mu.Lock()
	defer tap.mu.Unlock()
	var out [][]dataset.Message
	for _, b := range tap.bodies {
		var req struct {
			Messages []dataset.Message `json:"messages"`
		}
		if err := json.Unmarshal(b, &req); err != nil {
			t.Fatalf("recorded body %s: %v", b, err)
		}
		out = append(out, req.Messages)
	}
	return out
}

// recordAt reads the record of a JSONL file that starts at line.
func recordAt(t *testing.T, path string, line int) dataset.Entry {
	t.Helper()
	p, err := dataset.Open(context.Background(), path, dataset.Options{Format: dataset.JSONL, MaxRecordBytes: dataset.DefaultMaxRecordBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := range p.Len() {
		if p.Line(i) == line {
			e, err := p.Entry(i)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
	}
	t.Fatalf("%s has no record at line %d", path, line)
	return dataset.Entry{}
}

const chatJSONL = "../scenarios/data/chat.jsonl"

// A dataset's chat records go on the wire as they are, each request the
// record requests.jsonl names; their lengths are counted with the server's
// /tokenize at pre-flight, so every request asked for exactly the prompt
// tokens the server reported, chat template included; run.json says which
// records the level sent and which it left out.
func TestDatasetRecordsGoOnTheWireWithExactLengths(t *testing.T) {
	tap, url := startTappedSim(t, false)
	run, recs := runScenario(t, fmt.Sprintf(`
version: 1
name: chats
server: {url: %s}
model: {name: m, max_model_len: 4096}
api: {endpoint: chat}
profiles:
  chats: {dataset: {file: %s, format: jsonl, order: random, max_input: 80, max_output: 300, output_tokens: 7}}
stages:
  - {name: s, profile: chats, concurrency: 1, requests: 12, warmup: 2}
`, url, chatJSONL))
	sent := tap.chatBodies(t)[1:] // the first is pre-flight's probe
	if len(sent) != 14 || len(recs) != 14 {
		t.Fatalf("%d requests on the wire, %d in requests.jsonl; want 14", len(sent), len(recs))
	}
	for k, r := range recs {
		e := recordAt(t, chatJSONL, r.Record)
		if got, want := key(sent[k]), key(e.Messages); got != want {
			t.Fatalf("request %d sent %s, record %d holds %s", k, got, r.Record, want)
		}
		if r.RequestedInput != r.InputTokens || r.RequestedInput > 80 {
			t.Errorf("request %d (record %d) asked for %d prompt tokens, the server counted %d (max_input 80)", k, r.Record, r.RequestedInput, r.InputTokens)
		}
		if e.OutputTokens == 0 && r.RequestedOutput != 7 || e.OutputTokens > 0 && r.RequestedOutput != e.OutputTokens {
			t.Errorf("record %d asks for %d output tokens, the request for %d", r.Record, e.OutputTokens, r.RequestedOutput)
		}
	}
	d := run.Stages[0].Dataset
	if d == nil || d.Used != 14 || d.Entries != 60 || d.Measured != "tokenizer" || d.Skipped["input_too_long"] == 0 {
		t.Errorf("dataset usage %+v: want 14 used of 60, counted by the tokenizer, some left out as too long", d)
	}
	for _, w := range run.Stages[0].Warnings {
		if strings.Contains(w, "input length") {
			t.Errorf("exact lengths drifted: %s", w)
		}
	}
}

// Without /tokenize the records are counted in words: the run says so,
// run.json says how they were counted, and the chat template's tokens show
// as drift between the requested and the reported input.
func TestDatasetWithoutTokenizerCountsWords(t *testing.T) {
	_, url := startTappedSim(t, true)
	run, _ := runScenario(t, fmt.Sprintf(`
version: 1
name: words
server: {url: %s}
model: {name: m}
api: {endpoint: chat}
profiles:
  chats: {dataset: {file: %s, format: jsonl}}
stages:
  - {name: s, profile: chats, concurrency: 2, requests: 10}
`, url, chatJSONL))
	if d := run.Stages[0].Dataset; d == nil || d.Measured != "words" {
		t.Fatalf("dataset usage %+v, want lengths in words", d)
	}
	if !strings.Contains(strings.Join(run.Notes, "\n"), "dataset records are measured in words") {
		t.Errorf("notes %q do not say the lengths are words", run.Notes)
	}
	if !strings.Contains(strings.Join(run.Stages[0].Warnings, "\n"), "mean actual input length") {
		t.Errorf("warnings %q: the chat template's tokens should show as input drift", run.Stages[0].Warnings)
	}
}

// A filter that `validate` passes in words but the server's exact counts
// (the chat template adds tokens to every record) leave a stage short of
// records stops the run at pre-flight as a scenario problem, before a
// request is measured.
func TestDatasetShortUnderExactCountsIsAConfigError(t *testing.T) {
	_, url := startTappedSim(t, false)
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: short
server: {url: %s}
model: {name: m}
api: {endpoint: chat}
profiles:
  chats: {dataset: {file: %s, format: jsonl, max_input: 25}}
stages:
  - {name: s, profile: chats, concurrency: 1, requests: 20}
`, url, chatJSONL))
	_, _, err := execute(t, context.Background(), sc)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "the dataset ran out") {
		t.Fatalf("err = %v, want a ConfigError saying the dataset ran out", err)
	}
}

// A duration-bound stage wraps around the dataset, taking more records
// than the file has.
func TestDatasetWrapsForADurationStage(t *testing.T) {
	_, url := startTappedSim(t, false)
	run, recs := runScenario(t, fmt.Sprintf(`
version: 1
name: wrap
server: {url: %s}
model: {name: m}
profiles:
  first: {dataset: {file: ../scenarios/data/sharegpt.json, format: sharegpt, wrap: true, max_output: 30}}
stages:
  - {name: s, profile: first, concurrency: 4, duration: 1s}
`, url))
	lines := map[int]int{}
	for _, r := range recs {
		lines[r.Record]++
	}
	d := run.Stages[0].Dataset
	if len(recs) <= d.Entries-d.Skipped["output_too_long"] || len(lines) == len(recs) {
		t.Errorf("%d requests sent %d distinct records of %d usable (%v left out): want a wrap", len(recs), len(lines), d.Entries, d.Skipped)
	}
}
