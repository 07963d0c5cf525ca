package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs moves flags written after positional arguments in front of
// them, so `servebench run s.yaml -c 4` means what users expect; urfave/cli
// stops parsing flags at the first positional argument. Everything after a
// literal "--" stays where it is.
func reorderArgs(app *cli.App, args []string) []string {
	// urfave/cli completes only when --generate-bash-completion is the last
	// argument; the completion scripts put it there after the typed words.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	takesValue := valueFlags(cmd.Flags)
	var flags, positional []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && a != "-":
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				i++
				flags = append(flags, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	return append(out, positional...)
}

// valueFlags lists every name and alias of the flags that take a value.
func valueFlags(fs []cli.Flag) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		if _, isBool := f.(*cli.BoolFlag); isBool {
			continue
		}
		for _, n := range f.Names() {
			m[n] = true
		}
	}
	return m
}
