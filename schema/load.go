package schema

import (
	"fmt"
	"os"
	"reflect"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads, decodes, expands (${VAR} from the process environment),
// defaults and validates the scenario at path. On any problem it returns a
// *Diagnostics listing every problem of the file at once.
func Load(path string) (*Scenario, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return LoadBytes(path, src, os.LookupEnv)
}

// LoadBytes is Load for a scenario already in memory; name is used in
// diagnostics and as the default scenario name; env looks variables up (nil:
// no variable is set).
func LoadBytes(name string, src []byte, env func(string) (string, bool)) (*Scenario, error) {
	r := newReporter(name, src)
	sc := load(r, src, env)
	if err := r.result(); err != nil {
		return nil, err
	}
	return sc, nil
}

// load runs the pipeline: parse, version, structural walk, strict decode,
// defaults, semantic validation. Each step adds to r; a step runs only when
// its input is trustworthy.
func load(r *reporter, src []byte, env func(string) (string, bool)) *Scenario {
	root := parse(r, src)
	if root == nil || !checkVersion(r, root) {
		return nil
	}
	w := &walker{r: r, env: env, anchors: collectAnchors(root)}
	w.walk("", root, reflect.TypeFor[Scenario]())
	r.structural = len(r.diags)
	sc := &Scenario{}
	opts := []yaml.DecodeOption{yaml.Strict(), yaml.AllowFieldPrefixes("x-"), yaml.AllowDuplicateMapKey()}
	if err := yaml.NodeToValue(root, sc, opts...); err != nil {
		r.fromYAMLError("", err)
		return nil
	}
	sc.File = r.file
	applyDefaults(sc, r.present)
	validate(sc, r)
	return sc
}

// parse returns the body of the single YAML document in src, or nil after
// reporting why there is none.
func parse(r *reporter, src []byte) ast.Node {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		r.fromYAMLError("", err)
		return nil
	}
	var bodies []ast.Node
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			bodies = append(bodies, d.Body)
		}
	}
	switch {
	case len(bodies) == 0:
		r.errorf("", "the scenario is empty: start it with \"version: %d\"", ScenarioVersion)
		return nil
	case len(bodies) > 1:
		r.errorAt("", bodies[1].GetToken(), "a scenario file holds one YAML document; found %d", len(bodies))
		return nil
	}
	body := bodies[0]
	if _, ok := unwrap(body).(*ast.MappingNode); !ok {
		r.errorAt("", body.GetToken(), "the scenario must be a mapping with version, stages and so on, got %s", describe(unwrap(body)))
		return nil
	}
	r.nodes[""] = unwrap(body)
	return unwrap(body)
}

// checkVersion reads version: loosely before anything else, because a file
// written for another version of the language would otherwise drown in
// unrelated errors.
func checkVersion(r *reporter, root ast.Node) bool {
	for _, mv := range root.(*ast.MappingNode).Values {
		if keyString(mv.Key) != "version" || mv.Value == nil {
			continue
		}
		tok := mv.Value.GetToken()
		if n, ok := unwrap(mv.Value).(*ast.IntegerNode); ok && fmt.Sprint(n.Value) == fmt.Sprint(ScenarioVersion) {
			return true
		}
		r.errorAt("version", tok, "unsupported scenario version %s: this build reads version %d", quote(tok.Value), ScenarioVersion)
		return false
	}
	r.errorf("", "missing version: add \"version: %d\" at the top of the file", ScenarioVersion)
	return false
}

// collectAnchors maps anchor names to their values so the walker can follow aliases.
func collectAnchors(root ast.Node) map[string]ast.Node {
	v := anchorVisitor{}
	ast.Walk(v, root)
	return v
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil && a.Name.GetToken() != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// dedupe drops repeated diagnostics: a bad anchor reached through several
// aliases is reported once.
func dedupe(r *reporter) {
	seen := map[string]bool{}
	out := r.diags[:0]
	for _, d := range r.diags {
		k := fmt.Sprintf("%d:%d:%s", d.Line, d.Column, d.Message)
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	r.diags = out
}
