package dataset

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const (
	sampleShareGPT = "../../scenarios/data/sharegpt.json"
	sampleChat     = "../../scenarios/data/chat.jsonl"
	sampleTrace    = "../../scenarios/data/mooncake.jsonl"
)

func open(t *testing.T, file string, format Format) *Prompts {
	t.Helper()
	p, err := Open(context.Background(), file, Options{Format: format, MaxRecordBytes: DefaultMaxRecordBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// readAll streams every entry of a file with a Reader.
func readAll(t *testing.T, file string, format Format) []Entry {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, file, format, DefaultMaxRecordBytes)
	if err != nil {
		t.Fatal(err)
	}
	var out []Entry
	for {
		e, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

// TestShareGPTSampleParses: the ShareGPT sample reads as encoding/json
// reads the whole file, with each conversation's line, and the rules of
// `vllm bench serve` (fewer than two turns, no answer) leave out the two
// conversations the generator made for them.
func TestShareGPTSampleParses(t *testing.T) {
	data, err := os.ReadFile(sampleShareGPT)
	if err != nil {
		t.Fatal(err)
	}
	var want []struct {
		ID            string `json:"id"`
		Conversations []struct{ From, Value string }
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, sampleShareGPT, ShareGPT)
	if len(got) != len(want) || len(got) != 40 {
		t.Fatalf("%d conversations, encoding/json reads %d", len(got), len(want))
	}
	lines := strings.Split(string(data), "\n")
	for i, e := range got {
		if e.ID != want[i].ID || len(e.Turns) != len(want[i].Conversations) {
			t.Fatalf("conversation %d: id %q with %d turns, want %q with %d", i, e.ID, len(e.Turns), want[i].ID, len(want[i].Conversations))
		}
		for j, turn := range want[i].Conversations {
			if e.Turns[j].Content != turn.Value || e.Turns[j].Role != sharegptRole(turn.From) {
				t.Fatalf("conversation %d turn %d differs: %+v", i, j, e.Turns[j])
			}
		}
		// The sample is indented by two spaces: a conversation opens on a
		// line of its own, and its offset is that "{".
		if lines[e.Line-1] != "  {" || data[e.Offset] != '{' || bytes.Count(data[:e.Offset], []byte("\n")) != e.Line-1 {
			t.Fatalf("conversation %d: line %d (%q), offset %d do not point at its start", i, e.Line, lines[e.Line-1], e.Offset)
		}
	}
	// Conversation 11 opens with a gpt turn: the prompt is the first human turn.
	if c := got[11]; c.Prompt != c.Turns[1].Content || c.Completion != c.Turns[2].Content {
		t.Errorf("conversation 11: prompt and completion are not the first human turn and its answer")
	}
	p := open(t, sampleShareGPT, ShareGPT)
	if st := p.Stats(); st != (Stats{Records: 40, Usable: 38, TooFewTurns: 1, NoAnswer: 1}) {
		t.Errorf("stats %+v", st)
	}
}

// TestChatSampleParses: every line of the JSONL sample is one entry, as
// encoding/json reads the line.
func TestChatSampleParses(t *testing.T) {
	f, err := os.Open(sampleChat)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := readAll(t, sampleChat, JSONL)
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var off int64
	for i := 0; sc.Scan(); i++ {
		var want struct {
			ID           string    `json:"id"`
			Messages     []Message `json:"messages"`
			OutputTokens int       `json:"output_tokens"`
		}
		if err := json.Unmarshal(sc.Bytes(), &want); err != nil {
			t.Fatal(err)
		}
		e := got[i]
		if e.Line != i+1 || e.Offset != off || e.ID != want.ID || !reflect.DeepEqual(e.Messages, want.Messages) ||
			e.OutputTokens != want.OutputTokens || e.Format != JSONL {
			t.Fatalf("line %d: got %+v, want %+v at offset %d", i+1, e, want, off)
		}
		off += int64(len(sc.Bytes())) + 1
	}
	if len(got) != 60 {
		t.Fatalf("%d entries, want 60", len(got))
	}
}

// TestEntryReadsTheStreamedEntryAgain: Prompts.Entry(i), read from the
// offset alone, is the entry the streaming pass saw.
func TestEntryReadsTheStreamedEntryAgain(t *testing.T) {
	for _, c := range []struct {
		file   string
		format Format
	}{{sampleShareGPT, ShareGPT}, {sampleChat, JSONL}} {
		var usable []Entry
		for _, e := range readAll(t, c.file, c.format) {
			if c.format != ShareGPT || (len(e.Turns) >= 2 && e.Completion != "") {
				usable = append(usable, e)
			}
		}
		p := open(t, c.file, c.format)
		if p.Len() != len(usable) {
			t.Fatalf("%s: %d entries indexed, %d usable streamed", c.file, p.Len(), len(usable))
		}
		for i, want := range usable {
			got, err := p.Entry(i)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || p.Line(i) != want.Line {
				t.Fatalf("%s entry %d read again:\n got %+v\nwant %+v", c.file, i, got, want)
			}
		}
	}
}

// TestShareGPTStreamOfObjects: conversations one per line (no array) read
// as the array does.
func TestShareGPTStreamOfObjects(t *testing.T) {
	data, err := os.ReadFile(sampleShareGPT)
	if err != nil {
		t.Fatal(err)
	}
	var convs []json.RawMessage
	if err := json.Unmarshal(data, &convs); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, c := range convs {
		json.Compact(&b, c)
		b.WriteByte('\n')
	}
	r, _ := NewReader(&b, "stream.jsonl", ShareGPT, DefaultMaxRecordBytes)
	want := readAll(t, sampleShareGPT, ShareGPT)
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("%d conversations, want %d", i, len(want))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Line != i+1 || !reflect.DeepEqual(e.Turns, want[i].Turns) || e.ID != want[i].ID {
			t.Fatalf("conversation %d at line %d differs", i, e.Line)
		}
	}
}

// TestShareGPTLinesAcrossBlankLines: line numbers stay exact across long
// runs of newlines and buffer boundaries.
func TestShareGPTLinesAcrossBlankLines(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	line, want := 1, []int{}
	for i := 0; i < 50; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		gap := (i * 7919) % 20000 // up to 20,000 blank lines, crossing every buffer size
		b.WriteString(strings.Repeat("\n", gap))
		line += gap
		want = append(want, line)
		b.WriteString(`{"conversations": [{"from": "human", "value": "q"},` + "\n" + `{"from": "gpt", "value": "a"}]}`)
		line++
	}
	b.WriteString("\n]\n")
	r, _ := NewReader(strings.NewReader(b.String()), "blank.json", ShareGPT, DefaultMaxRecordBytes)
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Line != want[i] {
			t.Fatalf("conversation %d on line %d, want %d", i, e.Line, want[i])
		}
	}
}

// TestReadersGoOnAfterABrokenRecord: a semantic error costs one record,
// the next is read; a syntax error in ShareGPT ends the read.
func TestReadersGoOnAfterABrokenRecord(t *testing.T) {
	cases := []struct {
		format Format
		text   string
		want   []string // line of each entry, or the error
	}{
		{JSONL, "{\"prompt\": \"a\"}\r\n\n   \n{\"prompt\": 1}\n{\"prompt\": \"b\"}", []string{"1", "x.txt:4: prompt must be a string, not the number 1", "5"}},
		{ShareGPT, `[{"conversations": 1}, {"conversations": []}]`, []string{"x.txt:1: conversations must be an array, not the number 1", "1"}},
		{ShareGPT, "[{\"conversations\": []}\n{\"conversations\": []}]", []string{"1", "x.txt:2: invalid JSON: invalid character '{' after array element"}},
	}
	for _, c := range cases {
		r, _ := NewReader(strings.NewReader(c.text), "x.txt", c.format, DefaultMaxRecordBytes)
		var got []string
		for {
			e, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				got = append(got, err.Error())
				continue
			}
			got = append(got, strconv.Itoa(e.Line))
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q:\n got %q\nwant %q", c.format, c.text, got, c.want)
		}
	}
}

// TestRecordBound: a record over MaxRecordBytes is an error at its line
// and is never held whole; a JSONL read goes on with the next line.
func TestRecordBound(t *testing.T) {
	long := strings.Repeat("x", 5000)
	jsonl := `{"prompt": "a"}` + "\n" + `{"prompt": "` + long + `"}` + "\n" + `{"prompt": "b"}` + "\n"
	r, _ := NewReader(strings.NewReader(jsonl), "x.jsonl", JSONL, 1000)
	var got []string
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			got = append(got, err.Error())
		} else {
			got = append(got, e.Prompt)
		}
	}
	want := []string{"a", "x.jsonl:2: the line is longer than 1000 bytes, the bound on one record", "b"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonl: got %q, want %q", got, want)
	}

	sharegpt := "[\n" + `{"conversations": [{"from": "human", "value": "a"}]},` + "\n" +
		`{"conversations": [{"from": "human", "value": "` + long + `"}]}]`
	r, _ = NewReader(strings.NewReader(sharegpt), "x.json", ShareGPT, 1000)
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, err := r.Next()
	if err == nil || err.Error() != "x.json:3: the conversation is longer than 1000 bytes, the bound on one record" {
		t.Errorf("sharegpt: %v", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the bound: %v, want io.EOF", err)
	}
	// Whitespace between conversations counts too: no unbounded gap.
	r, _ = NewReader(strings.NewReader("["+strings.Repeat("\n", 5000)+"]"), "gap.json", ShareGPT, 1000)
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "longer than 1000 bytes") {
		t.Errorf("a 5000-byte gap: %v", err)
	}
}

// TestOpenErrors: a missing file and a directory are one *Error naming the path.
func TestOpenErrors(t *testing.T) {
	opts := Options{Format: JSONL, MaxRecordBytes: DefaultMaxRecordBytes}
	for path, want := range map[string]string{
		"testdata/missing.jsonl": "testdata/missing.jsonl: cannot read the dataset: no such file or directory",
		"testdata":               "testdata: cannot read the dataset: is a directory",
	} {
		_, err := Open(context.Background(), path, opts)
		var e *Error
		if !errors.As(err, &e) || err.Error() != want {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	if _, err := Open(context.Background(), sampleChat, Options{Format: "csv", MaxRecordBytes: 1}); err == nil ||
		!strings.Contains(err.Error(), `unknown dataset format "csv" (valid: jsonl, sharegpt, mooncake)`) {
		t.Errorf("format csv: %v", err)
	}
	if _, err := Open(context.Background(), sampleTrace, Options{Format: Mooncake, MaxRecordBytes: 1}); err == nil ||
		!strings.Contains(err.Error(), "trace format") {
		t.Errorf("a trace as prompts: %v", err)
	}
}

// TestWordsIsStringsFields: Words counts what strings.Fields splits.
func TestWordsIsStringsFields(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a b  c ", "a\u00a0b", "a\u2003b\u3000c", "\xff \xfe", "x\u0085y", "日本語 テキスト", "a\tb\nc\rd\ve\ff"} {
		if got, want := Words(s), len(strings.Fields(s)); got != want {
			t.Errorf("Words(%q) = %d, strings.Fields has %d", s, got, want)
		}
	}
	e := Entry{Messages: []Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi there you"}}}
	if e.InputWords() != 5 {
		t.Errorf("InputWords of messages = %d, want 5", e.InputWords())
	}
}

// TestNullIsAbsent: in JSONL and trace records a null value is the key's
// absence, as converters write empty columns; an unknown key is an error
// whatever its value.
func TestNullIsAbsent(t *testing.T) {
	e, err := decodeJSONL("x.jsonl", 1, []byte(`{"id": null, "prompt": null, "messages": [{"role": "user", "content": "hi"}], "output_tokens": null}`))
	if err != nil || e.ID != "" || e.OutputTokens != 0 || len(e.Messages) != 1 {
		t.Errorf("nulls: %+v, %v", e, err)
	}
	if _, err := decodeJSONL("x.jsonl", 1, []byte(`{"prompt": "x", "extra": null}`)); err == nil ||
		err.Error() != `x.jsonl:1: unknown key "extra" (a jsonl record has id, prompt, messages, output_tokens)` {
		t.Errorf("an unknown key set to null: %v", err)
	}
	r, _ := NewTraceReader(strings.NewReader(`{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": null}`+"\n"+
		`{"timestamp": null, "input_length": 5, "output_length": 1}`), "t.jsonl", testTraceOptions)
	if rec, err := r.Next(); err != nil || rec.HashIDs != nil {
		t.Errorf("hash_ids null: %+v, %v", rec, err)
	}
	if _, err := r.Next(); err == nil || err.Error() != "t.jsonl:2: the record has no timestamp" {
		t.Errorf("timestamp null: %v", err)
	}
}
