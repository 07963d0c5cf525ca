package vllmjson

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// writeLarge writes a result file of n requests whose generated texts are
// text bytes each, with the arrays in v0.8.2's order, and returns its path
// and size.
func writeLarge(t testing.TB, n, text int) (string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "large.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	array := func(key string, elem func(i int) string) {
		fmt.Fprintf(w, `, %q: [`, key)
		for i := range n {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(elem(i))
		}
		w.WriteString("]")
	}
	fmt.Fprintf(w, `{"date": "20250402-173012", "backend": "vllm", "model_id": "m", "num_prompts": %d, "request_rate": "inf", "max_concurrency": 256, "duration": 100.5, "completed": %d`, n, n)
	array("input_lens", func(int) string { return "256" })
	array("output_lens", func(int) string { return "9" })
	array("ttfts", func(i int) string { return fmt.Sprintf("0.%06d", 100000+i%7919) })
	array("itls", func(i int) string {
		return "[0.021, 0.022, 0.023, 0.024, 0.025, 0.026, 0.027, 0.0" + fmt.Sprint(20+i%9) + "]"
	})
	quoted := `"` + strings.Repeat("a", text) + `"`
	array("generated_texts", func(int) string { return quoted })
	array("errors", func(int) string { return `""` })
	w.WriteString(`, "mean_ttft_ms": 104.0}`)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path, fi.Size()
}

// heapWatch is an io.ReaderAt that samples the heap every few MiB read.
type heapWatch struct {
	r        io.ReaderAt
	read     int64
	peak     uint64
	nextPeek int64
}

func (h *heapWatch) ReadAt(p []byte, off int64) (int, error) {
	n, err := h.r.ReadAt(p, off)
	if h.read += int64(n); h.read >= h.nextPeek {
		h.nextPeek = h.read + 4<<20
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peak = max(h.peak, ms.HeapAlloc)
	}
	return n, err
}

// TestImportStreams: a file larger than any bound of the summary (80 MiB
// of generated texts) imports with a heap a fraction of its size, since
// neither pass holds an array; on main, Import read the whole file and
// refused anything over 64 MiB.
func TestImportStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes an 80 MiB file")
	}
	const n = 40_000
	path, size := writeLarge(t, n, 2048)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	w := &heapWatch{r: f}
	file, err := Open(w, "large.json")
	if err != nil {
		t.Fatal(err)
	}
	records := 0
	if err := file.Records(func(*schema.RequestRecord) error { records++; return nil }); err != nil {
		t.Fatal(err)
	}
	grew := int64(w.peak) - int64(before.HeapAlloc)
	t.Logf("file %d MiB, %d records, heap grew by at most %.1f MiB", size>>20, records, float64(grew)/(1<<20))
	if size < 80<<20 || records != n {
		t.Fatalf("file of %d bytes, %d records", size, records)
	}
	if grew > 32<<20 {
		t.Errorf("the heap grew by %d MiB importing a %d MiB file: the import holds the file", grew>>20, size>>20)
	}
	if d := file.Run().Stages[0].Metrics.ITL; d.Count != 8*n {
		t.Errorf("itl count %d", d.Count)
	}
}

// TestImportBoundsValues: no single value may take more than maxValueSize,
// whether a summary key or an element of an array.
func TestImportBoundsValues(t *testing.T) {
	huge := `"` + strings.Repeat("x", maxValueSize+bufSize) + `"` // past what the decoder may hold already
	cases := []struct{ name, in, want string }{
		{"summary", `{"completed": 1, "label": ` + huge + `}`, `key "label": a JSON value larger than 16 MiB`},
		{"element", `{"completed": 1, "errors": [` + huge + `]}`, `key "errors", element 0: a JSON value larger than 16 MiB`},
		{"skipped", `{"completed": 1, "generated_texts": [` + huge + `]}`, `key "generated_texts": a JSON value larger than 16 MiB`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(strings.NewReader(c.in), "x.json")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}

// BenchmarkImportRecords measures both passes over the v0.8.2 fixture
// (640 requests, 363 KB), records written nowhere.
func BenchmarkImportRecords(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", v082))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Open(bytes.NewReader(data), v082)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Records(func(*schema.RequestRecord) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(640*b.N)/b.Elapsed().Seconds(), "requests/s")
}
