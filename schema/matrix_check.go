package schema

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// MaxVariants bounds the variants of one matrix. Every variant starts a
// server (minutes on a GPU box); 64 covers a sweep of three axes of four
// values, and more is a typo in an axis.
const MaxVariants = 64

// validateDocument is the semantic check of a decoded scenario: the
// scenario itself without a matrix; with one, every variant, each checked
// like a file of its own and its problems reported once for all the
// variants that share them.
func validateDocument(ctx context.Context, r *reporter, tree map[string]any, sc *Scenario) {
	used := checkPlaceholders(r, tree, sc.Matrix)
	if sc.Matrix == nil {
		validate(sc, r)
		return
	}
	orderAxes(r, sc.Matrix)
	x := newExpansion(r, tree, sc.Matrix)
	sound, buildable := x.checkMatrix(used)
	if !buildable {
		return
	}
	var docs []*variantDoc
	var variants []Variant
	names := map[string]bool{}
	x.each(func(spec int, picks []int) {
		if ctx.Err() != nil {
			return
		}
		d := x.build(spec, picks)
		if len(d.name) > maxVariantName {
			if sound {
				r.errorf("matrix", "variant name %q is longer than %d characters (it names a file): give the variants shorter names or the axes shorter values", d.name, maxVariantName)
				sound = false
			}
			return
		}
		if names[d.name] {
			if sound { // else a problem already reported made the names collide
				r.errorf("matrix", "two variants are named %q: give the variants or the axis values distinct names", d.name)
			}
			return
		}
		names[d.name] = true
		vsc := x.check(d, len(docs) == 0)
		docs = append(docs, d)
		if vsc != nil {
			variants = append(variants, Variant{Name: d.name, Axes: d.axes, Scenario: vsc})
		}
	})
	mergeDiagnostics(r, docs)
	if len(variants) > 0 {
		x.checkPlanSize(variants[0].Scenario)
	}
	sc.variants = variants
}

// check runs one variant's document through the steps a file goes
// through after its tree is built. Stages and thresholds are the same in
// every variant, so thresholds are compiled once.
func (x *expansion) check(d *variantDoc, thresholds bool) *Scenario {
	checkShape(d.r, compiledShape().root, d.tree, "")
	d.r.structural = len(d.r.diags)
	vsc, err := decode(d.tree)
	if err != nil {
		d.r.errorf("", "internal error: variant %q does not decode: %v", d.name, err)
		return nil
	}
	vsc.File = x.r.file
	applyDefaults(vsc, d.r.present)
	vsc.Server.Log = variantLog(vsc.Server.Log, d.name)
	validateSettings(vsc, d.r)
	if thresholds {
		compileThresholds(vsc, d.r)
	}
	return vsc
}

var (
	axisName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	variantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// maxNameLen bounds a variant's own name; names appear in every step ID.
const maxNameLen = 64

// maxVariantName bounds a variant's whole name, axis values included: it
// is part of a file name (server-NAME.log), which may have 255 bytes.
const maxVariantName = 200

// checkMatrix checks what belongs to the matrix itself: axis and variant
// names, unused axes, and the size of the expansion. sound is false when
// it found a problem; buildable is false when variants cannot be built
// (an invalid key-path axis is left out of them).
func (x *expansion) checkMatrix(used placeholderUse) (sound, buildable bool) {
	m, r := x.m, x.r
	if len(m.Axes) == 0 && len(m.Variants) == 0 {
		r.errorf("matrix", "matrix needs axes or variants, e.g. axes: {tp: [2, 4]} or variants: [{name: eager, args: [--enforce-eager]}]")
		return false, false
	}
	ok := true
	x.invalid = make([]bool, len(m.Axes))
	for i, ax := range m.Axes {
		x.invalid[i] = !x.checkAxis(ax, x.texts[i])
		ok = ok && !x.invalid[i]
	}
	seen := map[string]int{}
	for i, v := range m.Variants {
		p := index("matrix.variants", i)
		switch j, dup := seen[v.Name]; {
		case !variantName.MatchString(v.Name) || len(v.Name) > maxNameLen:
			r.errorf(p+".name", "variant name %q must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most %d): it names files and step IDs", v.Name, maxNameLen)
			ok = false
		case dup:
			r.errorf(p+".name", "duplicate variant name %q (also matrix.variants[%d]): variant names must be unique", v.Name, j)
			ok = false
		default:
			seen[v.Name] = i
		}
	}
	before := len(r.diags)
	x.checkUnused(used)
	if !x.checkSize() {
		return false, false
	}
	return ok && len(r.diags) == before, true
}

// checkAxis checks an axis's name and that its values are distinct.
func (x *expansion) checkAxis(ax Axis, texts []string) bool {
	p := axisPath(ax.Name)
	keys := strings.Split(ax.Name, ".")
	valid := true
	for _, k := range keys {
		valid = valid && axisName.MatchString(k)
	}
	switch {
	case !valid:
		x.r.errorAt(p, x.r.keyTokens[p], "axis name %q must be a name such as tp (used as ${matrix.tp}) or a key path such as server.builtin.max_num_seqs", ax.Name)
		return false
	case len(keys) > 1 && !slices.Contains(variantSections, keys[0]):
		x.r.errorAt(p, x.r.keyTokens[p], "axis %q sets a key outside server, model and api; a variant changes only those, so that every variant runs the same stages and thresholds", ax.Name)
		return false
	}
	for j := range texts {
		if k := slices.Index(texts[:j], texts[j]); k >= 0 {
			x.r.errorf(index(p, j), "axis %q lists %s twice (values %d and %d): every value makes a variant", ax.Name, quote(texts[j]), k, j)
			return false
		}
	}
	return true
}

// checkUnused reports a named axis that a variant never substitutes: its
// variants would differ in name only.
func (x *expansion) checkUnused(used placeholderUse) {
	for i, ax := range x.m.Axes {
		if x.invalid[i] || isKeyPath(ax.Name) || used.base[ax.Name] {
			continue
		}
		var missing []string
		for i, v := range x.m.Variants {
			if !used.spec[i][ax.Name] {
				missing = append(missing, v.Name)
			}
		}
		p := axisPath(ax.Name)
		hint := fmt.Sprintf("write ${matrix.%s} into a server, model or api value (e.g. an argument of server.command), or make it a key path such as server.builtin.max_num_seqs", ax.Name)
		switch {
		case bytes.Contains(x.r.src, []byte("${matrix."+ax.Name+"}")) && len(missing) == len(x.m.Variants):
			// written only where it is reported as misplaced
		case len(x.m.Variants) == 0 || len(missing) == len(x.m.Variants):
			x.r.errorAt(p, x.r.keyTokens[p], "axis %q is never used: %s", ax.Name, hint)
		case len(missing) > 0:
			x.r.errorAt(p, x.r.keyTokens[p], "axis %q is not used by variant(s) %s: %s", ax.Name, quoteList(missing), hint)
		}
	}
}

// checkSize bounds the expansion before anything is copied: the number of
// variants, and their values in all against the loader's value budget.
func (x *expansion) checkSize() bool {
	n := x.count()
	if n > MaxVariants {
		x.r.errorf("matrix", "the matrix makes %d variants; a scenario runs at most %d (each starts a server): drop axis values or variants", n, MaxVariants)
		return false
	}
	if v := treeValues(x.base); satMul(n, v) > maxValues {
		x.r.errorf("matrix", "the matrix makes %d variants of %d values each, more than the %d values a scenario may expand to", n, v, maxValues)
		return false
	}
	return true
}

// checkPlanSize bounds the steps of all variants together: each variant
// runs the same stages, so it is the count of one times the variants.
func (x *expansion) checkPlanSize(sc *Scenario) {
	steps := 0
	for i := range sc.Stages {
		steps = min(steps+stageSteps(&sc.Stages[i]).total, 1<<62)
	}
	n := x.count()
	if total := satMul(steps, n); total > MaxSteps {
		x.r.errorf("matrix", "the matrix runs %s × %s = %d steps; a scenario runs at most %d steps: drop variants or narrow the stages",
			plural(n, "variant"), plural(steps, "step"), total, MaxSteps)
	}
}

// placeholderUse records which axes the scenario's own values and each
// variant's partial scenario substitute.
type placeholderUse struct {
	base map[string]bool
	spec []map[string]bool
}

// checkPlaceholders checks every ${matrix.NAME}: it needs a matrix, it may
// stand only in server, model and api values (of the scenario or of a
// variant), and NAME must be an axis.
func checkPlaceholders(r *reporter, tree map[string]any, m *Matrix) placeholderUse {
	use := placeholderUse{base: map[string]bool{}}
	var axes []string
	if m != nil {
		for _, ax := range m.Axes {
			axes = append(axes, ax.Name)
		}
		use.spec = make([]map[string]bool, len(m.Variants))
		for i := range use.spec {
			use.spec[i] = map[string]bool{}
		}
	}
	placeholders("", tree, func(path, name string) {
		set, where := placeholderOwner(path, use)
		switch {
		case m == nil:
			r.errorf(path, "%s holds the matrix placeholder ${matrix.%s}, but the scenario has no matrix: declare the axis under matrix.axes", fieldName(path), name)
		case set == nil:
			r.errorf(path, "%s holds ${matrix.%s}, but placeholders stand only in server, model and api values and in a variant's args: %s is the same for every variant", fieldName(path), name, where)
		case !slices.Contains(axes, name):
			r.errorf(path, "${matrix.%s} names no axis of the matrix%s; the axes are %s", name, didYouMean(name, axes), orNoneText(strings.Join(axes, ", ")))
		default:
			set[name] = true
		}
	})
	return use
}

// placeholderOwner is the use set a placeholder at path counts in (nil
// where placeholders may not stand) and, for the message, what path is.
func placeholderOwner(path string, use placeholderUse) (map[string]bool, string) {
	sec := func(p string) bool {
		return slices.ContainsFunc(variantSections, func(s string) bool { return within(p, s) })
	}
	if rest, ok := strings.CutPrefix(path, "matrix.variants["); ok {
		var i int
		var after string
		if n, _ := fmt.Sscanf(rest, "%d]", &i); n == 1 && i < len(use.spec) {
			after = strings.TrimPrefix(rest[strings.IndexByte(rest, ']')+1:], ".")
			if sec(after) || within(after, "args") {
				return use.spec[i], ""
			}
		}
		return nil, "a variant's name"
	}
	if sec(path) {
		return use.base, ""
	}
	top, _, _ := strings.Cut(path, ".")
	top, _, _ = strings.Cut(top, "[")
	return nil, top
}

func orNoneText(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// orderAxes puts the axes back in file order: decoding goes through JSON,
// whose objects have no order. Axes without a position keep theirs.
func orderAxes(r *reporter, m *Matrix) {
	pos := func(ax Axis) [2]int {
		if t := r.keyTokens[axisPath(ax.Name)]; t != nil && t.Position != nil {
			return [2]int{t.Position.Line, t.Position.Column}
		}
		return [2]int{1 << 30, 0}
	}
	slices.SortStableFunc(m.Axes, func(a, b Axis) int {
		pa, pb := pos(a), pos(b)
		return cmp.Or(cmp.Compare(pa[0], pb[0]), cmp.Compare(pa[1], pb[1]))
	})
}

// mergeDiagnostics reports the problems of every variant once: a problem
// all variants share (a stage's, a threshold's) as it is, one only some
// have prefixed with their names.
func mergeDiagnostics(r *reporter, docs []*variantDoc) {
	type group struct {
		d     Diagnostic
		names []string
	}
	var order []string
	groups := map[string]*group{}
	for _, doc := range docs {
		seen := map[string]bool{}
		for _, d := range doc.r.diags {
			k := fmt.Sprintf("%d:%d:%s:%s:%s", d.Line, d.Column, d.Origin, d.Path, d.Message)
			if seen[k] {
				continue
			}
			seen[k] = true
			if groups[k] == nil {
				groups[k] = &group{d: d}
				order = append(order, k)
			}
			groups[k].names = append(groups[k].names, doc.name)
		}
		r.dropped = max(r.dropped, doc.r.dropped)
	}
	for _, k := range order {
		g := groups[k]
		if r.shadowed(g.d.Path) {
			continue
		}
		if len(g.names) < len(docs) {
			word := "variant"
			if len(g.names) > 1 {
				word = "variants"
			}
			g.d.Message = word + " " + quoteList(g.names) + ": " + g.d.Message
		}
		if len(r.diags) >= maxKeptDiagnostics {
			r.dropped++
			continue
		}
		r.diags = append(r.diags, g.d)
	}
}

// isScalarText reports whether n is a scalar whose token text is its value
// as written.
func isScalarText(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.StringNode:
		return true
	}
	return false
}

// checkDocumentShape checks the document against the schema. A
// ${matrix.NAME} placeholder where the schema wants a number, a duration
// or one of a few words cannot pass: placeholders stand for text, so the
// message says how to vary such a key instead.
func checkDocumentShape(r *reporter, tree map[string]any) {
	held := map[string]bool{}
	placeholders("", tree, func(path, _ string) { held[path] = true })
	n := len(r.diags)
	checkShape(r, compiledShape().root, tree, "")
	for i := n; i < len(r.diags); i++ {
		d := &r.diags[i]
		if !held[d.Path] {
			continue
		}
		key := d.Path
		if i := strings.Index(key, "]."); strings.HasPrefix(key, "matrix.variants[") && i > 0 {
			key = key[i+2:]
		}
		d.Message += fmt.Sprintf("; a ${matrix.…} placeholder stands for text in a string: to vary this key, make it an axis of its own, e.g. matrix.axes: {%s: [...]}", key)
	}
}
