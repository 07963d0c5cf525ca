package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/invopop/jsonschema"
)

// Matrix compares server configurations in one scenario, the way `vllm
// bench sweep` does: every variant runs the whole stage list against its
// own server, started before its first stage and stopped after its last,
// one variant after another. A variant is the scenario with a partial
// scenario (a VariantSpec) merged over it and the values of its axes
// substituted; it is checked by the same shape check and the same
// validation as any scenario. Variants differ only in server, model and
// api: stages, thresholds and reports stay the same, so their results
// compare level by level.
type Matrix struct {
	// Axes is a cross product of named values; every combination is one
	// variant, named after its values (tp2-seqs128). A plain name (tp) is
	// substituted wherever a server, model or api string says ${matrix.tp};
	// a key path (server.builtin.max_num_seqs) sets that key.
	Axes Axes `yaml:"axes,omitempty" json:"axes,omitempty"`
	// Variants are named partial scenarios merged over the scenario; with
	// axes, every variant is crossed with every combination of them.
	Variants []VariantSpec `yaml:"variants,omitempty" json:"variants,omitempty" jsonschema:"minItems=1"`
}

// VariantSpec is one named variant: a partial scenario merged over the
// scenario key by key (a mapping merges, a list or value replaces), with
// extra server arguments. Naming a server kind (builtin, command or
// docker) replaces the scenario's kind.
type VariantSpec struct {
	// Name names the variant in step IDs, reports and `when: variant == "..."`:
	// letters, digits, '.', '_' and '-'.
	Name string `yaml:"name" json:"name"`
	// Args are appended to server.command, or to server.docker.args.
	Args []string `yaml:"args,omitempty" json:"args,omitempty"`
	// Server is merged over the scenario's server block.
	Server *Server `yaml:"server,omitempty" json:"server,omitempty"`
	// Model is merged over the scenario's model block.
	Model *Model `yaml:"model,omitempty" json:"model,omitempty"`
	// API is merged over the scenario's api block.
	API *API `yaml:"api,omitempty" json:"api,omitempty"`
}

// Axes are the matrix's axes in the order the file writes them: the first
// axis varies slowest, as in the variant names.
type Axes []Axis

// Axis is one named list of values: int64, float64, bool or string, as
// written.
type Axis struct {
	Name   string
	Values []any
}

// AxisSetting is the value one variant takes on one axis, as text.
type AxisSetting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Variant is one resolved variant of a scenario: its name, its axis values
// and the complete, validated scenario it runs (without a matrix).
type Variant struct {
	Name     string
	Axes     []AxisSetting
	Scenario *Scenario
}

// Variants returns the configurations the scenario runs, in order: one per
// matrix variant, or the scenario itself (named "") without a matrix. A
// scenario with a matrix that did not come from Load has none.
func (s *Scenario) Variants() []Variant {
	if s.Matrix == nil {
		return []Variant{{Scenario: s}}
	}
	return s.variants
}

// JSONSchema describes axes: a mapping of axis names to lists of values.
// Names are checked by validation, which words the rule better than a
// pattern could.
func (Axes) JSONSchema() *jsonschema.Schema {
	minItems := uint64(1)
	item := &jsonschema.Schema{Title: "a string, number or boolean", OneOf: []*jsonschema.Schema{
		{Type: "string"}, {Type: "number"}, {Type: "boolean"}}}
	return &jsonschema.Schema{
		Type:        "object",
		Description: "Axis name (substituted as ${matrix.NAME}) or key path (server.builtin.max_num_seqs) -> its values.",
		AdditionalProperties: &jsonschema.Schema{Type: "array", Items: item, MinItems: &minItems,
			Title: "a list of values such as [2, 4]"},
	}
}

// UnmarshalYAML reads the axes mapping in file order.
func (a *Axes) UnmarshalYAML(node ast.Node) error {
	m, ok := node.(*ast.MappingNode)
	if !ok {
		return fmt.Errorf("matrix.axes must be a mapping")
	}
	*a = nil
	for _, mv := range m.Values {
		ax := Axis{Name: keyString(mv.Key)}
		seq, ok := mv.Value.(*ast.SequenceNode)
		if !ok {
			return fmt.Errorf("matrix.axes.%s must be a list", ax.Name)
		}
		for _, v := range seq.Values {
			val, err := axisValueOf(v)
			if err != nil {
				return fmt.Errorf("matrix.axes.%s: %w", ax.Name, err)
			}
			ax.Values = append(ax.Values, val)
		}
		*a = append(*a, ax)
	}
	return nil
}

// axisValueOf is the value of one scalar node.
func axisValueOf(n ast.Node) (any, error) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return x, nil
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x), nil
			}
			return float64(x), nil
		}
	case *ast.FloatNode:
		return number(v.Value), nil
	case *ast.BoolNode:
		return v.Value, nil
	case *ast.StringNode:
		return v.Value, nil
	}
	return nil, fmt.Errorf("a value must be a string, number or boolean, got %s", describeNode(n))
}

// MarshalYAML writes the axes as a mapping in their order.
func (a Axes) MarshalYAML() (any, error) {
	out := make(yaml.MapSlice, len(a))
	for i, ax := range a {
		out[i] = yaml.MapItem{Key: ax.Name, Value: ax.Values}
	}
	return out, nil
}

// MarshalJSON writes the axes as an object whose keys keep their order.
func (a Axes) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, ax := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(ax.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(ax.Values)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads an axes object in key order (run.json).
func (a *Axes) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("matrix.axes must be an object")
	}
	*a = nil
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var vals []any
		if err := dec.Decode(&vals); err != nil {
			return fmt.Errorf("matrix.axes.%s: %w", name, err)
		}
		for i, v := range vals {
			if n, ok := v.(json.Number); ok {
				f, _ := n.Float64()
				vals[i] = number(f)
			}
		}
		*a = append(*a, Axis{Name: name, Values: vals})
	}
	_, err := dec.Token()
	return err
}

// axisText is a value as it appears in variant names and substitutions.
func axisText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// keepStages keeps the stages at the given indexes, in that order, in the
// scenario and in every variant (whose stages are the scenario's).
func (s *Scenario) keepStages(idx []int) {
	pick := func(stages []Stage) []Stage {
		out := make([]Stage, 0, len(idx))
		for _, i := range idx {
			if i < len(stages) {
				out = append(out, stages[i])
			}
		}
		return out
	}
	s.Stages = pick(s.Stages)
	for _, v := range s.variants {
		v.Scenario.Stages = pick(v.Scenario.Stages)
	}
}
