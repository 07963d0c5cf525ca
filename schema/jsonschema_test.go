package schema

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// TestJSONSchemaIsFresh fails when scenario.schema.json no longer matches the
// Go types: run `go generate ./schema`.
func TestJSONSchemaIsFresh(t *testing.T) {
	got, err := GenerateJSONSchema(".")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, JSONSchema()) {
		t.Fatal("scenario.schema.json is stale: run `go generate ./schema` and commit the result")
	}
}

// TestMetricReferenceIsFresh fails when METRICS.md no longer matches MetricDocs.
func TestMetricReferenceIsFresh(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(MetricReferenceTitle)
	if err := WriteMetricReference(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), mustRead(t, "METRICS.md")) {
		t.Fatal("METRICS.md is stale: run `go generate ./schema` and commit the result")
	}
}

func compileSchema(t *testing.T) *sjs.Schema {
	t.Helper()
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(JSONSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := sjs.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateWithSchema(t *testing.T, s *sjs.Schema, file string) error {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatalf("%s: yaml to json: %v", file, err)
	}
	inst, err := sjs.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// TestScenarios validates every shipped scenario with both the loader and
// the JSON Schema editors use, so neither can drift from the examples.
func TestScenarios(t *testing.T) {
	s := compileSchema(t)
	files, _ := filepath.Glob("../scenarios/*.yaml")
	if len(files) < 7 {
		t.Fatalf("want at least 7 scenarios, found %d", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			env := func(string) (string, bool) { return "", false }
			if _, err := LoadBytes(file, mustRead(t, file), env); err != nil {
				t.Errorf("load: %v", err)
			}
			if err := validateWithSchema(t, s, file); err != nil {
				t.Errorf("json schema: %v", err)
			}
		})
	}
}

// TestJSONSchemaRejects checks that the schema is strict where editors
// benefit: unknown keys, wrong union forms, missing required fields.
func TestJSONSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	for _, name := range []string{"unknown-key-stage", "unknown-key-top", "wrong-type-concurrency",
		"missing-stage-name", "missing-threshold-expr", "bad-duration", "wrong-type-command", "missing-version"} {
		if err := validateWithSchema(t, s, "testdata/"+name+".bad.yaml"); err == nil {
			t.Errorf("%s: the JSON Schema accepted it", name)
		}
	}
	for _, name := range []string{"anchors", "docker", "minimal"} {
		if err := validateWithSchema(t, s, "testdata/"+name+".good.yaml"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustRead(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRunSchemaIsFresh fails when run.schema.json no longer matches the run
// result types: run `go generate ./schema`.
func TestRunSchemaIsFresh(t *testing.T) {
	got, err := GenerateRunSchema(".")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, RunJSONSchema()) {
		t.Fatal("run.schema.json is stale: run `go generate ./schema` and commit the result")
	}
}
