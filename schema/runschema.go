package schema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/invopop/jsonschema"
)

// runSchemaJSON is the committed run.schema.json: the contract of run.json
// for tools other than servebench (dashboards, notebooks). A test fails when
// it is stale, and `go generate ./schema` rewrites it.
//
//go:embed run.schema.json
var runSchemaJSON []byte

// RunJSONSchema returns the JSON Schema of run.json (schema_version
// RunSchemaVersion).
func RunJSONSchema() []byte { return runSchemaJSON }

// RunSchemaID is the $id of the run result schema.
const RunSchemaID = "https://github.com/servebench/servebench/schema/run.schema.json"

// GenerateRunSchema reflects the run result types into a JSON Schema;
// srcDir is this package's source directory, whose doc comments become
// descriptions.
func GenerateRunSchema(srcDir string) ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "json", ExpandedStruct: true, Mapper: jsonFormOfUnions}
	if err := r.AddGoComments("github.com/servebench/servebench/schema", srcDir); err != nil {
		return nil, fmt.Errorf("read doc comments: %w", err)
	}
	s := r.Reflect(&Run{})
	nullableDist(s)
	s.ID = RunSchemaID
	s.Title = fmt.Sprintf("servebench run result (schema_version %d)", RunSchemaVersion)
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode run schema: %w", err)
	}
	return append(out, '\n'), nil
}

// jsonFormOfUnions describes the union types as run.json stores them (the
// expanded form), not as a scenario file may write them: in run.json a
// concurrency is always {"values": [...], "from", "to", "step"}.
func jsonFormOfUnions(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeOf(Levels{}):
		return expandedLevels("integer")
	case reflect.TypeOf(RateLevels{}):
		return expandedLevels("number")
	}
	return nil
}

// nullableDist lets every distribution be null, as Dist.MarshalJSON writes
// an absent one.
func nullableDist(s *jsonschema.Schema) {
	d, ok := s.Definitions["Dist"]
	if !ok {
		return
	}
	desc := d.Description + " null when nothing was measured (e.g. TPOT without streaming)."
	d.Description = ""
	s.Definitions["Dist"] = &jsonschema.Schema{Description: desc,
		OneOf: []*jsonschema.Schema{d, {Type: "null"}}}
}

func expandedLevels(item string) *jsonschema.Schema {
	props := jsonschema.NewProperties()
	props.Set("values", &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: item},
		Description: "the expanded, ascending levels"})
	for _, k := range []string{"from", "to", "step"} {
		props.Set(k, &jsonschema.Schema{Type: item})
	}
	return &jsonschema.Schema{Type: "object", Properties: props, Required: []string{"values"},
		AdditionalProperties: jsonschema.FalseSchema}
}
