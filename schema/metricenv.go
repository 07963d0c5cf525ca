package schema

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// metricKind says how a metric is represented in the expression environment.
type metricKind int

const (
	kindNumber metricKind = iota
	kindString
	kindDist  // a latency distribution: mean, median, std, min, max, pNN
	kindGroup // a namespace such as server or capacity
)

// source is what a metric is read from: one stage level of one run. Either
// may be nil.
type source struct {
	st  *StageResult
	run *Run
}

// metric is one node of the metric tree. The tree is the single definition
// of every name a threshold or compare --fail-on can use: it builds the
// typed expression environment, fills it from a result, says when a value
// is absent, and renders the metric reference.
type metric struct {
	name, unit, doc string
	kind            metricKind
	children        []metric
	num             func(source) float64
	str             func(source) string
	dist            func(source) Dist
	// absent says why a number or distribution has no value in a source
	// ("" when it has one), e.g. "is not measured in this stage (non-streaming)".
	absent func(source) string
	// compact groups are documented by a summary row rather than one row
	// per name (the steady and ci namespaces repeat the whole tree).
	compact bool
	// build, when set, makes a group's children for a percentile set (the
	// intervals of a distribution have one per percentile).
	build func(pct []float64) []metric
}

// kids are the children of a group for a percentile set.
func (m metric) kids(pct []float64) []metric {
	if m.build != nil {
		return m.build(pct)
	}
	return m.children
}

// leaf is one readable name of the tree ("ttft.p99") with its place in the
// environment struct of one stage and the functions that read it.
type leaf struct {
	MetricDoc
	index []int
	kind  metricKind // kindNumber or kindString
	num   func(source) float64
	str   func(source) string
	// absent returns what is missing and why, e.g. ("tpot", "is not measured
	// in this stage (non-streaming)"); subject "" when the value is there.
	absent func(source) (subject, why string)
	// compact: under a compact group, documented by its summary row.
	compact bool
}

// stageType returns the struct type of one stage's metrics for a
// percentile set. Types are built with reflect.StructOf so that a
// percentile such as p99_9 is a real field: a typo fails at compile time
// instead of reading zero.
func stageType(pct []float64) reflect.Type { return groupType(metricTree, pct) }

func groupType(children []metric, pct []float64) reflect.Type {
	fields := make([]reflect.StructField, len(children))
	for i, m := range children {
		fields[i] = reflect.StructField{
			Name: "F" + strconv.Itoa(i),
			Type: metricType(m, pct),
			Tag:  reflect.StructTag(`expr:"` + m.name + `"`),
		}
	}
	return reflect.StructOf(fields)
}

func metricType(m metric, pct []float64) reflect.Type {
	switch m.kind {
	case kindString:
		return reflect.TypeFor[string]()
	case kindDist:
		return groupType(distStats(pct), pct)
	case kindGroup:
		return groupType(m.kids(pct), pct)
	}
	return reflect.TypeFor[float64]()
}

// distStats lists the statistics of a distribution for a percentile set.
func distStats(pct []float64) []metric {
	out := []metric{
		{name: "mean", doc: "mean"},
		{name: "median", doc: "median"},
		{name: "std", doc: "population standard deviation"},
		{name: "min", doc: "minimum"},
		{name: "max", doc: "maximum"},
	}
	for _, p := range pct {
		out = append(out, metric{name: PercentileKey(p), doc: strconv.FormatFloat(p, 'f', -1, 64) + "th percentile"})
	}
	return out
}

// distValue reads one statistic of a distribution by its metric name; ok is
// false for a percentile the distribution does not have.
func distValue(d Dist, name string) (float64, bool) {
	switch name {
	case "mean":
		return d.Mean, true
	case "median":
		return d.Median, true
	case "std":
		return d.Std, true
	case "min":
		return d.Min, true
	case "max":
		return d.Max, true
	}
	v, ok := d.Percentiles[name]
	return v, ok
}

// leaves flattens the tree into every readable name, e.g. "ttft.p99".
func leaves(pct []float64) []leaf {
	var out []leaf
	var walk func(prefix string, children []metric, idx []int, parent metric, compact bool)
	walk = func(prefix string, children []metric, idx []int, parent metric, compact bool) {
		for i, m := range children {
			name := prefix + m.name
			at := append(slices.Clone(idx), i)
			n := len(out)
			switch m.kind {
			case kindDist:
				for j, stat := range distStats(pct) {
					out = append(out, distLeaf(name, m, stat, append(slices.Clone(at), j)))
				}
			case kindGroup:
				walk(name+".", m.kids(pct), at, m, compact || m.compact)
			default:
				out = append(out, plainLeaf(prefix, m, parent, at))
			}
			for k := n; k < len(out); k++ {
				out[k].compact = out[k].compact || compact
			}
		}
	}
	walk("", metricTree, nil, metric{}, false)
	return out
}

// plainLeaf is a number or string under prefix. Inside a documented group
// (a gauge's min and max) it borrows the group's unit and description, and
// the group's absence: a gauge the server did not report is absent whole.
func plainLeaf(prefix string, m, parent metric, at []int) leaf {
	name := prefix + m.name
	d := MetricDoc{Name: name, Unit: m.unit, Description: m.doc}
	if parent.doc != "" && m.unit == "" {
		d.Unit, d.Description = parent.unit, parent.doc+": "+m.doc
	}
	l := leaf{MetricDoc: d, index: at, kind: m.kind, num: m.num, str: m.str, absent: present}
	why, subject := m.absent, name
	if why == nil && parent.absent != nil {
		why, subject = parent.absent, strings.TrimSuffix(prefix, ".")
	}
	if why != nil {
		l.absent = func(s source) (string, string) {
			if w := why(s); w != "" {
				return subject, w
			}
			return "", ""
		}
	}
	return l
}

// present is the absent function of a metric that always has a value.
func present(source) (string, string) { return "", "" }

// distLeaf is one statistic of a distribution: absent when the distribution
// is, or when the percentile was not computed.
func distLeaf(distName string, m, stat metric, at []int) leaf {
	name := distName + "." + stat.name
	return leaf{
		MetricDoc: MetricDoc{Name: name, Unit: m.unit, Description: m.doc + ": " + stat.doc},
		index:     at, kind: kindNumber,
		num: func(s source) float64 {
			v, _ := distValue(m.dist(s), stat.name)
			return v
		},
		absent: func(s source) (string, string) {
			d := m.dist(s)
			if !d.Measured() {
				return distName, m.absent(s)
			}
			if _, ok := distValue(d, stat.name); !ok {
				return name, "was not computed in this stage (add it to report.percentiles)"
			}
			return "", ""
		},
	}
}

// MetricNames lists every name a threshold can read with the percentile set
// Percentiles(percentiles), in the order of the metric reference;
// compare --fail-on reads the same names under baseline. and candidate.
func MetricNames(percentiles []float64) []string { return metricNames(Percentiles(percentiles)) }

// metricNames lists the names of a complete percentile set.
func metricNames(pct []float64) []string {
	ls := leaves(pct)
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name
	}
	return out
}
