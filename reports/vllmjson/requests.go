package vllmjson

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/servebench/servebench/schema"
)

// request is element i of every per-request array, in vLLM's units
// (seconds).
type request struct {
	inputLen, outputLen int
	ttft                float64
	itl                 []float64
	err                 string
	latency, start      float64
	hasLatency          bool
	hasStart            bool
}

// failed follows vLLM: a request failed when it has an error string. A
// request with no error, no first token and no output is vLLM's record of
// a failure whose HTTP reason phrase was empty.
func (q *request) failed() bool {
	return q.err != "" || q.ttft == 0 && q.outputLen == 0 && len(q.itl) == 0
}

// column is a decoder positioned inside one per-request array.
type column struct {
	key string
	dec *json.Decoder
	lim *limitReader
}

func openColumn(r io.ReaderAt, key string, a array) (*column, error) {
	dec, lim := newDecoder(r, a.offset)
	if err := lim.token(dec, json.Delim('[')); err != nil {
		return nil, fmt.Errorf("key %q: %w", key, err)
	}
	return &column{key: key, dec: dec, lim: lim}, nil
}

// next decodes element i into v; want words v's type for an error.
func (c *column) next(i int, v any, want string) error {
	c.lim.reset()
	if err := c.dec.Decode(v); err != nil {
		return elemErr(c.key, i, want, err)
	}
	return nil
}

// columns walks the per-request arrays of one file in step.
type columns struct {
	cols map[string]*column
	n    int
}

// openColumns opens every array of keys the file has; the arrays must be
// equally long, since element i of each is request i.
func openColumns(r io.ReaderAt, s *scanned, keys []string) (*columns, error) {
	cs := &columns{cols: map[string]*column{}, n: -1}
	first := ""
	for _, key := range keys {
		a, ok := s.arrays[key]
		if !ok {
			continue
		}
		if cs.n < 0 {
			cs.n, first = a.n, key
		} else if a.n != cs.n {
			return nil, fmt.Errorf("key %q has %d entries but key %q has %d: vLLM writes one entry per request in each", key, a.n, first, cs.n)
		}
		c, err := openColumn(r, key, a)
		if err != nil {
			return nil, err
		}
		cs.cols[key] = c
	}
	return cs, nil
}

// read decodes request i from every column, checking each value.
func (cs *columns) read(i int, q *request) error {
	*q = request{itl: q.itl[:0]}
	if err := cs.length(i, "input_lens", &q.inputLen); err != nil {
		return err
	}
	if err := cs.length(i, "output_lens", &q.outputLen); err != nil {
		return err
	}
	if err := cs.seconds(i, "ttfts", &q.ttft); err != nil {
		return err
	}
	if err := cs.cols["itls"].next(i, &q.itl, "a list of numbers"); err != nil {
		return err
	}
	for _, v := range q.itl {
		if !validSeconds(v) {
			return fmt.Errorf("key %q, element %d: want inter-token latencies in seconds (0 to %g), got %v", "itls", i, maxSeconds, v)
		}
	}
	var msg *string // null reads as no error
	if err := cs.cols["errors"].next(i, &msg, "a string"); err != nil {
		return err
	}
	if msg != nil {
		q.err = *msg
	}
	if _, ok := cs.cols["latencies"]; ok {
		q.hasLatency = true
		if err := cs.seconds(i, "latencies", &q.latency); err != nil {
			return err
		}
	}
	if c, ok := cs.cols["start_times"]; ok {
		q.hasStart = true
		if err := c.next(i, &q.start, "a number"); err != nil {
			return err
		}
		if math.Abs(q.start) > maxClock {
			return fmt.Errorf("key %q, element %d: want a clock reading in seconds (at most %g), got %v", "start_times", i, maxClock, q.start)
		}
	}
	return nil
}

// Bounds of the times in a file, so that every record's numbers stay
// finite in ms: a latency of more than 30 years, or a monotonic clock
// reading beyond 30 000 years, is not a measurement.
const (
	maxSeconds = 1e9
	maxClock   = 1e12
)

func validSeconds(v float64) bool { return v >= 0 && v <= maxSeconds }

func (cs *columns) length(i int, key string, v *int) error {
	if err := cs.cols[key].next(i, v, "a token count"); err != nil {
		return err
	}
	if *v < 0 {
		return fmt.Errorf("key %q, element %d: want a token count, got %d", key, i, *v)
	}
	return nil
}

func (cs *columns) seconds(i int, key string, v *float64) error {
	if err := cs.cols[key].next(i, v, "a number"); err != nil {
		return err
	}
	if !validSeconds(*v) {
		return fmt.Errorf("key %q, element %d: want seconds (0 to %g), got %v", key, i, maxSeconds, *v)
	}
	return nil
}

// record turns request i into a requests.jsonl line with servebench's
// units (ms). Where vLLM saved no per-request latency (v0.8.2), E2EL is
// TTFT + the sum of the ITLs: the time of the last token, which is a
// fraction of a millisecond before vLLM's own end (the [DONE] line). vLLM
// saves no requested output length, so req_output stays 0; without
// start_times the send time is unknown and start_ms is 0.
func record(id string, i int, q *request, minStart float64) *schema.RequestRecord {
	rec := &schema.RequestRecord{Stage: id, Index: i, RequestedInput: q.inputLen}
	if q.hasStart {
		rec.StartMS = (q.start - minStart) * 1000
	}
	if q.failed() {
		rec.Error = failure(q.err)
		return rec
	}
	rec.InputTokens, rec.OutputTokens = q.inputLen, q.outputLen
	rec.TTFTMS = q.ttft * 1000
	e2el := q.ttft
	rec.ITLMS = make([]float64, len(q.itl))
	for k, v := range q.itl {
		rec.ITLMS[k] = v * 1000
		e2el += v
	}
	if q.hasLatency {
		e2el = q.latency
	}
	rec.E2ELMS = e2el * 1000
	return rec
}
