package schema

import (
	"fmt"
	"strings"
)

// indentHint explains a syntax error on line (1-based) of src when that
// line's key starts in a column where no key above it starts: the key is
// mis-indented, and the hint names the columns (and keys) it could line up
// with, nearest first: the likely siblings, then the likely parents.
func indentHint(src []byte, line int) string {
	lines := sourceLines(src, 1, line)
	if len(lines) < line {
		return ""
	}
	col, key := keyColumn(lines[line-1])
	if key == "" {
		return ""
	}
	var above []string
	lowest := col + 1<<20
	for i := line - 2; i >= 0 && len(above) < 3; i-- {
		c, k := keyColumn(lines[i])
		switch {
		case k == "":
			continue
		case c == col:
			return "" // lines up with a key above: not an indentation problem
		case c < lowest:
			above = append(above, fmt.Sprintf("column %d (%q, line %d)", c, k, i+1))
			lowest = c
		}
	}
	if len(above) == 0 {
		return ""
	}
	return fmt.Sprintf("; check the indentation: %q starts at column %d, but the keys above it start at %s",
		key, col, orList(above))
}

// keyColumn is the 1-based column where a line's mapping key starts (after
// any "- " list dashes) and the key; "" for lines without a key.
func keyColumn(line string) (int, string) {
	trimmed := strings.TrimLeft(line, " ")
	col := len(line) - len(trimmed) + 1
	for strings.HasPrefix(trimmed, "- ") {
		rest := strings.TrimLeft(trimmed[2:], " ")
		col += len(trimmed) - len(rest)
		trimmed = rest
	}
	if strings.HasPrefix(trimmed, "#") {
		return 0, ""
	}
	key, _, found := strings.Cut(trimmed, ":")
	if !found || strings.ContainsAny(key, "{[\"'") {
		return 0, ""
	}
	return col, strings.TrimSpace(key)
}
