package schema

import (
	"math"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// The decoders below run only on a document that already passed the shape
// check against scenario.schema.json (typecheck.go), so they decode by the
// node's kind and never have to explain a wrong one.

// levelRange is the mapping form of Levels and RateLevels.
type levelRange struct {
	From float64  `yaml:"from"`
	To   float64  `yaml:"to"`
	Step *float64 `yaml:"step"`
}

// step is the range's step; an omitted step is 1.
func (r levelRange) step() float64 {
	if r.Step == nil {
		return 1
	}
	return *r.Step
}

// NewLevels is the one constructor of a concurrency range, for the file's
// {from, to, step} and the command line's sweep flags alike. Values are
// listed only when the range is valid and no longer than MaxSteps, so no
// range can allocate without bound; validation reports every other range
// with its numbers (descending, step not positive, too many steps via Len).
func NewLevels(from, to, step int) *Levels {
	l := &Levels{From: from, To: to, Step: step}
	n := rangeLen(float64(from), float64(to), float64(step))
	if n <= MaxSteps {
		l.Values = make([]int, 0, n)
		for i := range n {
			l.Values = append(l.Values, from+i*step)
		}
	}
	return l
}

// NewRateLevels is NewLevels for request rates. The count is computed up
// front so that floating-point accumulation can neither skip nor add the
// last level.
func NewRateLevels(from, to, step float64) *RateLevels {
	l := &RateLevels{From: from, To: to, Step: step}
	n := rangeLen(from, to, step)
	if n <= MaxSteps {
		l.Values = make([]float64, 0, n)
		for i := range n {
			l.Values = append(l.Values, math.Round((from+float64(i)*step)*1e9)/1e9)
		}
	}
	return l
}

// rangeLen is how many levels from..to by step holds, without listing
// them: 0 for an empty or invalid range, at most 2^53 (where float64 stops
// counting exactly) so that products of counts cannot overflow int64 twice.
func rangeLen(from, to, step float64) int {
	if !(step > 0) || !(from <= to) {
		return 0
	}
	x := (to - from) / step
	return int(min(math.Floor(x+1e-9+x*1e-12)+1, 1<<53)) // slack for rounding: 0.1 * 3 is not 0.3
}

// IsRange reports whether the levels were written as {from, to, step}.
func (l *Levels) IsRange() bool { return l.From != 0 || l.To != 0 || l.Step != 0 }

// Len is how many levels the stage runs, counted without listing a range.
func (l *Levels) Len() int {
	if l.IsRange() {
		return rangeLen(float64(l.From), float64(l.To), float64(l.Step))
	}
	return len(l.Values)
}

// IsRange reports whether the rates were written as {from, to, step}.
func (l *RateLevels) IsRange() bool { return l.From != 0 || l.To != 0 || l.Step != 0 }

// Len is how many rates the stage runs, counted without listing a range.
func (l *RateLevels) Len() int {
	if l.IsRange() {
		return rangeLen(l.From, l.To, l.Step)
	}
	return len(l.Values)
}

// UnmarshalYAML reads `8`, `[1, 2, 4]` or `{from: 1, to: 32, step: 1}`.
func (l *Levels) UnmarshalYAML(node ast.Node) error {
	if m, ok := node.(*ast.MappingNode); ok {
		var r levelRange
		if err := yaml.NodeToValue(m, &r, yaml.Strict()); err != nil {
			return err
		}
		*l = *NewLevels(int(r.From), int(r.To), int(r.step()))
		return nil
	}
	*l = Levels{}
	return decodeOneOrMany(node, &l.Values)
}

// UnmarshalYAML reads `10`, `[2, 5, 10]` or `{from: 1, to: 10, step: 0.5}`.
func (l *RateLevels) UnmarshalYAML(node ast.Node) error {
	if m, ok := node.(*ast.MappingNode); ok {
		var r levelRange
		if err := yaml.NodeToValue(m, &r, yaml.Strict()); err != nil {
			return err
		}
		*l = *NewRateLevels(r.From, r.To, r.step())
		return nil
	}
	*l = RateLevels{}
	return decodeOneOrMany(node, &l.Values)
}

// UnmarshalYAML reads a profile name or a list of names.
func (p *ProfileRef) UnmarshalYAML(node ast.Node) error {
	return decodeOneOrMany(node, (*[]string)(p))
}

// decodeOneOrMany decodes a list into *vals, or a single value into a list
// of one.
func decodeOneOrMany[T any](node ast.Node, vals *[]T) error {
	if s, ok := node.(*ast.SequenceNode); ok {
		return yaml.NodeToValue(s, vals, yaml.Strict())
	}
	var v T
	if err := yaml.NodeToValue(node, &v, yaml.Strict()); err != nil {
		return err
	}
	*vals = []T{v}
	return nil
}

// MarshalYAML writes the levels the way they were given, so Validate can
// check a scenario changed in memory exactly like a file.
func (l Levels) MarshalYAML() (any, error) {
	if l.IsRange() {
		return map[string]int{"from": l.From, "to": l.To, "step": l.Step}, nil
	}
	return l.Values, nil
}

// MarshalYAML writes the rates the way they were given.
func (l RateLevels) MarshalYAML() (any, error) {
	if l.IsRange() {
		return map[string]float64{"from": l.From, "to": l.To, "step": l.Step}, nil
	}
	return l.Values, nil
}
