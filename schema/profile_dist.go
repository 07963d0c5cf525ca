package schema

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/invopop/jsonschema"
)

// This file is the profile language: how long the prompts and outputs of a
// profile's requests are (a fixed count, a distribution, or a weighted mix
// of pairs), and which leading tokens they share. The engine's request
// source (engine/traffic) draws every request's lengths from it.

// Length distributions accepted by Length.Distribution.
const (
	LengthUniform   = "uniform"
	LengthNormal    = "normal"
	LengthLognormal = "lognormal"
)

// Length is a token length: a fixed count (written as an integer), or a
// distribution each request draws its own length from (written as a
// mapping). Uniform is {min, max}; normal and lognormal are {mean, stddev,
// min, max}, the mean and stddev those of the lengths themselves, clipped to
// [min, max]. The defaults pass names the distribution when the file leaves
// it out (normal when mean or stddev is given, else uniform) and sets the
// min of a normal or lognormal length to DefaultLengthMin.
type Length struct {
	// Fixed is the length of every request; 0 for a distribution.
	Fixed int `yaml:"-" json:"-"`
	// Distribution is uniform, normal or lognormal.
	Distribution string `yaml:"distribution,omitempty" json:"distribution,omitempty"`
	// Min is the shortest length sent (a normal or lognormal one is clipped here).
	Min int `yaml:"min,omitempty" json:"min,omitempty"`
	// Max is the longest length sent; validate checks it against max_model_len.
	Max int `yaml:"max,omitempty" json:"max,omitempty"`
	// Mean is the mean length of a normal or lognormal distribution (before clipping).
	Mean float64 `yaml:"mean,omitempty" json:"mean,omitempty"`
	// Stddev is the standard deviation of a normal or lognormal distribution (before clipping).
	Stddev float64 `yaml:"stddev,omitempty" json:"stddev,omitempty"`
}

// Fixed returns the length of n tokens for every request.
func Fixed(n int) Length { return Length{Fixed: n} }

// IsFixed reports whether every request has the same length.
func (l Length) IsFixed() bool {
	return l.Distribution == "" && l.Min == 0 && l.Max == 0 && l.Mean == 0 && l.Stddev == 0
}

// IsZero reports an unset length, so that omitempty leaves it out.
func (l Length) IsZero() bool { return l == Length{} }

// Largest is the longest length a request can ask for.
func (l Length) Largest() int {
	if l.IsFixed() {
		return l.Fixed
	}
	return l.Max
}

// Smallest is the shortest length a request can ask for.
func (l Length) Smallest() int {
	if l.IsFixed() {
		return l.Fixed
	}
	return l.Min
}

// String is the length as the plan and messages show it: "512",
// "uniform 128..1024", "normal mean 512 stddev 128 in 1..2048".
func (l Length) String() string {
	switch {
	case l.IsFixed():
		return strconv.Itoa(l.Fixed)
	case l.Distribution == LengthUniform:
		return "uniform " + strconv.Itoa(l.Min) + ".." + strconv.Itoa(l.Max)
	}
	return l.Distribution + " mean " + fmtNum(l.Mean) + " stddev " + fmtNum(l.Stddev) +
		" in " + strconv.Itoa(l.Min) + ".." + strconv.Itoa(l.Max)
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// lengthFields is Length without its methods: the mapping form.
type lengthFields Length

// UnmarshalYAML reads `512` or a distribution mapping. The document passed
// the shape check, so anything that is not a mapping is an integer.
func (l *Length) UnmarshalYAML(node ast.Node) error {
	if node.Type() == ast.MappingType || node.Type() == ast.MappingValueType {
		var f lengthFields
		if err := yaml.NodeToValue(node, &f, yaml.Strict()); err != nil {
			return err
		}
		*l = Length(f)
		return nil
	}
	var n int
	if err := yaml.NodeToValue(node, &n, yaml.Strict()); err != nil {
		return err
	}
	*l = Fixed(n)
	return nil
}

// MarshalYAML writes the length the way it was given, so Validate checks a
// scenario changed in memory exactly like a file.
func (l Length) MarshalYAML() (any, error) {
	if l.IsFixed() {
		return l.Fixed, nil
	}
	return lengthFields(l), nil
}

// MarshalJSON writes a fixed length as a number, as run.json always has.
func (l Length) MarshalJSON() ([]byte, error) {
	if l.IsFixed() {
		return json.Marshal(l.Fixed)
	}
	return json.Marshal(lengthFields(l))
}

// UnmarshalJSON reads a number or a distribution object.
func (l *Length) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*l = Fixed(n)
		return nil
	}
	var f lengthFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*l = Length(f)
	return nil
}

// JSONSchema describes the two forms of a length.
func (Length) JSONSchema() *jsonschema.Schema {
	count := func(title string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "integer", Minimum: "1", Maximum: json.Number(strconv.Itoa(math.MaxInt32)), Title: title}
	}
	positive := func(title string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "number", ExclusiveMinimum: "0", Maximum: json.Number(strconv.Itoa(math.MaxInt32)), Title: title}
	}
	props := jsonschema.NewProperties()
	props.Set("distribution", &jsonschema.Schema{Type: "string", Enum: []any{LengthUniform, LengthNormal, LengthLognormal},
		Description: "uniform, normal or lognormal; default normal when mean or stddev is given, else uniform"})
	props.Set("min", count("a positive integer"))
	props.Set("max", count("a positive integer"))
	props.Set("mean", positive("a positive number"))
	props.Set("stddev", positive("a positive number"))
	return &jsonschema.Schema{
		Description: "Token length: an integer, or a distribution: uniform {min, max}, normal {mean, stddev, min, max} " +
			"(clipped to [min, max]) or {distribution: lognormal, mean, stddev, min, max}.",
		OneOf: []*jsonschema.Schema{
			count("a positive integer"),
			{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema,
				Title: "a distribution such as {min: 128, max: 1024} or {mean: 512, stddev: 128, max: 2048}"},
		},
	}
}

// MixEntry is one (input, output) pair of a mix, drawn with probability
// weight / (sum of the weights).
type MixEntry struct {
	Weight float64 `yaml:"weight" json:"weight" jsonschema:"exclusiveMinimum=0,title=a positive number"`
	Input  Length  `yaml:"input" json:"input"`
	Output Length  `yaml:"output" json:"output"`
}

// Prefix group assignments accepted by Prefix.Assign.
const (
	AssignRoundRobin = "round_robin"
	AssignRandom     = "random"
)

// MaxPrefixGroups bounds prefix.groups: each group's prefix starts with a
// token of its own, and there are only so many distinct ones to start with
// (engine/prompt checks it has enough).
const MaxPrefixGroups = 10_000

// Prefix makes requests share leading tokens, as system prompts, RAG
// documents and few-shot examples do: each request belongs to one of
// Groups groups and its prompt begins with that group's Tokens-token prefix,
// followed by its own input. One group is vLLM's --random-prefix-len; more
// are inference-perf's shared_prefix.
type Prefix struct {
	// Tokens is the length of each group's prefix, added to the profile's input.
	Tokens int `yaml:"tokens" json:"tokens" jsonschema:"minimum=1"`
	// Groups is the number of distinct prefixes (default 1).
	Groups int `yaml:"groups,omitempty" json:"groups,omitempty" jsonschema:"minimum=1"`
	// Assign says how a request finds its group: round_robin (request i in group i mod groups, the default) or random (seeded).
	Assign string `yaml:"assign,omitempty" json:"assign,omitempty"`
}

// Entries is the profile as a mix: its own mix, or its one (input, output) pair.
func (p Profile) Entries() []MixEntry {
	if len(p.Mix) > 0 {
		return p.Mix
	}
	return []MixEntry{{Weight: 1, Input: p.Input, Output: p.Output}}
}

// PrefixTokens is the length of the profile's shared prefix, 0 without one.
func (p Profile) PrefixTokens() int {
	if p.Prefix == nil {
		return 0
	}
	return p.Prefix.Tokens
}

// IsFixed reports whether every request of the profile asks for the same
// lengths with no shared prefix, as every profile did before distributions.
func (p Profile) IsFixed() bool {
	return p.Dataset == nil && len(p.Mix) == 0 && p.Prefix == nil && p.Input.IsFixed() && p.Output.IsFixed()
}

// FixedLengths are the prompt (prefix included) and output lengths every
// request of the profile asks for; ok is false when they vary.
func (p Profile) FixedLengths() (input, output int, ok bool) {
	if p.Dataset != nil || len(p.Mix) > 0 || !p.Input.IsFixed() || !p.Output.IsFixed() {
		return 0, 0, false
	}
	return p.PrefixTokens() + p.Input.Fixed, p.Output.Fixed, true
}

// Worst is the largest request the profile can send: its prefix, and the
// input and output of the entry whose largest lengths add up to most.
func (p Profile) Worst() (prefix, input, output int) {
	for _, e := range p.Entries() {
		if in, out := e.Input.Largest(), e.Output.Largest(); in+out > input+output {
			input, output = in, out
		}
	}
	return p.PrefixTokens(), input, output
}
