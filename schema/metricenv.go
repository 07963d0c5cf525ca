package schema

import (
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// metricKind says how a metric is represented in the expression environment.
type metricKind int

const (
	kindNumber metricKind = iota
	kindString
	kindDist  // a latency distribution: mean, median, std, min, max, pNN
	kindGroup // a namespace such as server or capacity
)

// source is what a metric is read from.
type source struct {
	st  *StageResult
	run *Run
}

// metric is one node of the metric tree. The tree is the single definition
// of every name a threshold can use: it builds the typed expression
// environment, fills it from a result, and renders the metric reference.
type metric struct {
	name, unit, doc string
	kind            metricKind
	children        []metric
	num             func(source) float64
	str             func(source) string
	dist            func(source) Dist
}

// envType returns the struct type of the environment for a percentile set.
// Types are built with reflect.StructOf so that a percentile such as p99_9
// is a real field: a typo fails at compile time instead of reading zero.
func envType(pct []float64) reflect.Type {
	key := percentileSetKey(pct)
	if t, ok := envTypes.Load(key); ok {
		return t.(reflect.Type)
	}
	t := groupType(metricTree, pct)
	envTypes.Store(key, t)
	return t
}

var envTypes sync.Map // percentile set key -> reflect.Type

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
		return groupType(m.children, pct)
	}
	return reflect.TypeFor[float64]()
}

// NewEnv builds the expression environment of one stage result: a value of
// the struct type thresholds are compiled against. percentiles is
// report.percentiles (the defaults are always included). st and run may be
// nil; absent metrics read as zero.
func NewEnv(st *StageResult, run *Run, percentiles []float64) any {
	pct := envPercentiles(percentiles)
	t := envType(pct)
	v := reflect.New(t).Elem()
	fillGroup(v, metricTree, source{st: st, run: run}, pct, nil)
	return v.Interface()
}

// fillGroup sets the fields of a group value from src; d is the Dist of the
// enclosing distribution, if any.
func fillGroup(v reflect.Value, children []metric, src source, pct []float64, d *Dist) {
	for i, m := range children {
		f := v.Field(i)
		switch m.kind {
		case kindString:
			f.SetString(m.str(src))
		case kindNumber:
			if d != nil {
				f.SetFloat(distValue(*d, m.name))
			} else {
				f.SetFloat(m.num(src))
			}
		case kindDist:
			dist := m.dist(src)
			fillGroup(f, distStats(pct), src, pct, &dist)
		case kindGroup:
			fillGroup(f, m.children, src, pct, d)
		}
	}
}

// distValue reads one statistic of a distribution by its metric name.
func distValue(d Dist, name string) float64 {
	switch name {
	case "mean":
		return d.Mean
	case "median":
		return d.Median
	case "std":
		return d.Std
	case "min":
		return d.Min
	case "max":
		return d.Max
	}
	return d.Percentiles[name]
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

// envPercentiles is the default percentiles plus those the report asks for,
// ascending and unique, ignoring values outside (0, 100).
func envPercentiles(extra []float64) []float64 {
	out := slices.Clone(DefaultPercentiles)
	for _, p := range extra {
		if p > 0 && p < 100 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func percentileSetKey(pct []float64) string {
	parts := make([]string, len(pct))
	for i, p := range pct {
		parts[i] = PercentileKey(p)
	}
	return strings.Join(parts, ",")
}

// leaf is one metric name with its place in the environment struct.
type leaf struct {
	MetricDoc
	index  []int
	number bool
}

// leaves flattens the tree into every readable name, e.g. "ttft.p99".
func leaves(pct []float64) []leaf {
	var out []leaf
	var walk func(prefix string, children []metric, idx []int, unit, doc string)
	walk = func(prefix string, children []metric, idx []int, unit, doc string) {
		for i, m := range children {
			name := prefix + m.name
			at := append(slices.Clone(idx), i)
			switch m.kind {
			case kindDist:
				walk(name+".", distStats(pct), at, m.unit, m.doc)
			case kindGroup:
				walk(name+".", m.children, at, m.unit, m.doc)
			default:
				d := MetricDoc{Name: name, Unit: m.unit, Description: m.doc}
				if prefix != "" && doc != "" && m.unit == "" {
					d.Unit, d.Description = unit, doc+": "+m.doc
				}
				out = append(out, leaf{MetricDoc: d, index: at, number: m.kind == kindNumber})
			}
		}
	}
	walk("", metricTree, nil, "", "")
	return out
}
