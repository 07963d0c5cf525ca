package schema

import "encoding/json"

// CheckBuiltin checks simulator settings given outside a scenario file
// (the flags of `servebench sim`) exactly as server.builtin is checked in a
// file, and fills in the defaults of the settings not given, so the sim
// command and a scenario's simulator accept the same values and start from
// the same defaults. settings maps the keys of server.builtin to values
// (fault keys in a "faults" mapping); each Diagnostic's Path names the key,
// e.g. server.builtin.faults.error_rate.
func CheckBuiltin(settings map[string]any) (Builtin, error) {
	const base = "server.builtin"
	r := newReporter("", nil)
	tree, err := plainTree(settings)
	if err != nil {
		return Builtin{}, err
	}
	markPresent(r, base, tree)
	checkShape(r, compiledShape().builtin, tree, base)
	var b Builtin
	sc, err := decode(map[string]any{"server": map[string]any{"builtin": tree}})
	if err == nil && sc.Server.Builtin != nil {
		b = *sc.Server.Builtin
	}
	defaultBuiltin(&b, 0, base, r.present)
	(&validator{r: r}).builtin(base, &b)
	return b, r.result()
}

// plainTree turns Go values into the tree the schema check reads: JSON's
// types, with whole numbers as int64.
func plainTree(v map[string]any) (map[string]any, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(js, &tree); err != nil {
		return nil, err
	}
	return wholeNumbers(tree).(map[string]any), nil
}

// wholeNumbers replaces the float64 JSON decodes every number to by int64
// where the number is whole.
func wholeNumbers(v any) any {
	switch v := v.(type) {
	case float64:
		return number(v)
	case map[string]any:
		for k, x := range v {
			v[k] = wholeNumbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = wholeNumbers(x)
		}
	}
	return v
}

// markPresent records every key of tree (and of its mappings) as written.
func markPresent(r *reporter, path string, tree map[string]any) {
	for k, v := range tree {
		r.keys[join(path, k)] = true
		if m, ok := v.(map[string]any); ok {
			markPresent(r, join(path, k), m)
		}
	}
}
