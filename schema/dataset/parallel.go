package dataset

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"sync"
)

// parallelSection is the least a parallel worker gets: below it, starting
// a goroutine and finding a line start cost more than they save.
const parallelSection = 4 << 20

// parallelWorkers is how many sections a file of size bytes is read in.
func parallelWorkers(size int64) int {
	return int(min(int64(runtime.GOMAXPROCS(0)), size/parallelSection))
}

// indexParallel reads a JSONL file in sections, one goroutine each, since
// its lines are independent: checking every record is CPU-bound
// (encoding/json decodes about 50 MB/s per core here), and a GPU server
// has cores to spare before a run. Each section starts at a line start;
// merge turns section lines into file lines. Memory grows by one read
// buffer per worker.
func indexParallel(ctx context.Context, ra io.ReaderAt, size int64, file string, opts Options, workers int) ([]*part, error) {
	bounds := make([]int64, workers+1)
	for i := 1; i < workers; i++ {
		b, err := lineStart(ra, size*int64(i)/int64(workers), size)
		if err != nil {
			return nil, asError(file, 0, err)
		}
		bounds[i] = max(b, bounds[i-1])
	}
	bounds[workers] = size
	parts := make([]*part, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { parts[i], errs[i] = scanPart(ctx, ra, bounds[i], bounds[i+1], file, opts) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// lineStart is the offset of the first line that starts at or after off
// (size when none does).
func lineStart(ra io.ReaderAt, off, size int64) (int64, error) {
	if off <= 0 {
		return 0, nil
	}
	buf := make([]byte, 64<<10)
	for pos := off - 1; pos < size; pos += int64(len(buf)) {
		n, err := ra.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return pos + int64(i) + 1, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
	}
	return size, nil
}
