package schema

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/servebench/servebench/schema/dataset"
)

// OpenDataset indexes the dataset at path (dataset.Open), once per process
// for each file as it is on disk: `validate` and the plan of a run, and
// every variant of a matrix, share one index instead of reading a file of
// gigabytes again. An index stays open for the life of the process (its
// file is closed when the process ends); a file changed on disk (size or
// modification time) is indexed again. Errors are not kept.
func OpenDataset(ctx context.Context, path string, opts dataset.Options) (*dataset.Prompts, error) {
	key, ok := datasetKey(path, opts)
	if ok {
		if p, hit := openDatasets.Load(key); hit {
			return p.(*dataset.Prompts), nil
		}
	}
	p, err := dataset.Open(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	if ok {
		if old, loaded := openDatasets.LoadOrStore(key, p); loaded {
			p.Close()
			return old.(*dataset.Prompts), nil
		}
	}
	return p, nil
}

// openDatasets maps a datasetIndexKey to its *dataset.Prompts.
var openDatasets sync.Map

// datasetIndexKey names one file as it is on disk, read with some options.
type datasetIndexKey struct {
	path      string
	size      int64
	modified  time.Time
	format    dataset.Format
	limit     int
	maxRecord int
}

// datasetKey is the key of path, or false when the file cannot be looked
// at (Open then says why).
func datasetKey(path string, opts dataset.Options) (datasetIndexKey, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return datasetIndexKey{}, false
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.Mode().IsRegular() {
		return datasetIndexKey{}, false
	}
	return datasetIndexKey{path: abs, size: fi.Size(), modified: fi.ModTime(), format: opts.Format,
		limit: opts.Limit, maxRecord: opts.MaxRecordBytes}, true
}
