package main

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadmeMetricTableIsGenerated keeps the README's metric table equal
// to the catalogue the threshold compiler uses.
func TestReadmeMetricTableIsGenerated(t *testing.T) {
	var buf bytes.Buffer
	if err := schema.WriteMetricReference(&buf); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(l, "|") {
			want = append(want, l)
		}
	}
	doc := readme(t)
	begin := strings.Index(doc, "<!-- metrics:begin -->\n")
	end := strings.Index(doc, "\n<!-- metrics:end -->")
	if begin < 0 || end < begin {
		t.Fatal("README lost its metrics:begin/end markers")
	}
	got := doc[begin+len("<!-- metrics:begin -->\n") : end]
	if got != strings.Join(want, "\n") {
		t.Errorf("README metric table is stale: replace it with the table of schema/METRICS.md")
	}
}

// TestReadmeListsEverySchemaKey checks the scenario reference against the
// JSON Schema: every property the schema knows is named in the README.
func TestReadmeListsEverySchemaKey(t *testing.T) {
	var s map[string]any
	if err := json.Unmarshal(schema.JSONSchema(), &s); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	collectKeys(s, keys)
	doc := readme(t)
	for k := range keys {
		re := regexp.MustCompile(`(?m)(^\s*(- )?` + regexp.QuoteMeta(k) + `:|[{ ,]` + regexp.QuoteMeta(k) + `:|` + "`" + regexp.QuoteMeta(k) + "`)")
		if !re.MatchString(doc) {
			t.Errorf("the README's scenario reference does not mention the key %q", k)
		}
	}
	if len(keys) < 40 {
		t.Errorf("only %d keys found in the schema: the walk is broken", len(keys))
	}
}

func collectKeys(v any, keys map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if props, ok := v["properties"].(map[string]any); ok {
			for k := range props {
				keys[k] = true
			}
		}
		for _, child := range v {
			collectKeys(child, keys)
		}
	case []any:
		for _, child := range v {
			collectKeys(child, keys)
		}
	}
}
