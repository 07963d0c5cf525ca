package traffic

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

// Trace is the source of a replay stage: request i sends record
// warmup+i of the trace's window (warmup requests take the first
// records), with the record's input and output lengths and its hash ids,
// and is due at the record's timestamp, from the window's first, divided
// by the speed. The window is read once, at plan time, into columns (about
// 30 bytes per record and 8 per hash id), at most schema.MaxReplayRecords.
type Trace struct {
	file      string
	blockSize int
	warmup    int
	at        []time.Duration // from the window's first record
	in, out   []int32
	lines     []int32
	ids       []int // every record's hash ids, one after another
	idStart   []int32
	reuse     float64
}

var _ Source = (*Trace)(nil)

// ReadTrace reads the window of the trace at path. file names it as the
// scenario does; warmup records come first.
func ReadTrace(ctx context.Context, path, file string, opts dataset.TraceOptions, warmup int) (*Trace, error) {
	r, err := dataset.OpenTrace(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t := &Trace{file: file, blockSize: opts.BlockSize, warmup: warmup}
	var first time.Duration
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			first = rec.Timestamp
		}
		if n == schema.MaxReplayRecords {
			return nil, fmt.Errorf("trace %s: the window holds more than %d records (validate checks it)", file, schema.MaxReplayRecords)
		}
		t.add(rec, rec.Timestamp-first)
	}
	t.reuse = blockReuse(t)
	return t, nil
}

func (t *Trace) add(rec dataset.Record, at time.Duration) {
	t.at = append(t.at, at)
	t.in = append(t.in, int32(rec.InputLength))
	t.out = append(t.out, int32(rec.OutputLength))
	t.lines = append(t.lines, int32(rec.Line))
	t.idStart = append(t.idStart, int32(len(t.ids)))
	t.ids = append(t.ids, rec.HashIDs...)
}

// Len is the number of records of the window, warmup included.
func (t *Trace) Len() int { return len(t.at) }

// hashIDs are record k's hash ids.
func (t *Trace) hashIDs(k int) []int {
	end := len(t.ids)
	if k+1 < len(t.idStart) {
		end = int(t.idStart[k+1])
	}
	return t.ids[t.idStart[k]:end]
}

// Spec is request i: record warmup+i's lengths and blocks. Its output is
// asked for as the trace says, which needs ignore_eos to be generated in
// full (validate keeps it on for replays).
func (t *Trace) Spec(i int) Spec {
	k := t.warmup + i
	if k < 0 || k >= t.Len() {
		return Spec{Err: io.EOF}
	}
	return Spec{Input: int(t.in[k]), Output: int(t.out[k]), Blocks: t.hashIDs(k), BlockSize: t.blockSize, Record: int(t.lines[k])}
}

// Schedule lists when each record is due at speed, warmup records first:
// offsets from the first record, the trace's time divided by speed.
func (t *Trace) Schedule(speed float64) []time.Duration {
	out := make([]time.Duration, len(t.at))
	for k, at := range t.at {
		out[k] = time.Duration(math.Round(float64(at) / speed))
	}
	return out
}

// Span is the time from the window's first record to its last, at speed 1.
func (t *Trace) Span() time.Duration {
	if len(t.at) == 0 {
		return 0
	}
	return t.at[len(t.at)-1]
}

// File names the trace as the scenario does.
func (t *Trace) File() string { return t.file }

// BlockReuse is the share of the window's prompt tokens in blocks an
// earlier record of the window already sent: what a prefix cache that
// never evicts would hit, computed from the file alone.
func (t *Trace) BlockReuse() float64 { return t.reuse }

// blockReuse walks the window in order. A block is shared when its whole
// chain of hash ids (it and every id before it in its record) appeared in
// an earlier record, since a block's tokens follow from its id but a
// prefix cache keys a block by everything before it too; the tokens shared
// are at most those the earlier record had in that block (a record's last
// block may be partial).
func blockReuse(t *Trace) float64 {
	type chain struct {
		parent uint64
		id     int
	}
	seen := map[chain]int{} // tokens the longest earlier record had in the block
	ids := map[chain]uint64{}
	var shared, total int64
	for k := range t.Len() {
		in := int(t.in[k])
		total += int64(in)
		var parent uint64
		sharing := true
		for j, id := range t.hashIDs(k) {
			n := min(t.blockSize, in-j*t.blockSize)
			c := chain{parent, id}
			if had, ok := seen[c]; ok && sharing {
				shared += int64(min(n, had))
				sharing = had >= n
			} else {
				sharing = false
			}
			seen[c] = max(seen[c], n)
			next, ok := ids[c]
			if !ok {
				next = uint64(len(ids) + 1)
				ids[c] = next
			}
			parent = next
		}
	}
	if total == 0 {
		return 0
	}
	return float64(shared) / float64(total)
}

// Extremes are a window's shortest and longest lengths, and the record
// whose input plus output is largest: what must fit the context.
type Extremes struct {
	MinInput, MaxInput, MinOutput, MaxOutput int
	WorstInput, WorstOutput                  int
}

// Extremes of the window, warmup records included.
func (t *Trace) Extremes() Extremes {
	var x Extremes
	for k := range t.Len() {
		in, out := int(t.in[k]), int(t.out[k])
		if k == 0 {
			x.MinInput, x.MinOutput = in, out
		}
		x.MinInput, x.MaxInput = min(x.MinInput, in), max(x.MaxInput, in)
		x.MinOutput, x.MaxOutput = min(x.MinOutput, out), max(x.MaxOutput, out)
		if in+out > x.WorstInput+x.WorstOutput {
			x.WorstInput, x.WorstOutput = in, out
		}
	}
	return x
}
