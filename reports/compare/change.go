package compare

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
)

// changeFields are what --fail-on reads about one compared metric under
// change.<metric>: the relative change and its interval, and the verdict.
// A gate "p99 TTFT regressed beyond noise by more than 10%" reads
// change.ttft.p99.worse && change.ttft.p99.rel > 0.10, or, stricter,
// change.ttft.p99.lo > 0.10 (even the interval's low end is above +10%).
var changeFields = []struct {
	name, doc string
	typ       reflect.Type
	get       func(Delta) any
}{
	{"rel", "relative change, candidate against baseline (0.12 is +12%)", reflect.TypeFor[float64](),
		func(d Delta) any { return d.Rel }},
	{"lo", "low end of the relative change's interval", reflect.TypeFor[float64](),
		func(d Delta) any { return d.Lo / math.Abs(d.Baseline) }},
	{"hi", "high end of the relative change's interval", reflect.TypeFor[float64](),
		func(d Delta) any { return d.Hi / math.Abs(d.Baseline) }},
	{"significant", "the interval excludes no change", reflect.TypeFor[bool](),
		func(d Delta) any { return d.Lo > 0 || d.Hi < 0 }},
	{"worse", "called a regression: significant, at least --min-change, in the bad direction", reflect.TypeFor[bool](),
		func(d Delta) any { return d.Verdict == Regression }},
	{"better", "called an improvement", reflect.TypeFor[bool](),
		func(d Delta) any { return d.Verdict == Improvement }},
}

// changeVar is the `change` variable of --fail-on: a struct nested like
// the compared metrics' names (change.ttft.p99.rel,
// change.steady.output_throughput.worse), built once.
var changeVar = newChangeVar()

type changeSpace struct {
	typ    reflect.Type
	at     map[string][]int // metric name -> index of its group of changeFields
	leaves []string
}

func newChangeVar() *changeSpace {
	cs := &changeSpace{at: map[string][]int{}}
	var names []string
	for _, m := range MetricsOf(WindowBoth) {
		names = append(names, m.Name)
		for _, f := range changeFields {
			cs.leaves = append(cs.leaves, m.Name+"."+f.name)
		}
	}
	cs.typ = cs.build(names, "", nil)
	return cs
}

// build makes the struct of the names under prefix, recording where each
// metric's group of fields is.
func (cs *changeSpace) build(names []string, prefix string, at []int) reflect.Type {
	var fields []reflect.StructField
	var order []string
	sub := map[string][]string{}
	for _, n := range names {
		head, rest, _ := strings.Cut(n, ".")
		if _, seen := sub[head]; !seen {
			order = append(order, head)
		}
		sub[head] = append(sub[head], rest)
	}
	for i, head := range order {
		here := append(append([]int(nil), at...), i)
		var t reflect.Type
		if len(sub[head]) == 1 && sub[head][0] == "" {
			cs.at[prefix+head] = here
			t = leafType()
		} else {
			t = cs.build(sub[head], prefix+head+".", here)
		}
		fields = append(fields, reflect.StructField{Name: "F" + strconv.Itoa(i), Type: t, Tag: reflect.StructTag(`expr:"` + head + `"`)})
	}
	return reflect.StructOf(fields)
}

func leafType() reflect.Type {
	fields := make([]reflect.StructField, len(changeFields))
	for i, f := range changeFields {
		fields[i] = reflect.StructField{Name: "F" + strconv.Itoa(i), Type: f.typ, Tag: reflect.StructTag(`expr:"` + f.name + `"`)}
	}
	return reflect.StructOf(fields)
}

// exprVar is the variable as schema's expression environment declares it.
func (cs *changeSpace) exprVar() schema.ExprVar {
	return schema.ExprVar{Name: "change", Type: cs.typ, Leaves: cs.leaves}
}

// value fills the variable from the deltas of one candidate at one stage
// level.
func (cs *changeSpace) value(s *StageComparison, ci int) any {
	v := reflect.New(cs.typ).Elem()
	for _, d := range s.Deltas {
		at, ok := cs.at[d.Metric]
		if d.Candidate != ci || !ok {
			continue
		}
		g := v.FieldByIndex(at)
		for i, f := range changeFields {
			g.Field(i).Set(reflect.ValueOf(f.get(d)))
		}
	}
	return v.Interface()
}

// unreadable says why the change.* names read cannot be evaluated at one
// stage level: a metric that was not compared (--window), has no value
// in a run or not enough data for an interval. A gate that cannot be
// checked must not pass.
func (cs *changeSpace) unreadable(reads []string, s *StageComparison, ci int) error {
	var why []string
	for _, r := range reads {
		name := strings.TrimPrefix(r, "change.")
		name = name[:strings.LastIndex(name, ".")]
		d, ok := deltaOf(s, ci, name)
		msg := ""
		switch {
		case !ok:
			msg = "change." + name + " was not compared (see --window)"
		case d.Verdict == NotMeasured:
			msg = "change." + name + ": " + d.Absent
		case d.Verdict == NotEnoughData:
			msg = "change." + name + ": " + d.Missing
		}
		if msg != "" && !slices.Contains(why, msg) {
			why = append(why, msg)
		}
	}
	if len(why) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(why, "; "))
}

func deltaOf(s *StageComparison, ci int, metric string) (Delta, bool) {
	for _, d := range s.Deltas {
		if d.Candidate == ci && d.Metric == metric {
			return d, true
		}
	}
	return Delta{}, false
}
