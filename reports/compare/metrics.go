package compare

import (
	"fmt"
	"slices"
	"sync"

	"github.com/servebench/servebench/schema"
)

// Metric is one compared quantity of one window. Its Name is the metric as
// thresholds name it ("ttft.p99", "steady.ttft.p99"), and its value is
// read through schema's definition of that name, so compare and thresholds
// can never disagree on what a metric is or when it is absent.
type Metric struct {
	Name string
	// Interval is the name of its interval (schema.IntervalNames), the
	// same in both windows: "ttft.p99".
	Interval string
	// Steady is true for the steady-state window's metric.
	Steady bool
	// HigherIsBetter is true for throughputs and goodput, false for latencies and error rate.
	HigherIsBetter bool
	read           schema.NamedMetric
	// minAbs is the smallest absolute change worth calling (error rate: one
	// percentage point, since a proportion near zero has no useful relative change).
	minAbs float64
}

// get reads the metric of one stage level; absent says why it has none.
func (m Metric) get(st *schema.StageResult, run *schema.Run) (float64, string) {
	return m.read.Read(st, run)
}

// Windows a comparison can cover (Options.Window).
const (
	WindowAll    = "all"    // everything sent: the numbers `vllm bench serve` reports
	WindowSteady = "steady" // the steady-state window
	WindowBoth   = "both"
)

// Windows lists the valid Options.Window values.
var Windows = []string{WindowBoth, WindowSteady, WindowAll}

// compared are the metrics compared in each window, in this order.
var compared = []struct {
	name           string
	higherIsBetter bool
	minAbs         float64
}{
	{"ttft.p50", false, 0}, {"ttft.p99", false, 0}, {"ttft.mean", false, 0},
	{"tpot.p50", false, 0}, {"tpot.p99", false, 0}, {"tpot.mean", false, 0},
	{"itl.p50", false, 0}, {"itl.p99", false, 0}, {"itl.mean", false, 0},
	{"e2el.p50", false, 0}, {"e2el.p99", false, 0}, {"e2el.mean", false, 0},
	{"request_throughput", true, 0}, {"output_throughput", true, 0}, {"total_token_throughput", true, 0},
	{"goodput", true, 0}, {"error_rate", false, 0.01},
}

// MetricsOf lists the metrics a comparison of window compares: the
// everything-sent ones, then the steady-state ones.
func MetricsOf(window string) []Metric {
	return slices.Clone(allMetrics()[window])
}

// allMetrics binds every window's metrics to schema's definitions once:
// a lookup walks the whole metric tree.
var allMetrics = sync.OnceValue(func() map[string][]Metric {
	out := map[string][]Metric{}
	for _, w := range Windows {
		out[w] = metricsOf(w)
	}
	return out
})

func metricsOf(window string) []Metric {
	var out []Metric
	for _, steady := range []bool{false, true} {
		if steady && window == WindowAll || !steady && window == WindowSteady {
			continue
		}
		for _, c := range compared {
			name := c.name
			if steady {
				name = schema.SteadyPrefix + name
			}
			read, ok := schema.LookupMetric(name)
			if !ok {
				panic(fmt.Sprintf("compare: %q is not a metric name of schema", name))
			}
			out = append(out, Metric{Name: name, Interval: c.name, Steady: steady, HigherIsBetter: c.higherIsBetter,
				read: read, minAbs: c.minAbs})
		}
	}
	return out
}
