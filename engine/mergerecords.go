package engine

import (
	"bufio"
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/schema"
)

// maxRecordBytes bounds one line of a part's requests.jsonl: a record
// with an inter-token latency per output token stays far below it.
const maxRecordBytes = 64 << 20

// records reads one part's requests.jsonl a record at a time. Records of
// a part come stage after stage, in the order the part ran its steps, so
// merging stage by stage needs one record per part in memory.
type records struct {
	part  *part
	f     *os.File
	sc    *bufio.Scanner
	line  int
	next  schema.RequestRecord
	ok    bool  // next holds a record
	shift int64 // ns from the merged stage's origin to this part's, for the current stage
	count int
}

func openRecords(p *part) (*records, error) {
	f, err := os.Open(filepath.Join(p.dir, schema.RequestsFile))
	if err != nil {
		return nil, runError(fmt.Errorf("merge: %w", err))
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordBytes)
	r := &records{part: p, f: f, sc: sc}
	return r, r.advance()
}

// advance reads the next record; at the end ok is false.
func (r *records) advance() error {
	for r.sc.Scan() {
		r.line++
		b := r.sc.Bytes()
		if len(b) == 0 {
			continue
		}
		r.next = schema.RequestRecord{}
		if err := json.Unmarshal(b, &r.next); err != nil {
			return r.errorf("%v", err)
		}
		r.ok = true
		return nil
	}
	r.ok = false
	if err := r.sc.Err(); err != nil {
		return r.errorf("%v", err)
	}
	return nil
}

// skip reads past the records of stage id and counts them.
func (r *records) skip(id string) (int, error) {
	n := 0
	for r.ok && r.next.Stage == id {
		n++
		if err := r.advance(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (r *records) errorf(format string, args ...any) error {
	return &MergeInputError{Problems: []string{fmt.Sprintf("%s line %d: %s",
		filepath.Join(r.part.dir, schema.RequestsFile), r.line, fmt.Sprintf(format, args...))}}
}

// done is the instant the current record's request returned, in ns from
// the merged stage's origin: the order of one client's records.
func (r *records) done() int64 {
	return r.shift + nanos(r.next.StartMS+r.next.E2ELMS)
}

// byDone orders the parts' current records by when they returned.
type byDone []*records

func (h byDone) Len() int           { return len(h) }
func (h byDone) Less(i, j int) bool { return h[i].done() < h[j].done() }
func (h byDone) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *byDone) Push(x any)        { *h = append(*h, x.(*records)) }
func (h *byDone) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// stageMerge streams one stage's records of every part into the merged
// requests.jsonl, in the order they returned, and into the merged
// aggregator (and each part's own, which tells its warnings apart).
type stageMerge struct {
	id     string
	origin time.Time // the merged stage's origin on shard 0's clock
	union  *metrics.Aggregator
	own    map[*records]*metrics.Aggregator
	sample metrics.Sample
}

// run merges the records of readers whose current record belongs to the
// stage, writing each through write.
func (m *stageMerge) run(readers []*records, write func(*schema.RequestRecord) error) error {
	h := byDone{}
	for _, r := range readers {
		if r.ok && r.next.Stage == m.id {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		r := h[0]
		rec := &r.next
		rec.StartMS = float64(r.shift)/float64(time.Millisecond) + rec.StartMS
		if !rec.Warmup {
			m.add(r, rec)
		}
		if err := write(rec); err != nil {
			return runError(fmt.Errorf("merge: %w", err))
		}
		r.count++
		if err := r.advance(); err != nil {
			return err
		}
		if r.ok && r.next.Stage == m.id {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// add accounts one measured record, exactly as the collector accounted
// the request it describes (collect.go fillSample).
func (m *stageMerge) add(r *records, rec *schema.RequestRecord) {
	s := &m.sample
	itl := s.ITL[:0]
	for _, v := range rec.ITLMS {
		itl = append(itl, duration(v))
	}
	*s = metrics.Sample{
		OK:   rec.Error == nil,
		TTFT: duration(rec.TTFTMS), E2EL: duration(rec.E2ELMS), ITL: itl,
		InputTokens: rec.InputTokens, OutputTokens: rec.OutputTokens, TokenSource: rec.TokenSource,
		RequestedInput: rec.RequestedInput, RequestedOutput: rec.RequestedOutput,
		QueueTime: duration(rec.QueueMS), SendLag: duration(max(rec.SendLagMS, 0)),
		Start: duration(rec.StartMS),
	}
	if rec.Error != nil {
		s.Kind, s.Status, s.Message = rec.Error.Kind, rec.Error.Status, rec.Error.Message
	}
	m.union.Add(s)
	m.own[r].Add(s)
}

// duration turns milliseconds as requests.jsonl stores them back into the
// duration they were made from: ms(d) is float64(d)/1e6, and rounding
// undoes the division exactly for any duration below a day, so the merged
// aggregator sees the very same values the part's did.
func duration(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}

// nanos is duration for a time offset.
func nanos(ms float64) int64 { return int64(duration(ms)) }
