package reports

import (
	"math"
	"slices"

	"github.com/servebench/servebench/schema"
)

// Requests streams a run's request records (requests.jsonl) to fn, one at
// a time, stopping at fn's first error; schema.ReadRequests bound to a run
// directory is one. A nil Requests means the run has none: the report
// leaves out what needs them.
type Requests func(fn func(schema.RequestRecord) error) error

// Bounds on what the per-level charts keep of one stage level, however
// many requests it has: the timeline's bins, and a fixed stride of its
// measured requests for the TTFT scatter and the CDFs.
const (
	timelineBins   = 200
	maxLevelSample = 5000
	maxScatter     = 300
)

// levelData is what the per-level charts draw of one stage level.
type levelData struct {
	endMS    float64 // when its last request ended, from the level's start
	measured int     // measured requests (warmup excluded)
	stride   int     // every stride-th measured request is sampled
	seen     int
	inFlight []float64 // mean requests in flight during each bin (warmup included)
	sends    []float64 // send time (s) of sampled completed requests
	ttft     []float64 // their TTFT (ms)
	e2el     []float64 // their end-to-end latency (ms)
}

// readLevels reads the records of the given stage levels in two passes:
// the first finds each level's length and size, so the second can bin its
// timeline and sample it at a fixed stride. Memory is bounded by the
// levels asked for, not by the requests a run holds.
func readLevels(reqs Requests, ids map[string]bool) (map[string]*levelData, error) {
	out := map[string]*levelData{}
	if reqs == nil || len(ids) == 0 {
		return out, nil
	}
	err := reqs(func(r schema.RequestRecord) error {
		if !ids[r.Stage] {
			return nil
		}
		d := out[r.Stage]
		if d == nil {
			d = &levelData{}
			out[r.Stage] = d
		}
		d.endMS = max(d.endMS, r.StartMS+r.E2ELMS)
		if !r.Warmup {
			d.measured++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range out {
		d.stride = max(1, int(math.Ceil(float64(d.measured)/maxLevelSample)))
		d.inFlight = make([]float64, timelineBins)
	}
	err = reqs(func(r schema.RequestRecord) error {
		if d := out[r.Stage]; d != nil {
			d.add(r)
		}
		return nil
	})
	return out, err
}

// add bins one request into the timeline and samples it.
func (d *levelData) add(r schema.RequestRecord) {
	if d.endMS > 0 {
		start, end := r.StartMS, r.StartMS+r.E2ELMS
		w := d.endMS / timelineBins
		for b := d.bin(start); b <= d.bin(end); b++ {
			// the share of the bin the request was in flight: the bin's
			// value is the time-weighted mean of requests in flight
			lo, hi := float64(b)*w, float64(b+1)*w
			if overlap := min(end, hi) - max(start, lo); overlap > 0 {
				d.inFlight[b] += overlap / w
			}
		}
	}
	if r.Warmup {
		return
	}
	d.seen++
	if (d.seen-1)%d.stride != 0 || r.Error != nil {
		return
	}
	d.sends = append(d.sends, r.StartMS/1000)
	d.ttft = append(d.ttft, r.TTFTMS)
	d.e2el = append(d.e2el, r.E2ELMS)
}

func (d *levelData) bin(ms float64) int {
	return min(max(int(ms/d.endMS*timelineBins), 0), timelineBins-1)
}

// timeline is the in-flight count per bin, at each bin's middle (s).
func (d *levelData) timeline() (x, y []float64) {
	w := d.endMS / 1000 / timelineBins
	x = make([]float64, timelineBins)
	for i := range x {
		x[i] = (float64(i) + 0.5) * w
	}
	return x, d.inFlight
}

// scatter is at most maxScatter sampled (send time, TTFT) points.
func (d *levelData) scatter() (x, y []float64) {
	step := max(1, int(math.Ceil(float64(len(d.sends))/maxScatter)))
	for i := 0; i < len(d.sends); i += step {
		x, y = append(x, d.sends[i]), append(y, d.ttft[i])
	}
	return x, y
}

// cdf is the sample's distribution at every whole percentile: x the
// latency (ms), y the share of requests at or below it (%).
func cdf(sample []float64) (x, y []float64) {
	if len(sample) == 0 {
		return nil, nil
	}
	sorted := slices.Clone(sample)
	slices.Sort(sorted)
	for p := 0; p <= 100; p++ {
		x = append(x, schema.Percentile(sorted, float64(p)))
		y = append(y, float64(p))
	}
	return x, y
}
