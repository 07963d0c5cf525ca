package vllmjson

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
)

// FileNames names the result file of every stage level of run, in order:
// results_<concurrency>_<YYYYmmdd-HHMMSS>.json (results_rate<r>_... for an
// open loop) as the original workflow did, followed by what tells this
// run's levels apart: the stage when the run has several, the profile when
// it has several, the repeat. Levels that start within the same second (two
// profiles at c=1) therefore never share a name; a name that still collides
// (two stage names that differ only in characters a file name cannot keep)
// gets "-2", "-3". A run of one stage and one profile keeps the original
// names.
func FileNames(run *schema.Run) []string {
	stages, profiles := map[string]bool{}, map[string]bool{}
	for _, st := range run.Stages {
		stages[st.Stage], profiles[st.Profile] = true, true
	}
	used := map[string]bool{}
	out := make([]string, len(run.Stages))
	for i := range run.Stages {
		st := &run.Stages[i]
		parts := []string{"results", levelWord(st), st.StartedAt.UTC().Format(dateLayout)}
		if len(stages) > 1 {
			parts = append(parts, fileWord(st.Stage))
		}
		if len(profiles) > 1 {
			parts = append(parts, fileWord(st.Profile))
		}
		if st.Repeat > 0 {
			parts = append(parts, "r"+strconv.Itoa(st.Repeat))
		}
		out[i] = unique(strings.Join(parts, "_"), ".json", func(n string) bool { return used[n] })
		used[out[i]] = true
	}
	return out
}

// levelWord is the load of a level as the original names spelled it,
// bounded: a rate of 1e308 is "rate1e+308", not 309 digits.
func levelWord(st *schema.StageResult) string {
	if st.Rate <= 0 {
		return strconv.Itoa(st.Concurrency)
	}
	w := pWord(st.Rate)
	if len(w) > 16 {
		w = strconv.FormatFloat(st.Rate, 'g', -1, 64)
	}
	return "rate" + w
}

// maxFileWord bounds a stage or profile name in a file name.
const maxFileWord = 40

// fileWord keeps the letters, digits, dots and dashes of a name (others
// become "-"), at most maxFileWord bytes of them.
func fileWord(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > maxFileWord {
		b = b[:maxFileWord]
	}
	if len(b) == 0 || b[0] == '.' {
		return "x" + string(b)
	}
	return string(b)
}

// unique returns base+ext, or base-2+ext, base-3+ext ..., the first name
// taken does not report as taken.
func unique(base, ext string, taken func(string) bool) string {
	name := base + ext
	for i := 2; taken(name); i++ {
		name = base + "-" + strconv.Itoa(i) + ext
	}
	return name
}

// WriteFiles writes one vLLM result file per stage level of run into dir
// (FileNames) and returns the names written. It never overwrites a file:
// a name that exists with other content moves on to "-2", "-3"; one that
// holds exactly this content (the report rendered again) is left as is.
// Each file is reserved with O_EXCL, then written atomically
// (schema.WriteFileAtomic), so a reader never sees half a file.
func WriteFiles(dir string, run *schema.Run) ([]string, error) {
	var written []string
	var errs []error
	for i, name := range FileNames(run) {
		data, err := VLLM(&run.Stages[i], run)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n, err := writeNew(dir, name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		written = append(written, n)
	}
	return written, errors.Join(errs...)
}

// maxNameTries bounds the search for a free name.
const maxNameTries = 1000

// writeNew writes data to dir/name, or to the first free name-2, name-3 ...
// The empty file created with O_EXCL holds the name; the content then
// arrives atomically.
func writeNew(dir, name string, data []byte) (string, error) {
	base := strings.TrimSuffix(name, ".json")
	for i := 1; i <= maxNameTries; i++ {
		n := name
		if i > 1 {
			n = base + "-" + strconv.Itoa(i) + ".json"
		}
		path := filepath.Join(dir, n)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		switch {
		case errors.Is(err, fs.ErrExist):
			if same(path, data) {
				return n, nil // this result, rendered again
			}
			continue
		case err != nil:
			return "", fmt.Errorf("write vllm result: %w", err)
		}
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("write vllm result: %w", err)
		}
		return n, schema.WriteFileAtomic(path, data)
	}
	return "", fmt.Errorf("write vllm result %q: %d names taken", filepath.Join(dir, name), maxNameTries)
}

// same reports whether the file at path holds exactly data; the size is
// compared first, so an unrelated large file is never read.
func same(path string, data []byte) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return false
	}
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, data)
}
