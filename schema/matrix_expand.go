package schema

import (
	"regexp"
	"strings"
)

// This file turns the matrix of one document into variant documents: plain
// trees of the scenario's shape, each the scenario with its variant's
// partial scenario merged over it, its key-path axes set and its
// ${matrix.NAME} placeholders replaced. Each is then checked like a file
// (matrix_check.go), with a reporter whose positions point into the matrix
// entry that wrote a value.

// placeholder matches ${matrix.NAME}; NAME is an axis name as written.
var placeholder = regexp.MustCompile(`\$\{matrix\.([^}]*)\}`)

// variantSections are the parts of a scenario a variant may change.
var variantSections = []string{"server", "model", "api"}

// variantDoc is one variant before it is checked: its name, axis values,
// document tree and the reporter its problems go to.
type variantDoc struct {
	name string
	axes []AxisSetting
	tree map[string]any
	r    *reporter
}

// expansion holds what every variant is built from.
type expansion struct {
	r     *reporter
	base  map[string]any // the document without its matrix
	m     *Matrix
	specs []map[string]any // the variants' partial scenarios (server, model, api)
	texts [][]string       // each axis's values as written
	// invalid marks axes whose name is invalid: a key path that is not
	// one is not set.
	invalid []bool
	// argsReported marks variants whose args were reported as misplaced.
	argsReported map[int]bool
}

func newExpansion(r *reporter, tree map[string]any, m *Matrix) *expansion {
	x := &expansion{r: r, base: map[string]any{}, m: m, argsReported: map[int]bool{}}
	for k, v := range tree {
		if k != "matrix" {
			x.base[k] = v
		}
	}
	mt, _ := tree["matrix"].(map[string]any)
	list, _ := mt["variants"].([]any)
	for i := range m.Variants {
		spec := map[string]any{}
		if i < len(list) {
			if entry, ok := list[i].(map[string]any); ok {
				for _, sec := range variantSections {
					if v, ok := entry[sec]; ok {
						spec[sec] = v
					}
				}
			}
		}
		x.specs = append(x.specs, spec)
	}
	for _, ax := range m.Axes {
		texts := make([]string, len(ax.Values))
		for j, v := range ax.Values {
			texts[j] = x.writtenText(index(axisPath(ax.Name), j), v)
		}
		x.texts = append(x.texts, texts)
	}
	return x
}

// writtenText is a value's text as the file writes it (0.50 stays 0.50),
// or its canonical text for a scenario built in memory.
func (x *expansion) writtenText(path string, v any) string {
	if n := x.r.nodes[path]; n != nil && n.GetToken() != nil && isScalarText(n) {
		return n.GetToken().Value
	}
	return axisText(v)
}

// axisPath is the document path of an axis.
func axisPath(name string) string { return "matrix.axes." + name }

// isKeyPath tells a key-path axis (server.builtin.max_num_seqs) from a
// named one (tp).
func isKeyPath(name string) bool { return strings.Contains(name, ".") }

// count is how many variants the matrix has, saturating far below overflow.
func (x *expansion) count() int {
	n := max(len(x.m.Variants), 1)
	for _, ax := range x.m.Axes {
		n = satMul(n, len(ax.Values))
	}
	return n
}

// each calls f for every variant in order: variants outermost, then the
// axes in file order, the first varying slowest. spec is -1 without named
// variants; picks[i] indexes the value of axis i.
func (x *expansion) each(f func(spec int, picks []int)) {
	specs := max(len(x.m.Variants), 1)
	combos := x.count() / specs
	picks := make([]int, len(x.m.Axes))
	for s := range specs {
		spec := s
		if len(x.m.Variants) == 0 {
			spec = -1
		}
		for c := range combos {
			rest := c
			for i := len(picks) - 1; i >= 0; i-- {
				n := len(x.m.Axes[i].Values)
				picks[i], rest = rest%n, rest/n
			}
			f(spec, picks)
		}
	}
}

// variantName joins the variant's own name and one part per axis: the
// axis's last key and its value, characters other than letters, digits,
// '.', '_' and '-' written as '_' (tp2-seqs128, eager-max_num_seqs32).
func (x *expansion) variantName(spec int, picks []int) (string, []AxisSetting) {
	var parts []string
	if spec >= 0 {
		parts = append(parts, nameChars(x.m.Variants[spec].Name)) // an invalid name is reported once, not per file it names
	}
	settings := make([]AxisSetting, len(picks))
	for i, p := range picks {
		ax := x.m.Axes[i]
		text := x.texts[i][p]
		settings[i] = AxisSetting{Name: ax.Name, Value: text}
		short := ax.Name[strings.LastIndex(ax.Name, ".")+1:]
		parts = append(parts, short+nameChars(text))
	}
	return strings.Join(parts, "-"), settings
}

// nameChars keeps the characters a variant name may hold.
func nameChars(s string) string {
	return strings.Map(func(c rune) rune {
		if nameChar(c) {
			return c
		}
		return '_'
	}, s)
}

func nameChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// build makes one variant's document and its reporter.
func (x *expansion) build(spec int, picks []int) *variantDoc {
	d := &variantDoc{tree: cloneTree(x.base).(map[string]any), r: x.variantReporter()}
	d.name, d.axes = x.variantName(spec, picks)
	if spec >= 0 {
		x.merge(d, spec)
	}
	for i, p := range picks {
		if name := x.m.Axes[i].Name; isKeyPath(name) && !x.invalid[i] {
			x.setAxis(d, name, x.m.Axes[i].Values[p], index(axisPath(name), p))
		}
	}
	for _, sec := range variantSections {
		if v, ok := d.tree[sec]; ok {
			d.tree[sec] = substitute(v, d.axes)
		}
	}
	return d
}

// variantReporter starts a variant's reporter from the document's, without
// the matrix: the variant's own values are mapped in by merge and setAxis.
func (x *expansion) variantReporter() *reporter {
	vr := newReporter(x.r.file, x.r.src)
	for p, n := range x.r.nodes {
		if !within(p, "matrix") {
			vr.nodes[p] = n
		}
	}
	for p := range x.r.keys {
		if !within(p, "matrix") {
			vr.keys[p] = true
		}
	}
	for p, t := range x.r.keyTokens {
		if !within(p, "matrix") {
			vr.keyTokens[p] = t
		}
	}
	for p, o := range x.r.origins {
		vr.origins[p] = o
	}
	return vr
}

// merge merges variant spec's partial scenario over the document and points
// the paths it writes at the matrix entry, then appends its args.
func (x *expansion) merge(d *variantDoc, spec int) {
	prefix := index("matrix.variants", spec)
	override := x.specs[spec]
	if srv, ok := override["server"].(map[string]any); ok {
		dropOtherKinds(d, srv)
	}
	mergeTree(d.tree, override)
	x.remap(d.r, prefix)
	x.appendArgs(d, spec, prefix)
}

// dropOtherKinds removes the document's server kinds when the variant names
// one: a variant that runs SGLang instead of vLLM replaces the command,
// one that runs the simulator drops what only a process server has.
func dropOtherKinds(d *variantDoc, override map[string]any) {
	srv, ok := d.tree["server"].(map[string]any)
	if !ok {
		return
	}
	var drop []string
	switch {
	case override["builtin"] != nil:
		drop = []string{"command", "docker", "url", "dir", "env", "secrets"}
	case override["command"] != nil:
		drop = []string{"builtin", "docker"}
	case override["docker"] != nil:
		drop = []string{"builtin", "command"}
	}
	for _, k := range drop {
		delete(srv, k)
		for p := range d.r.keys {
			if within(p, "server."+k) {
				delete(d.r.keys, p)
			}
		}
	}
}

// remap points every path the variant writes at its place in the matrix entry.
func (x *expansion) remap(vr *reporter, prefix string) {
	for _, sec := range variantSections {
		from := prefix + "." + sec
		for p, n := range x.r.nodes {
			if within(p, from) {
				vr.nodes[p[len(prefix)+1:]] = n
			}
		}
		for p := range x.r.keys {
			if within(p, from) {
				vr.keys[p[len(prefix)+1:]] = true
			}
		}
		for p, t := range x.r.keyTokens {
			if within(p, from) {
				vr.keyTokens[p[len(prefix)+1:]] = t
			}
		}
	}
}

// appendArgs appends the variant's args to the command or docker args.
func (x *expansion) appendArgs(d *variantDoc, spec int, prefix string) {
	args := x.m.Variants[spec].Args
	if len(args) == 0 {
		return
	}
	srv, _ := d.tree["server"].(map[string]any)
	target, list := "server.command", srv["command"]
	if list == nil {
		if dk, ok := srv["docker"].(map[string]any); ok {
			target, list = "server.docker.args", dk["args"]
			if list == nil {
				list = []any{}
			}
		}
	}
	old, ok := list.([]any)
	if !ok {
		if !x.argsReported[spec] {
			x.argsReported[spec] = true
			x.r.errorf(prefix+".args", "variant %q sets args, which extend server.command or server.docker.args, but its server is %s",
				x.m.Variants[spec].Name, serverKindOf(srv))
		}
		return
	}
	out := append([]any(nil), old...)
	for k, a := range args {
		d.r.nodes[index(target, len(out))] = x.r.nodes[index(prefix+".args", k)]
		out = append(out, a)
	}
	if target == "server.command" {
		srv["command"] = out
	} else {
		srv["docker"].(map[string]any)["args"] = out
	}
}

// serverKindOf names the kind of a server mapping for messages.
func serverKindOf(srv map[string]any) string {
	switch {
	case srv["builtin"] != nil || (srv["url"] == nil && srv["command"] == nil && srv["docker"] == nil):
		return "the built-in simulator"
	case srv["url"] != nil:
		return "an attached url"
	}
	return "not a command or docker server"
}

// setAxis sets a key-path axis's value, creating the mappings on the way;
// its problems point at the value in matrix.axes.
func (x *expansion) setAxis(d *variantDoc, path string, v any, from string) {
	keys := strings.Split(path, ".")
	m := d.tree
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = v
	d.r.nodes[path] = x.r.nodes[from]
	d.r.keys[path] = true
	d.r.keyTokens[path] = x.r.keyTokens[axisPath(path)]
}
