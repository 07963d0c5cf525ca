package schema

import (
	"strconv"
	"strings"
)

// The plain-tree operations the matrix needs: merging a partial scenario,
// copying, substituting and finding ${matrix.NAME} placeholders, counting
// values, and a few names.

// mergeTree merges src over dst: mappings key by key, anything else replaced.
func mergeTree(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeTree(dm, sm)
				continue
			}
		}
		dst[k] = cloneTree(v)
	}
}

// cloneTree copies a document tree so variants never share a mapping or list.
func cloneTree(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneTree(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneTree(e)
		}
		return out
	}
	return v
}

// substitute replaces every ${matrix.NAME} in the strings of v. Names were
// checked before (checkPlaceholders), so an unknown one cannot occur.
func substitute(v any, axes []AxisSetting) any {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, "${matrix.") {
			return x
		}
		return placeholder.ReplaceAllStringFunc(x, func(m string) string {
			name := placeholder.FindStringSubmatch(m)[1]
			for _, a := range axes {
				if a.Name == name {
					return a.Value
				}
			}
			return m
		})
	case map[string]any:
		for k, e := range x {
			x[k] = substitute(e, axes)
		}
	case []any:
		for i, e := range x {
			x[i] = substitute(e, axes)
		}
	}
	return v
}

// placeholders calls f for every ${matrix.NAME} in the strings of v at path.
func placeholders(path string, v any, f func(path, name string)) {
	switch x := v.(type) {
	case string:
		for _, m := range placeholder.FindAllStringSubmatch(x, -1) {
			f(path, m[1])
		}
	case map[string]any:
		for k, e := range x {
			placeholders(join(path, k), e, f)
		}
	case []any:
		for i, e := range x {
			placeholders(index(path, i), e, f)
		}
	}
}

// treeValues counts the values of a tree, the unit of the loader's budget.
func treeValues(v any) int {
	n := 1
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			n += treeValues(e)
		}
	case []any:
		for _, e := range x {
			n += treeValues(e)
		}
	}
	return n
}

// variantLog names a variant's server log: server.log -> server-tp2.log.
func variantLog(log, variant string) string {
	if variant == "" {
		return log
	}
	if i := strings.LastIndexByte(log, '.'); i > 0 {
		return log[:i] + "-" + variant + log[i:]
	}
	return log + "-" + variant
}

// quoteList is `"a", "b"` for messages, at most four names.
func quoteList(names []string) string {
	var q []string
	for i, n := range names {
		if i == 4 {
			q = append(q, "and "+strconv.Itoa(len(names)-4)+" more")
			break
		}
		q = append(q, quote(n))
	}
	return strings.Join(q, ", ")
}
