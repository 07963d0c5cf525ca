package dataset

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

type jsonTraceRecord struct {
	Timestamp    int64 `json:"timestamp"`
	InputLength  int   `json:"input_length"`
	OutputLength int   `json:"output_length"`
	HashIDs      []int `json:"hash_ids"`
}

// readTrace returns every record of a trace reader.
func readTrace(t *testing.T, r *TraceReader) []Record {
	t.Helper()
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

// TestMooncakeSampleParses: every line of the sample trace is one record,
// as encoding/json reads it, with hash ids that fill the input's blocks
// and timestamps in order; shared prefixes are there to replay.
func TestMooncakeSampleParses(t *testing.T) {
	r, err := OpenTrace(sampleTrace, testTraceOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := readTrace(t, r)
	f, _ := os.Open(sampleTrace)
	defer f.Close()
	sc := bufio.NewScanner(f)
	shared := 0
	seen := map[int]bool{}
	for i := 0; sc.Scan(); i++ {
		var want jsonTraceRecord
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		rec := got[i]
		if rec.Line != i+1 || rec.Timestamp != time.Duration(want.Timestamp)*time.Millisecond || rec.InputLength != want.InputLength ||
			rec.OutputLength != want.OutputLength || !slices.Equal(rec.HashIDs, want.HashIDs) {
			t.Fatalf("line %d: got %+v, want %+v", i+1, rec, want)
		}
		if blocks := (rec.InputLength + 511) / 512; len(rec.HashIDs) != blocks {
			t.Errorf("line %d: %d hash ids for %d blocks", rec.Line, len(rec.HashIDs), blocks)
		}
		if seen[rec.HashIDs[0]] {
			shared++
		}
		for _, id := range rec.HashIDs {
			seen[id] = true
		}
	}
	if len(got) != 80 || shared < 20 {
		t.Errorf("%d records, %d sharing a prefix with an earlier one", len(got), shared)
	}
}

// TestTraceWindowStopsTheRead: a window gives the records in it and reads
// no further than the first record past its end; First counts within it.
func TestTraceWindowStopsTheRead(t *testing.T) {
	data, _ := os.ReadFile(sampleTrace)
	var all []Record
	r, _ := NewTraceReader(strings.NewReader(string(data)), "t.jsonl", testTraceOptions)
	all = readTrace(t, r)
	from, to := all[20].Timestamp, all[40].Timestamp
	var want []Record
	for _, rec := range all {
		if rec.Timestamp >= from && rec.Timestamp < to {
			want = append(want, rec)
		}
	}
	opts := testTraceOptions
	opts.From, opts.To = from, to
	cr := &countingReader{r: strings.NewReader(string(data) + strings.Repeat(`{"timestamp": 1e9, "input_length": 1, "output_length": 1}`+"\n", 100000))}
	r, _ = NewTraceReader(cr, "t.jsonl", opts)
	got := readTrace(t, r)
	if len(got) == 0 || !slices.EqualFunc(got, want, func(a, b Record) bool { return a.Line == b.Line }) {
		t.Errorf("window [%v, %v): lines %v, want %v", from, to, lines(got), lines(want))
	}
	if cr.n > int64(len(data))+2*readBufferSize {
		t.Errorf("read %d bytes for a window inside the first %d", cr.n, len(data))
	}
	opts.First = 3
	r, _ = NewTraceReader(strings.NewReader(string(data)), "t.jsonl", opts)
	if got := readTrace(t, r); !slices.Equal(lines(got), lines(want[:3])) {
		t.Errorf("first 3 of the window: %v, want %v", lines(got), lines(want[:3]))
	}
}

func lines(recs []Record) []int {
	out := make([]int, len(recs))
	for i, r := range recs {
		out[i] = r.Line
	}
	return out
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// TestCheckTrace: the validate pass counts the window and reports every
// record over max_model_len under Fail, or counts them under Skip.
func TestCheckTrace(t *testing.T) {
	trace := "{\"timestamp\": 0, \"input_length\": 600, \"output_length\": 100}\n" +
		"{\"timestamp\": 10.5, \"input_length\": 900, \"output_length\": 200, \"hash_ids\": [1, 2]}\n" +
		"\n" +
		"{\"timestamp\": 20, \"input_length\": 100, \"output_length\": 1000}\n"
	path := t.TempDir() + "/t.jsonl"
	os.WriteFile(path, []byte(trace), 0o644)
	st, err := CheckTrace(ctx, path, testTraceOptions, Filter{MaxModelLen: 1000, OverLength: Skip})
	want := TraceStats{Records: 3, First: 0, Last: 20 * time.Millisecond, MaxInput: 900, MaxOutput: 1000, MaxTotal: 1100, Fitting: 1}
	want.Skipped[OverMaxModelLen] = 2
	if err != nil || st != want {
		t.Errorf("skip: %+v, %v\nwant %+v", st, err, want)
	}
	_, err = CheckTrace(ctx, path, testTraceOptions, Filter{MaxModelLen: 1000, OverLength: Fail})
	var list *ErrorList
	if !errors.As(err, &list) || len(list.List) != 2 || list.List[0].Line != 2 || list.List[1].Line != 4 ||
		!strings.HasPrefix(list.List[0].Msg, "the record needs 900 + 200 = 1100 tokens, but max_model_len is 1000") {
		t.Errorf("fail: %v", err)
	}
	opts := testTraceOptions
	opts.From = 10 * time.Millisecond
	if st, _ := CheckTrace(ctx, path, opts, Filter{OverLength: Skip}); st.Records != 2 || st.First != 10500*time.Microsecond {
		t.Errorf("from 10 ms: %+v", st)
	}
}

// TestTraceBlockSize: hash ids are checked against the configured block
// size, so a trace made with 16-token blocks reads with BlockSize 16.
func TestTraceBlockSize(t *testing.T) {
	rec := `{"timestamp": 0, "input_length": 40, "output_length": 1, "hash_ids": [0, 1, 2]}` + "\n"
	opts := testTraceOptions
	r, _ := NewTraceReader(strings.NewReader(rec), "t.jsonl", opts)
	if _, err := r.Next(); err == nil || err.Error() != "t.jsonl:1: 3 hash_ids, but input_length 40 fills only 1 block of 512 tokens (is the trace's block size 512?)" {
		t.Errorf("block 512: %v", err)
	}
	opts.BlockSize = 16
	r, _ = NewTraceReader(strings.NewReader(rec), "t.jsonl", opts)
	if got := readTrace(t, r); len(got) != 1 {
		t.Errorf("block 16: %v", got)
	}
}

// TestTraceOptionsAreChecked: no zero value is taken for a default.
func TestTraceOptionsAreChecked(t *testing.T) {
	for _, c := range []struct {
		opts TraceOptions
		want string
	}{
		{TraceOptions{BlockSize: 512}, "the record bound must be positive, not 0"},
		{TraceOptions{MaxRecordBytes: 1}, "the block size must be positive, not 0"},
		{TraceOptions{MaxRecordBytes: 1, BlockSize: 1, From: time.Second, To: time.Second}, "the window is empty: from 1s to 1s"},
		{TraceOptions{MaxRecordBytes: 1, BlockSize: 1, First: -1}, "the window must not be negative"},
	} {
		if _, err := NewTraceReader(strings.NewReader(""), "t", c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opts, err, c.want)
		}
	}
	if _, err := OpenTrace("testdata/missing.jsonl", testTraceOptions); err == nil ||
		err.Error() != "testdata/missing.jsonl: cannot read the trace: no such file or directory" {
		t.Errorf("missing: %v", err)
	}
}
