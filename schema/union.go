package schema

import (
	"fmt"
	"math"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// maxLevels bounds how many levels a {from, to, step} range may expand to, so a
// typo such as step 0.0001 cannot allocate without bound.
const maxLevels = 10000

// levelRange is the mapping form of Levels and RateLevels.
type levelRange struct {
	From *float64 `yaml:"from"`
	To   *float64 `yaml:"to"`
	Step *float64 `yaml:"step"`
}

var levelRangeKeys = []string{"from", "to", "step"}

// UnmarshalYAML reads `8`, `[1, 2, 4]` or `{from: 1, to: 32, step: 1}`.
// Invalid ranges (descending, step <= 0) keep From/To/Step and leave Values
// empty, so validation can say precisely what is wrong.
func (l *Levels) UnmarshalYAML(node ast.Node) error {
	var vals []float64
	var r levelRange
	if err := decodeUnion(node, &vals, &r); err != nil {
		return err
	}
	*l = Levels{}
	if r.From != nil || r.To != nil {
		l.From, l.To, l.Step = int(deref(r.From)), int(deref(r.To)), int(derefOr(r.Step, 1))
		l.Values = expandInts(l.From, l.To, l.Step)
		return nil
	}
	for _, v := range vals {
		if v != math.Trunc(v) {
			return fmt.Errorf("concurrency must be a whole number, got %v", v)
		}
		l.Values = append(l.Values, int(v))
	}
	return nil
}

// UnmarshalYAML reads `10`, `[2, 5, 10]` or `{from: 1, to: 10, step: 0.5}`.
func (l *RateLevels) UnmarshalYAML(node ast.Node) error {
	var vals []float64
	var r levelRange
	if err := decodeUnion(node, &vals, &r); err != nil {
		return err
	}
	*l = RateLevels{}
	if r.From != nil || r.To != nil {
		l.From, l.To, l.Step = deref(r.From), deref(r.To), derefOr(r.Step, 1)
		l.Values = expandFloats(l.From, l.To, l.Step)
		return nil
	}
	l.Values = vals
	return nil
}

// UnmarshalYAML reads a profile name or a list of names.
func (p *ProfileRef) UnmarshalYAML(node ast.Node) error {
	if s, ok := unwrap(node).(*ast.SequenceNode); ok {
		var names []string
		if err := yaml.NodeToValue(s, &names, yaml.Strict()); err != nil {
			return err
		}
		*p = names
		return nil
	}
	var name string
	if err := yaml.NodeToValue(node, &name, yaml.Strict()); err != nil {
		return err
	}
	*p = ProfileRef{name}
	return nil
}

// decodeUnion decodes a scalar or list into vals, or a mapping into r. The
// outer decoder's Strict option is not inherited, so it is passed again.
func decodeUnion(node ast.Node, vals *[]float64, r *levelRange) error {
	switch n := unwrap(node).(type) {
	case *ast.MappingNode:
		return yaml.NodeToValue(n, r, yaml.Strict())
	case *ast.SequenceNode:
		return yaml.NodeToValue(n, vals, yaml.Strict())
	case *ast.NullNode, nil:
		return nil
	default:
		var v float64
		if err := yaml.NodeToValue(n, &v, yaml.Strict()); err != nil {
			return err
		}
		*vals = []float64{v}
		return nil
	}
}

// unwrap strips tags and anchors; the decoder has already resolved aliases.
func unwrap(n ast.Node) ast.Node {
	for range maxDepth {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
	return n
}

func deref(p *float64) float64 { return derefOr(p, 0) }

func derefOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// expandInts lists from..to by step, or nil when the range is invalid or too long.
func expandInts(from, to, step int) []int {
	if step <= 0 || from > to || (to-from)/step >= maxLevels {
		return nil
	}
	var out []int
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

// expandFloats lists from..to by step; the count is computed up front so that
// floating-point accumulation can neither skip nor add the last level.
func expandFloats(from, to, step float64) []float64 {
	if !(step > 0) || !(from <= to) || math.IsInf(to-from, 0) {
		return nil
	}
	n := math.Floor((to-from)/step + 1e-9)
	if n >= maxLevels {
		return nil
	}
	out := make([]float64, 0, int(n)+1)
	for i := 0; i <= int(n); i++ {
		v := from + float64(i)*step
		out = append(out, math.Round(v*1e9)/1e9)
	}
	return out
}
