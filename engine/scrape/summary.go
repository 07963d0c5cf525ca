package scrape

import (
	"fmt"
	"math"

	"github.com/servebench/servebench/schema"
)

// MaxPoints bounds the points kept per gauge series in the result, so that
// run.json stays small for hour-long stages; aggregates use every sample.
const MaxPoints = 600

// points is the raw time series of one gauge or counter.
type points struct {
	t, v []float64
}

// recorder accumulates the scrapes of one stage.
type recorder struct {
	gauges    map[string]*points
	counters  map[string]*points
	ok        int
	failed    int
	firstErr  string
	modelNote string
}

// add records a successful scrape taken t seconds after Start.
func (r *recorder) add(t float64, s snapshot, modelName string) {
	if r.gauges == nil {
		r.gauges, r.counters = map[string]*points{}, map[string]*points{}
	}
	r.ok++
	appendAll(r.gauges, t, s.gauges)
	appendAll(r.counters, t, s.counters)
	if s.otherModel && r.modelNote == "" {
		r.modelNote = fmt.Sprintf("some server metrics carry only other model_name labels than %q and were ignored", modelName)
	}
}

func appendAll(into map[string]*points, t float64, vals map[string]float64) {
	for name, v := range vals {
		p := into[name]
		if p == nil {
			p = &points{}
			into[name] = p
		}
		p.t = append(p.t, t)
		p.v = append(p.v, v)
	}
}

// fail records a failed scrape; the stage goes on.
func (r *recorder) fail(url string, err error) {
	r.failed++
	if r.firstErr == "" {
		r.firstErr = probeNote(url, err)
	}
}

// summary builds the stage's ServerMetrics.
func (r *recorder) summary() *schema.ServerMetrics {
	m := &schema.ServerMetrics{Available: r.ok > 0, Note: r.note()}
	if !m.Available {
		return m
	}
	m.Gauges = map[string]schema.Agg{}
	for _, src := range gauges {
		if p := r.gauges[src.short]; p != nil {
			m.Gauges[src.short] = aggregate(p.v)
			t, v := downsample(p.t, p.v, MaxPoints)
			m.Series = append(m.Series, schema.Series{Name: src.short, T: t, Values: v})
		}
	}
	m.Counters = map[string]float64{}
	for name, p := range r.counters {
		if len(p.v) >= 2 {
			m.Counters[name] = increase(p.v)
		}
	}
	return m
}

// note explains missing samples: all scrapes failed, some did, or the model filter dropped metrics.
func (r *recorder) note() string {
	switch {
	case r.ok == 0 && r.failed == 0:
		return notCollected + ": no scrape completed"
	case r.ok == 0:
		return r.firstErr
	case r.failed > 0:
		return fmt.Sprintf("%d of %d scrapes failed; first: %s", r.failed, r.ok+r.failed, r.firstErr)
	}
	return r.modelNote
}

// aggregate returns min, max, mean and last of the samples. The mean is of
// samples, which are evenly spaced but for the final one.
func aggregate(v []float64) schema.Agg {
	a := schema.Agg{Min: math.Inf(1), Max: math.Inf(-1), Last: v[len(v)-1]}
	total := 0.0
	for _, x := range v {
		a.Min, a.Max = math.Min(a.Min, x), math.Max(a.Max, x)
		total += x
	}
	a.Mean = total / float64(len(v))
	return a
}

// increase is how much a counter grew over the samples (last − first), the
// way Prometheus' increase() counts it: a drop means the server restarted
// and the counter began again from zero.
func increase(v []float64) float64 {
	total := 0.0
	for i := 1; i < len(v); i++ {
		if d := v[i] - v[i-1]; d >= 0 {
			total += d
		} else {
			total += v[i]
		}
	}
	return total
}

// downsample averages consecutive runs of samples into at most max points.
// Averages keep the shape of the curve; the true extremes stay in the
// aggregates.
func downsample(t, v []float64, max int) ([]float64, []float64) {
	if len(v) <= max {
		return t, v
	}
	k := (len(v) + max - 1) / max
	var ot, ov []float64
	for i := 0; i < len(v); i += k {
		j := min(i+k, len(v))
		ot = append(ot, meanOf(t[i:j]))
		ov = append(ov, meanOf(v[i:j]))
	}
	return ot, ov
}

func meanOf(x []float64) float64 {
	total := 0.0
	for _, v := range x {
		total += v
	}
	return total / float64(len(x))
}
