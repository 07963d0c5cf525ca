package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// Load reads, checks, expands (${VAR} from the process environment),
// defaults and validates the scenario file at path, and registers its
// secrets with the redaction funnel. On any problem it returns a
// *Diagnostics listing every problem of the file at once. Loading is
// bounded (MaxScenarioBytes, nesting, keys, expansion, plan size) and stops
// with ctx.Err() when ctx is cancelled.
func Load(ctx context.Context, path string) (*Scenario, error) {
	return LoadWithOverrides(ctx, path, Overrides{})
}

// LoadWithOverrides is Load with command-line overrides applied to the
// document before it is checked, so an override goes through exactly the
// checks a value in the file does; a problem with an overridden value names
// the flag or variable that set it.
func LoadWithOverrides(ctx context.Context, path string, ov Overrides) (*Scenario, error) {
	src, err := readScenario(path)
	if err != nil {
		return nil, err
	}
	r := newReporter(path, src)
	sc := load(ctx, r, src, os.LookupEnv, &ov)
	if sc != nil {
		sc.RegisterSecrets()
	}
	return result(ctx, r, sc)
}

// LoadBytes is Load for a scenario already in memory (tests, the built-in
// bench-client scenario); name is used in diagnostics and as the default
// scenario name; env looks variables up (nil: no variable is set). It does
// not register secrets: call RegisterSecrets when the scenario will be run.
func LoadBytes(name string, src []byte, env func(string) (string, bool)) (*Scenario, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	r := newReporter(name, src)
	return result(context.Background(), r, load(context.Background(), r, src, env, nil))
}

// Validate checks a scenario changed in memory exactly like a file: it is
// written as YAML and loaded again (without ${VAR} expansion). Positions in
// that text mean nothing to a user, so diagnostics read "FILE: message".
func Validate(sc *Scenario) error {
	src, err := yaml.Marshal(sc)
	if err != nil {
		return fmt.Errorf("validate %s: %w", sc.File, err)
	}
	r := newReporter(sc.File, nil)
	load(context.Background(), r, src, nil, nil)
	for i := range r.diags {
		r.diags[i].Line, r.diags[i].Column = 0, 0
	}
	return r.result()
}

// result is the outcome of one load: cancellation first, then diagnostics.
func result(ctx context.Context, r *reporter, sc *Scenario) (*Scenario, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", r.file, err)
	}
	if err := r.result(); err != nil {
		return nil, err
	}
	return sc, nil
}

// load runs the pipeline: bounds, parse, version, tree (aliases, merge
// keys, ${VAR}), overrides, shape check against the JSON Schema, decode,
// defaults, semantic validation. Each step adds to r; a step runs only when
// its input is trustworthy. env nil means values are taken as written.
func load(ctx context.Context, r *reporter, src []byte, env func(string) (string, bool), ov *Overrides) *Scenario {
	r.ctx = ctx
	if len(src) > MaxScenarioBytes {
		r.errorf("", "the scenario has %d bytes, more than the %d a scenario may have", len(src), MaxScenarioBytes)
		return nil
	}
	root := parse(r, src)
	if root == nil || !checkVersion(r, root) {
		return nil
	}
	b := &treeBuilder{ctx: ctx, r: r, env: env}
	tree, ok := b.build(root)
	if !ok {
		return nil
	}
	ov.apply(r, tree)
	checkDocumentShape(r, tree)
	r.structural = len(r.diags)
	sc, err := decode(tree)
	if err != nil {
		r.errorf("", "internal error: the checked scenario does not decode: %v", err)
		return nil
	}
	sc.File = r.file
	applyDefaults(sc, r.present)
	if ctx.Err() == nil {
		validateDocument(ctx, r, tree, sc)
	}
	ov.selectStages(r, sc)
	return sc
}

// decode turns the checked tree into a Scenario. The tree is plain data of
// the shape the schema describes, so it goes through JSON text into
// goccy/go-yaml's decoder (JSON is YAML), which knows the yaml tags and the
// union types' UnmarshalYAML. (goccy's ValueToNode would skip the text, but
// it keeps the quotes of strings that look like numbers.)
func decode(tree map[string]any) (*Scenario, error) {
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tree); err != nil {
		return nil, err
	}
	sc := &Scenario{}
	if err := yaml.UnmarshalWithOptions(js.Bytes(), sc, yaml.Strict()); err != nil {
		return nil, err
	}
	return sc, nil
}

// parse returns the body of the single YAML document in src, a mapping, or
// nil after reporting why there is none. The tokens are checked for the
// shapes that make the parser slow before they are parsed.
func parse(r *reporter, src []byte) *ast.MappingNode {
	tokens := lexer.Tokenize(string(src))
	if tk, msg := scanTokens(tokens); tk != nil {
		r.errorAt("", tk, "%s", msg)
		return nil
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		r.syntaxError(err)
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
	body := unwrap(bodies[0])
	m, ok := body.(*ast.MappingNode)
	if !ok {
		r.errorAt("", bodies[0].GetToken(), "the scenario must be a mapping with version, stages and so on, got %s", describeNode(body))
		return nil
	}
	r.nodes[""] = m
	return m
}

// unwrap strips anchors from the document body (tags are reported by the
// tree builder).
func unwrap(n ast.Node) ast.Node {
	for range maxDepth {
		a, ok := n.(*ast.AnchorNode)
		if !ok {
			return n
		}
		n = a.Value
	}
	return n
}

// checkVersion reads version: loosely before anything else, because a file
// written for another version of the language would otherwise drown in
// unrelated errors.
func checkVersion(r *reporter, root *ast.MappingNode) bool {
	for _, mv := range root.Values {
		if keyString(mv.Key) != "version" || mv.Value == nil {
			continue
		}
		tok := mv.Value.GetToken()
		if n, ok := mv.Value.(*ast.IntegerNode); ok && fmt.Sprint(n.Value) == fmt.Sprint(ScenarioVersion) {
			return true
		}
		r.errorAt("version", tok, "unsupported scenario version %s: this build reads version %d", quote(tok.Value), ScenarioVersion)
		return false
	}
	r.errorf("", "missing version: add \"version: %d\" at the top of the file", ScenarioVersion)
	return false
}
