package dataset

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema/dataset/synth"
)

// TestParallelIndexIsTheSequentialOne: reading a JSONL file in sections
// gives the index, the counts and the errors (lines, order, the count past
// MaxReportedErrors) of reading it in one pass.
func TestParallelIndexIsTheSequentialOne(t *testing.T) {
	var buf bytes.Buffer
	if _, err := synth.PromptsJSONL(&buf, 3, 1<<20); err != nil {
		t.Fatal(err)
	}
	const broken = `{"prompt": 1}` + "\n"
	long := strings.Repeat("x", 30000) + "\n"
	lines := strings.SplitAfter(buf.String(), "\n")
	for i := 7; i < len(lines); i += len(lines) / 30 { // 30 broken lines spread over the file
		lines[i] = broken
	}
	lines = slices.Insert(lines, 100, "\n", "   \n", long)
	data := []byte(strings.Join(lines, ""))
	opts := Options{Format: JSONL, MaxRecordBytes: 20000}
	_, want := index(ctx, bytes.NewReader(data), int64(len(data)), "f.jsonl", opts, 1)
	var wantList *ErrorList
	if !errors.As(want, &wantList) || wantList.More == 0 {
		t.Fatalf("the file must have more broken lines than are listed: %v", want)
	}
	for _, workers := range []int{2, 3, 7} {
		_, got := index(ctx, bytes.NewReader(data), int64(len(data)), "f.jsonl", opts, workers)
		if got == nil || got.Error() != want.Error() {
			t.Errorf("%d workers:\n%v\nwant\n%v", workers, got, want)
		}
	}

	good := []byte(strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == broken || l == long }), ""))
	seq, err := index(ctx, bytes.NewReader(good), int64(len(good)), "f.jsonl", opts, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{2, 5} {
		par, err := index(ctx, bytes.NewReader(good), int64(len(good)), "f.jsonl", opts, workers)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(par.offsets, seq.offsets) || !reflect.DeepEqual(par.lines, seq.lines) || par.stats != seq.stats {
			t.Errorf("%d workers: the index differs from the sequential one", workers)
		}
	}
}

// TestLineStart finds the first line starting at or after an offset.
func TestLineStart(t *testing.T) {
	data := "ab\ncd\n\nef"
	for off, want := range map[int64]int64{0: 0, 1: 3, 3: 3, 4: 6, 6: 6, 7: 7, 8: 9, 9: 9} {
		got, err := lineStart(strings.NewReader(data), off, int64(len(data)))
		if err != nil || got != want {
			t.Errorf("lineStart(%d) = %d, %v; want %d", off, got, err, want)
		}
	}
}

// TestColumn keeps values in order across blocks, and drain empties it.
func TestColumn(t *testing.T) {
	var c column[int]
	n := 2*columnBlock + 5
	for i := range n {
		c.append(i * 3)
	}
	if c.len() != n || c.at(0) != 0 || c.at(columnBlock) != 3*columnBlock || c.at(n-1) != 3*(n-1) {
		t.Fatalf("len %d, values %d %d %d", c.len(), c.at(0), c.at(columnBlock), c.at(n-1))
	}
	var out []int
	c.drain(func(v int) { out = append(out, v) })
	if len(out) != n || out[n-1] != 3*(n-1) || c.len() != 0 || c.blocks != nil {
		t.Fatalf("drained %d values, left %d", len(out), c.len())
	}
}
