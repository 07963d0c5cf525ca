package vllmjson

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
)

// maxFiles bounds the files one import reads.
const maxFiles = 10_000

// Files expands the paths of an import: a directory stands for the *.json
// files directly in it, in name order (the results_<concurrency>_<date>.json
// layout of a sweep loop), without vLLM's *.pytorch.json side files; a file
// stands for itself.
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("import %q: %w", p, err)
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p) // sorted by name
		if err != nil {
			return nil, fmt.Errorf("import %q: %w", p, err)
		}
		n := len(out)
		for _, e := range entries {
			name := e.Name()
			if e.Type().IsRegular() && strings.HasSuffix(name, ".json") && !strings.HasSuffix(name, ".pytorch.json") {
				out = append(out, filepath.Join(p, name))
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("import %q: the directory holds no .json result file", p)
		}
	}
	if len(out) > maxFiles {
		return nil, fmt.Errorf("import: %d files, at most %d in one run", len(out), maxFiles)
	}
	return out, nil
}

// ImportFiles imports the vLLM result files of paths (see Files) as one run
// called name: one stage level per file, ordered by load (closed loops by
// concurrency, then open loops by rate), so a directory of a sweep becomes
// one sweep. sink (nil: none) receives every per-request record, with the
// ID of its stage; IDs are unique in the run (a level that two files hold
// gets "@<file>" on the second).
func ImportFiles(paths []string, name string, sink func(*schema.RequestRecord) error) (*schema.Run, error) {
	if len(paths) == 0 {
		return nil, errNoFiles
	}
	files, err := Files(paths)
	if err != nil {
		return nil, err
	}
	runs := make([]*schema.Run, 0, len(files))
	ids := map[string]bool{}
	for _, path := range files {
		run, err := importPath(path, ids, sink)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	return merge(name, files, runs), nil
}

// importPath imports one file, making its stage ID unique among ids.
func importPath(path string, ids map[string]bool, sink func(*schema.RequestRecord) error) (*schema.Run, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", path, err)
	}
	defer fh.Close()
	base := filepath.Base(path)
	f, err := Open(fh, base)
	if err != nil {
		return nil, err
	}
	st := f.Stage()
	if ids[st.ID] {
		st.ID = unique(st.ID+"@"+strings.TrimSuffix(base, ".json"), "", func(id string) bool { return ids[id] })
	}
	ids[st.ID] = true
	if err := f.Records(sink); err != nil {
		return nil, err
	}
	return f.Run(), nil
}

// merge makes one run of the runs of single files. A note every file has
// is said once; any other is prefixed with its file's name.
func merge(name string, files []string, runs []*schema.Run) *schema.Run {
	out := *runs[0]
	out.Name, out.Stages, out.Notes = name, nil, nil
	count := map[string]int{} // in how many runs each note is
	for _, r := range runs {
		seen := map[string]bool{}
		for _, n := range r.Notes {
			if !seen[n] {
				seen[n] = true
				count[n]++
			}
		}
	}
	models := []string{}
	for i, r := range runs {
		out.Stages = append(out.Stages, r.Stages...)
		if !r.StartedAt.IsZero() && (out.StartedAt.IsZero() || r.StartedAt.Before(out.StartedAt)) {
			out.StartedAt = r.StartedAt
		}
		if r.EndedAt.After(out.EndedAt) {
			out.EndedAt = r.EndedAt
		}
		if !slices.Contains(models, r.Server.Model) {
			models = append(models, r.Server.Model)
		}
		for _, n := range r.Notes {
			switch {
			case len(runs) == 1:
				out.Notes = append(out.Notes, n)
			case count[n] < len(runs):
				out.Notes = append(out.Notes, filepath.Base(files[i])+": "+n)
			case !slices.Contains(out.Notes, "every file: "+n):
				out.Notes = append(out.Notes, "every file: "+n)
			}
		}
	}
	if len(models) > 1 {
		quoted := make([]string, len(models))
		for i, m := range models {
			quoted[i] = strconv.Quote(m)
		}
		out.Notes = append(out.Notes, "the files name different models: "+strings.Join(quoted, ", "))
	}
	slices.SortStableFunc(out.Stages, byLoad)
	return &out
}

// byLoad orders closed-loop levels by concurrency before open-loop levels
// by rate, then by start.
func byLoad(a, b schema.StageResult) int {
	return cmp.Or(
		cmp.Compare(boolInt(a.Rate > 0), boolInt(b.Rate > 0)),
		cmp.Compare(a.Rate, b.Rate),
		cmp.Compare(a.Concurrency, b.Concurrency),
		a.StartedAt.Compare(b.StartedAt))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// errNoFiles is returned for an import without paths.
var errNoFiles = errors.New("import: no vllm result file given")
