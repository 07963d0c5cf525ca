package traffic

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

const sampleChat = "../../scenarios/data/chat.jsonl"

func openChat(t *testing.T) *dataset.Prompts {
	t.Helper()
	p, err := dataset.Open(context.Background(), sampleChat, dataset.Options{Format: dataset.JSONL, MaxRecordBytes: dataset.DefaultMaxRecordBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func chatSource(t *testing.T, p *dataset.Prompts, warmup int) *Dataset {
	t.Helper()
	d, err := NewDataset(p, DatasetOptions{Spec: &schema.Dataset{File: "chat.jsonl", Format: "jsonl", Order: "random",
		OverLength: "skip", OutputTokens: 9, MaxInput: 40}, Seed: 3, Stage: 7, Warmup: warmup, Chat: true}, Words{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Request i is a pure function of i, whichever order requests are asked
// in; warmup requests take the walk's first records; and the walk is the
// one validate checks (dataset.WordLengths over the same Sampling).
func TestDatasetSpecIsAPureFunctionOfTheIndex(t *testing.T) {
	p := openChat(t)
	forward, backward := chatSource(t, p, 2), chatSource(t, p, 2)
	var fw []Spec
	for i := -2; i < 20; i++ {
		fw = append(fw, forward.Spec(i))
	}
	for i := 19; i >= -2; i-- {
		if got, want := backward.Spec(i), fw[i+2]; got.Record != want.Record || got.Input != want.Input || got.Output != want.Output {
			t.Fatalf("request %d: %+v asked backwards, %+v in order", i, got, want)
		}
	}
	s, err := p.Sampler(dataset.Sampling{Order: dataset.Random, Seed: 3, Filter: dataset.Filter{MaxInput: 40, OverLength: dataset.Skip}}, 7, dataset.WordLengths(9))
	if err != nil {
		t.Fatal(err)
	}
	for k, sp := range fw {
		smp, err := s.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if sp.Record != smp.Line || sp.Input != smp.Input || sp.Output != smp.Output || sp.Messages == nil || sp.Text != "" {
			t.Fatalf("walk position %d: spec %+v, the sampler gives line %d with %+v", k, sp, smp.Line, smp.Lengths)
		}
	}
	entries, skipped := forward.Usage()
	if entries != 60 || skipped.Total() == 0 {
		t.Errorf("usage: %d entries, %v skipped", entries, skipped)
	}
}

// A walk that runs out says so in the spec, which the engine sends nothing for.
func TestDatasetRunsOut(t *testing.T) {
	d := chatSource(t, openChat(t), 0)
	var last Spec
	for i := range 61 {
		if last = d.Spec(i); last.Err != nil {
			break
		}
	}
	var ex *dataset.ExhaustedError
	if !errorsAs(last.Err, &ex) {
		t.Fatalf("err %v, want the sampler's ExhaustedError", last.Err)
	}
}

// A synthetic conversation's turns have keys of their own across every
// session, warmup ones apart; the profile's prefix opens a session once.
func TestSyntheticConversationKeysAndPrefix(t *testing.T) {
	syn := NewSynthetic(schema.Profile{Input: schema.Fixed(50), Output: schema.Fixed(5), Prefix: &schema.Prefix{Tokens: 20, Groups: 2, Assign: schema.AssignRoundRobin}}, 1, "s/p")
	c := NewSyntheticConversation(syn, 3, time.Second)
	seen := map[int]bool{}
	for i := -4; i < 10; i++ {
		s := c.Session(i)
		if len(s.Turns) != 3 || s.Err != nil {
			t.Fatalf("session %d: %+v", i, s)
		}
		for k, sp := range s.Turns {
			if seen[s.Keys[k]] {
				t.Fatalf("session %d turn %d reuses key %d", i, k, s.Keys[k])
			}
			seen[s.Keys[k]] = true
			switch {
			case k == 0 && (sp.Prefix != 20 || sp.Input != 70):
				t.Errorf("session %d opens with %+v, want the 20-token prefix on 50 tokens", i, sp)
			case k > 0 && (sp.Prefix != 0 || sp.Group != 0 || sp.Input != 50):
				t.Errorf("session %d turn %d: %+v, want 50 tokens of its own", i, k+1, sp)
			}
		}
	}
	if c.ThinkTime() != time.Second || c.Spec(2).Input != 70 {
		t.Errorf("think time %v, first turn %+v", c.ThinkTime(), c.Spec(2))
	}
	sum := Summarize(c, 1, 2)
	if sum.Requests != 9 || sum.InputTokens != 3*(70+50+50) {
		t.Errorf("summary of 3 sessions: %+v", sum)
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A trace's schedule divides its timestamps by the speed from the window's
// first record; its block reuse counts the tokens of blocks whose chain of
// ids an earlier record began with, at most as many as it had in them.
func TestTraceScheduleAndBlockReuse(t *testing.T) {
	path := writeFile(t, `{"timestamp": 1000, "input_length": 100, "output_length": 5, "hash_ids": [1, 2]}
{"timestamp": 1500, "input_length": 150, "output_length": 6, "hash_ids": [1, 2, 3]}
{"timestamp": 1500, "input_length": 70, "output_length": 7, "hash_ids": [9, 2]}
{"timestamp": 3000, "input_length": 100, "output_length": 8, "hash_ids": [1, 2]}
`)
	tr, err := ReadTrace(context.Background(), path, "t.jsonl", dataset.TraceOptions{MaxRecordBytes: 1 << 20, BlockSize: 64}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Schedule(2); !slices.Equal(got, []time.Duration{0, 250 * time.Millisecond, 250 * time.Millisecond, time.Second}) {
		t.Errorf("schedule at speed 2: %v", got)
	}
	// Record 2 shares block 1 (64 tokens) and block 2 only as far as
	// record 1 had it (36 tokens), and nothing after; record 3's chain
	// starts elsewhere; record 4 shares block 1 and its 36 tokens of block
	// 2, which record 2 had whole.
	want := float64(64+36+64+36) / float64(100+150+70+100)
	if math.Abs(tr.BlockReuse()-want) > 1e-12 {
		t.Errorf("block reuse %.4f, want %.4f", tr.BlockReuse(), want)
	}
	sp := tr.Spec(0) // warmup 1: request 0 is the second record
	if sp.Input != 150 || sp.Output != 6 || !slices.Equal(sp.Blocks, []int{1, 2, 3}) || sp.BlockSize != 64 || sp.Record != 2 {
		t.Errorf("request 0: %+v", sp)
	}
	if x := tr.Extremes(); x.MaxInput != 150 || x.MinInput != 70 || x.WorstInput != 150 || x.WorstOutput != 6 {
		t.Errorf("extremes %+v", x)
	}
	if tr.Spec(3).Err == nil {
		t.Error("a request past the window has no record")
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
