package schema

import (
	"fmt"
	"strings"
)

// expandEnv expands ${NAME} and ${NAME:-default} (the default applies when
// NAME is unset or empty, as in the shell); $$ is a literal $. A $ that does
// not start a reference is kept, so prices and regexps need no escaping. The
// result may hold at most limit bytes: expansion stops as soon as it would
// grow past them, so references to a big variable cannot exhaust memory.
func expandEnv(s string, env func(string) (string, bool), limit int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if b.Len() > limit {
			return "", fmt.Errorf("${VAR} expansion makes the scenario's values exceed %d bytes", MaxExpandedBytes)
		}
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated variable reference %q: close it with }", s[i:])
		}
		val, err := lookupRef(s[i+2:i+end], env)
		if err != nil {
			return "", err
		}
		if b.Len()+len(val) > limit {
			return "", fmt.Errorf("${VAR} expansion makes the scenario's values exceed %d bytes", MaxExpandedBytes)
		}
		b.WriteString(val)
		i += end
	}
	return b.String(), nil
}

// lookupRef resolves the inside of one ${...}. A matrix placeholder,
// ${matrix.NAME}, is kept for the matrix to substitute (matrix_expand.go).
func lookupRef(ref string, env func(string) (string, bool)) (string, error) {
	if strings.HasPrefix(ref, "matrix.") {
		return "${" + ref + "}", nil
	}
	name, def, hasDef := strings.Cut(ref, ":-")
	if !validEnvName(name) {
		return "", fmt.Errorf("invalid variable reference ${%s}: use ${NAME} or ${NAME:-default}", ref)
	}
	v, ok := "", false
	if env != nil {
		v, ok = env(name)
	}
	switch {
	case ok && v != "":
		return v, nil
	case hasDef:
		return def, nil
	case ok:
		return "", nil
	}
	return "", fmt.Errorf("environment variable %s is not set and ${%s} has no default (write ${%s:-default})", name, name, name)
}

// validEnvName accepts shell variable names: a letter or _, then letters, digits or _.
func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
