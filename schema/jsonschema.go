package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
)

//go:generate go run ./gen

// schemaJSON is the committed scenario.schema.json; a test fails when it is
// stale, and `go generate ./schema` rewrites it.
//
//go:embed scenario.schema.json
var schemaJSON []byte

// JSONSchema returns the JSON Schema of scenario files, for editors (the
// yaml-language-server comment at the top of a scenario) and other tools.
// The loader's own checks are stricter and have better messages.
func JSONSchema() []byte { return schemaJSON }

// SchemaID is the $id of the scenario schema.
const SchemaID = "https://github.com/servebench/servebench/schema/scenario.schema.json"

// requiredFields lists the keys a file must write; invopop would otherwise
// derive them from omitempty, which also marks defaulted keys as required.
var requiredFields = map[string][]string{
	"Stage":       {"name"},
	"Threshold":   {"expr"},
	"Docker":      {"image"},
	"Profile":     {"input", "output"},
	"SearchRange": {"from", "to"},
}

// GenerateJSONSchema reflects the scenario types into a JSON Schema; srcDir
// is this package's source directory, whose doc comments become descriptions.
func GenerateJSONSchema(srcDir string) ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", ExpandedStruct: true, RequiredFromJSONSchemaTags: true}
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
	setEnum(s, "API", "endpoint", EndpointCompletions, EndpointChat)
	setEnum(s, "API", "prompt", PromptAuto, PromptTokens, PromptText)
	setEnum(s, "Stage", "distribution", DistPoisson, DistConstant, DistGamma)
	setEnum(s, "Report", "formats", FormatMarkdown, FormatHTML, FormatJSON, FormatJUnit, FormatVLLM)
	if t, ok := s.Definitions["Threshold"]; ok {
		if p, ok := t.Properties.Get("expr"); ok {
			p.Description = "expr-lang boolean expression over the stage's metrics: " + strings.Join(metricNames(DefaultPercentiles), ", ")
		}
	}
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return append(out, '\n'), nil
}

// setEnum restricts a string property (or the items of a list property) of
// a definition to the given values, so editors can complete them.
func setEnum(s *jsonschema.Schema, def, prop string, values ...string) {
	d, ok := s.Definitions[def]
	if !ok {
		return
	}
	p, ok := d.Properties.Get(prop)
	if !ok {
		return
	}
	if p.Items != nil {
		p = p.Items
	}
	for _, v := range values {
		p.Enum = append(p.Enum, v)
	}
}

// JSONSchema describes the three forms of a concurrency.
func (Levels) JSONSchema() *jsonschema.Schema {
	return levelsSchema("integer", "1", "Concurrency: an integer, an ascending list, or {from, to, step} (step defaults to 1).")
}

// JSONSchema describes the three forms of a request rate.
func (RateLevels) JSONSchema() *jsonschema.Schema {
	s := levelsSchema("number", "", "Request rate in requests/s: a number, an ascending list, or {from, to, step} (step defaults to 1).")
	return s
}

func levelsSchema(typ, min, doc string) *jsonschema.Schema {
	one := &jsonschema.Schema{Type: typ}
	if min != "" {
		one.Minimum = json.Number(min)
	} else {
		one.ExclusiveMinimum = json.Number("0")
	}
	props := jsonschema.NewProperties()
	props.Set("from", one)
	props.Set("to", one)
	props.Set("step", one)
	minItems := uint64(1)
	return &jsonschema.Schema{
		Description: doc,
		OneOf: []*jsonschema.Schema{
			one,
			{Type: "array", Items: one, MinItems: &minItems},
			{Type: "object", Properties: props, Required: []string{"from", "to"}, AdditionalProperties: jsonschema.FalseSchema},
		},
	}
}

// JSONSchema describes a profile name or a list of names.
func (ProfileRef) JSONSchema() *jsonschema.Schema {
	name := &jsonschema.Schema{Type: "string", Description: "built in: dev, safe, balanced, stress; or a key of profiles"}
	minItems := uint64(1)
	return &jsonschema.Schema{
		Description: "Token profile name, or a list of names (one stage per profile). Default safe.",
		OneOf:       []*jsonschema.Schema{name, {Type: "array", Items: name, MinItems: &minItems}},
	}
}

// JSONSchema describes a Go duration string.
func (Duration) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
		Description: "Duration with a unit, such as 500ms, 30s, 5m or 1h.",
	}
}
