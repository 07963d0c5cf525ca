package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
)

//go:generate go run ./gen

// schemaJSON is the committed scenario.schema.json; a test fails when it is
// stale, and `go generate ./schema` rewrites it. It is the one description
// of a scenario's shape: editors complete and check against it, and the
// loader checks every file against it (typecheck.go) before decoding.
//
//go:embed scenario.schema.json
var schemaJSON []byte

// JSONSchema returns the JSON Schema of scenario files, for editors (the
// yaml-language-server comment at the top of a scenario) and other tools.
func JSONSchema() []byte { return schemaJSON }

// SchemaID is the $id of the scenario schema.
const SchemaID = "https://github.com/servebench/servebench/schema/scenario.schema.json"

// formatDuration names the schema format of Duration values; the loader
// registers its check (ParseDuration), editors ignore formats they do not know.
const formatDuration = "go-duration"

// requiredFields lists the keys a file must write; invopop would otherwise
// derive them from omitempty, which also marks defaulted keys as required.
var requiredFields = map[string][]string{
	"Stage":       {"name"},
	"Threshold":   {"expr"},
	"Docker":      {"image"},
	"MixEntry":    {"weight", "input", "output"},
	"Prefix":      {"tokens"},
	"SearchRange": {"from", "to"},
	"VariantSpec": {"name"},
	"Dataset":     {"file", "format"},
	"Replay":      {"file", "format"},
}

// GenerateJSONSchema reflects the scenario types into a JSON Schema; srcDir
// is this package's source directory, whose doc comments become descriptions.
// Titles are the words the loader's messages use ("must be <title>"), so
// they are written for people.
func GenerateJSONSchema(srcDir string) ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", ExpandedStruct: true, RequiredFromJSONSchemaTags: true, Mapper: intBounds}
	if err := r.AddGoComments("github.com/servebench/servebench/schema", srcDir); err != nil {
		return nil, fmt.Errorf("read doc comments: %w", err)
	}
	s := r.Reflect(&Scenario{})
	s.ID = SchemaID
	s.Title = "servebench scenario"
	s.Required = []string{"version", "stages"}
	s.PatternProperties = map[string]*jsonschema.Schema{"^x-": {Description: "free-form key for YAML anchors"}}
	for name, req := range requiredFields {
		if d, ok := s.Definitions[name]; ok {
			d.Required = req
		}
	}
	if p, ok := s.Properties.Get("version"); ok {
		p.Enum = []any{ScenarioVersion}
	}
	setEnum(s, "API", "endpoint", EndpointCompletions, EndpointChat)
	setEnum(s, "API", "prompt", PromptAuto, PromptTokens, PromptText)
	setEnum(s, "Stage", "distribution", DistPoisson, DistConstant, DistGamma)
	setEnum(s, "Prefix", "assign", AssignRoundRobin, AssignRandom)
	setDataEnums(s)
	setEnum(s, "Report", "formats", FormatMarkdown, FormatHTML, FormatJSON, FormatJUnit, FormatVLLM, FormatCSV)
	setItems(s, "Faults", "error_status", &jsonschema.Schema{Type: "integer", Minimum: "400", Maximum: "599",
		Title: "an HTTP error status from 400 to 599"})
	setItems(s, "Report", "percentiles", &jsonschema.Schema{Type: "number", ExclusiveMinimum: "0", ExclusiveMaximum: "100",
		Title: "a percentile strictly between 0 and 100"})
	if p := property(s, "Prefix", "groups"); p != nil {
		p.Maximum = json.Number(strconv.Itoa(MaxPrefixGroups))
	}
	if p := property(s, "Profile", "mix"); p != nil && p.Items != nil {
		p.Items.Title = "a mix entry {weight, input, output}"
	}
	if t, ok := s.Definitions["Threshold"]; ok {
		if p, ok := t.Properties.Get("expr"); ok {
			p.Description = "expr-lang boolean expression over the stage's metrics: " + strings.Join(metricNames(DefaultPercentiles), ", ")
			p.Examples = []any{"ttft.p99 < 500"}
		}
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return append(out, '\n'), nil
}

// intBounds gives every Go int the range of 32 bits (and int64 its own), so
// that sums such as input + output can never overflow and a value too big
// for its field is a shape error with a position, never a wrapped number.
func intBounds(t reflect.Type) *jsonschema.Schema {
	if t.PkgPath() != "" {
		return nil // a named type such as Duration describes itself
	}
	switch t.Kind() {
	case reflect.Int:
		return &jsonschema.Schema{Type: "integer", Minimum: json.Number(strconv.Itoa(math.MinInt32)), Maximum: json.Number(strconv.Itoa(math.MaxInt32))}
	case reflect.Int64:
		return &jsonschema.Schema{Type: "integer", Minimum: json.Number(strconv.Itoa(math.MinInt64)), Maximum: json.Number(strconv.Itoa(math.MaxInt64))}
	}
	return nil
}

// property returns a property schema of a definition, or nil.
func property(s *jsonschema.Schema, def, prop string) *jsonschema.Schema {
	d, ok := s.Definitions[def]
	if !ok {
		return nil
	}
	p, _ := d.Properties.Get(prop)
	return p
}

// setEnum restricts a string property (or the items of a list property) of
// a definition to the given values, so editors can complete them.
func setEnum(s *jsonschema.Schema, def, prop string, values ...string) {
	p := property(s, def, prop)
	if p == nil {
		return
	}
	if p.Items != nil {
		p = p.Items
	}
	for _, v := range values {
		p.Enum = append(p.Enum, v)
	}
}

// setItems replaces the item schema of a list property.
func setItems(s *jsonschema.Schema, def, prop string, items *jsonschema.Schema) {
	if p := property(s, def, prop); p != nil {
		p.Items = items
	}
}

// JSONSchema describes the three forms of a concurrency.
func (Levels) JSONSchema() *jsonschema.Schema {
	one := &jsonschema.Schema{Type: "integer", ExclusiveMinimum: "0", Maximum: json.Number(strconv.Itoa(math.MaxInt32)), Title: "a positive integer"}
	return levelsSchema(one, "a list of positive integers",
		"Concurrency: an integer, an ascending list, or {from, to, step} (step defaults to 1).")
}

// JSONSchema describes the three forms of a request rate.
func (RateLevels) JSONSchema() *jsonschema.Schema {
	one := &jsonschema.Schema{Type: "number", ExclusiveMinimum: "0", Title: "a positive number"}
	return levelsSchema(one, "a list of positive numbers",
		"Request rate in requests/s: a number, an ascending list, or {from, to, step} (step defaults to 1).")
}

func levelsSchema(one *jsonschema.Schema, listTitle, doc string) *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set("from", one)
	props.Set("to", one)
	props.Set("step", one)
	minItems := uint64(1)
	return &jsonschema.Schema{
		Description: doc,
		OneOf: []*jsonschema.Schema{
			one,
			{Type: "array", Items: one, MinItems: &minItems, Title: listTitle},
			{Type: "object", Properties: props, Required: []string{"from", "to"}, AdditionalProperties: jsonschema.FalseSchema,
				Title: "a range {from, to, step}"},
		},
	}
}

// JSONSchema describes a profile name or a list of names.
func (ProfileRef) JSONSchema() *jsonschema.Schema {
	name := &jsonschema.Schema{Type: "string", Title: "a profile name", Description: "built in: dev, safe, balanced, stress; or a key of profiles"}
	minItems := uint64(1)
	return &jsonschema.Schema{
		Description: "Token profile name, or a list of names (one stage per profile). Default safe.",
		OneOf:       []*jsonschema.Schema{name, {Type: "array", Items: name, MinItems: &minItems, Title: "a list of profile names"}},
	}
}

// JSONSchema describes a Go duration string; a bare 0 is accepted too
// (deadline: 0 means none). The format's check is ParseDuration itself.
func (Duration) JSONSchema() *jsonschema.Schema {
	const title = "a duration such as 30s or 5m"
	return &jsonschema.Schema{
		Description: "Duration with a unit, such as 500ms, 30s, 5m or 1h.",
		OneOf: []*jsonschema.Schema{
			{Type: "string", Format: formatDuration, Title: title, Pattern: `^\+?(0|([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+)$`},
			{Type: "integer", Format: formatDuration, Title: title},
		},
	}
}
