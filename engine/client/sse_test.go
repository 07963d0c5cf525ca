package client

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// events reads every event of body, with the error that ended the stream.
func events(r io.Reader, maxLine int, maxBytes int64) ([]string, error) {
	sr := NewSSEReader(r, maxLine, maxBytes)
	var out []string
	for {
		data, at, err := sr.Next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		if at.IsZero() {
			return out, errors.New("event without a timestamp")
		}
		out = append(out, string(data))
	}
}

func TestSSEReader(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string
	}{
		{"simple", "data: a\n\ndata: b\n\n", []string{"a", "b"}},
		{"no space after colon", "data:a\n\n", []string{"a"}},
		{"only one space is stripped", "data:  a\n\n", []string{" a"}},
		{"multi-line data joined with LF", "data: {\"a\":\ndata: 1}\n\n", []string{"{\"a\":\n1}"}},
		{"comments and keep-alives", ": ping\n\n\n: another\ndata: x\n\n\n\n", []string{"x"}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []string{"a", "b"}},
		{"other fields ignored", "event: message\nid: 7\nretry: 100\ndata: a\n\n", []string{"a"}},
		{"field without colon", "data\n\n", []string{""}},
		{"last event without blank line", "data: a\n\ndata: [DONE]\n", []string{"a", "[DONE]"}},
		{"last line without newline", "data: a\n\ndata: [DONE]", []string{"a", "[DONE]"}},
		{"event-only block dispatches nothing", "event: x\n\n", nil},
		{"empty", "", nil},
		{"data named field prefix", "database: x\n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.body), iotest.OneByteReader(strings.NewReader(tt.body))} {
				got, err := events(r, MaxLineBytes, MaxResponseBytes)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestSSELongLines(t *testing.T) {
	long := strings.Repeat("x", 3*readBufferSize+17) // spans several bufio buffers
	got, err := events(strings.NewReader("data: "+long+"\r\n\r\ndata: b\n\n"), 4*readBufferSize, MaxResponseBytes)
	if err != nil || len(got) != 2 || got[0] != long || got[1] != "b" {
		t.Fatalf("long line: err %v, %d events", err, len(got))
	}
	_, err = events(strings.NewReader("data: "+long+"\n\n"), readBufferSize, MaxResponseBytes)
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("want ErrLineTooLong, got %v", err)
	}
	_, err = events(strings.NewReader("data: "+strings.Repeat("y", 100)+"\n\n"), 50, MaxResponseBytes)
	if !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("short buffer path: want ErrLineTooLong, got %v", err)
	}
	// A line of exactly the limit is fine, with either terminator.
	for _, eol := range []string{"\n", "\r\n"} {
		if _, err := events(strings.NewReader(strings.Repeat("d", 64)+eol), 64, MaxResponseBytes); err != nil {
			t.Fatalf("line of exactly the limit: %v", err)
		}
	}
}

func TestSSEByteBudget(t *testing.T) {
	body := "data: a\n\ndata: b\n\n" // 18 bytes
	if got, err := events(strings.NewReader(body), MaxLineBytes, int64(len(body))); err != nil || len(got) != 2 {
		t.Fatalf("body of exactly the budget: %v %q", err, got)
	}
	got, err := events(strings.NewReader(body), MaxLineBytes, int64(len(body)-1))
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("want ErrResponseTooLarge, got %v (%q)", err, got)
	}
}

func TestSSETransportErrorPassesThrough(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got, err := events(r, MaxLineBytes, MaxResponseBytes)
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Fatalf("got %q, %v; want one event then boom", got, err)
	}
}

func TestSSEResetReuses(t *testing.T) {
	sr := NewSSEReader(strings.NewReader("data: first\n\ndata: pending"), MaxLineBytes, MaxResponseBytes)
	if d, _, _ := sr.Next(); string(d) != "first" {
		t.Fatalf("got %q", d)
	}
	sr.Reset(strings.NewReader("data: second\n\n"), MaxLineBytes, MaxResponseBytes)
	d, _, err := sr.Next()
	if err != nil || string(d) != "second" {
		t.Fatalf("after Reset got %q, %v", d, err)
	}
	if _, _, err := sr.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
}

// FuzzSSE: no input panics the reader or the chunk scanner, the reader's
// result does not depend on how the body is split into reads, and for bodies
// whose only CRs are in CRLF pairs, CRLF and LF read alike.
func FuzzSSE(f *testing.F) {
	f.Add([]byte(sseBody(3, true, true)))
	f.Add([]byte("data: a\r\n\r\n: c\ndata: b\ndata: c\n\n"))
	fixtures, _ := filepath.Glob(filepath.Join("testdata", "ollama", "*.sse"))
	for _, name := range fixtures {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, v := range []string{"8.9", "1e999", "99999999999999999999", "-1", `"7"`, "null", "07", "1000000001"} {
		f.Add([]byte(`data: {"choices":[],"usage":{"prompt_tokens":` + v + `,"completion_tokens":` + v + "}}\n\ndata: [DONE]\n\n"))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		whole, errWhole := events(bytes.NewReader(body), 64, 4096)
		split, errSplit := events(iotest.OneByteReader(bytes.NewReader(body)), 64, 4096)
		if strings.Join(whole, "\x00") != strings.Join(split, "\x00") || len(whole) != len(split) ||
			(errWhole == nil) != (errSplit == nil) {
			t.Fatalf("split reads differ: %q %v vs %q %v", whole, errWhole, split, errSplit)
		}
		var c chunk
		for i, e := range whole {
			_ = checkChunk([]byte(e), &c, i+1)
		}
		if errWhole == nil && bytes.Count(body, []byte("\r")) == bytes.Count(body, []byte("\r\n")) {
			lf, err := events(bytes.NewReader(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n"))), 64, 4096)
			if err != nil || strings.Join(lf, "\x00") != strings.Join(whole, "\x00") || len(lf) != len(whole) {
				t.Fatalf("CRLF and LF differ: %q vs %q (%v)", whole, lf, err)
			}
		}
	})
}

func BenchmarkSSEParse(b *testing.B) {
	const chunks = 128
	body := vllmStream(chunks)
	r := bytes.NewReader(body)
	sr := NewSSEReader(r, MaxLineBytes, MaxResponseBytes)
	var c chunk
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(body)
		sr.Reset(r, MaxLineBytes, MaxResponseBytes)
		for {
			data, _, err := sr.Next()
			if err != nil {
				break
			}
			if !bytes.Equal(data, doneMarker) {
				scanChunk(data, &c)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(chunks+2)), "ns/chunk")
}
