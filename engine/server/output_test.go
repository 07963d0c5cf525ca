package server

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestCaptureKeepsLastLinesAndSplitsLongOnes(t *testing.T) {
	r, w := io.Pipe()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := newCapture(r, f, nil)
	for i := range 100 {
		io.WriteString(w, "line "+strconv.Itoa(i)+"\r\n")
	}
	io.WriteString(w, strings.Repeat("x", maxLine+10)+"\n")
	io.WriteString(w, "no newline at the end")
	w.Close()
	<-c.done

	lines := c.lines()
	if len(lines) != tailLines {
		t.Fatalf("kept %d lines, want %d", len(lines), tailLines)
	}
	// 103 lines in all: line 0..99, the long line in two parts, the last.
	if lines[0] != "line 63" || lines[36] != "line 99" || lines[39] != "no newline at the end" {
		t.Errorf("tail = %q, %q ... %q", lines[0], lines[36], lines[39])
	}
	if len(lines[37]) != maxLine || len(lines[38]) != 10 {
		t.Errorf("long line split into %d + %d bytes, want %d + 10", len(lines[37]), len(lines[38]), maxLine)
	}
	b, _ := os.ReadFile(f.Name())
	if n := strings.Count(string(b), "\n"); n != 103 {
		t.Errorf("log has %d lines, want 103 (100 + long split in 2 + last)", n)
	}
}

func BenchmarkCapture(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "log"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line := []byte("INFO 11-26 17:02:06 [loggers.py:123] Engine 000: Avg prompt throughput: 0.0 tokens/s\n")
	r, w := io.Pipe()
	c := newCapture(r, f, nil)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		w.Write(line)
	}
	w.Close()
	<-c.done
}
