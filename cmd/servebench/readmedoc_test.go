package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// This file reads the README the way its tests need it: fenced blocks with
// their skip markers, shell words, the servebench invocations in a command
// line, and the section of each command.

// mdBlock is one fenced block of the README.
type mdBlock struct {
	lang string
	text string
	line int    // of the opening fence, 1-based
	skip string // reason of a "readme-test: skip" marker on the line before; "" runs it
}

var skipMarker = regexp.MustCompile(`^<!-- readme-test: skip \((.+)\) -->$`)

// readmeBlocks returns every fenced block in document order.
func readmeBlocks(t *testing.T, doc string) []mdBlock {
	t.Helper()
	lines := strings.Split(doc, "\n")
	var out []mdBlock
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") {
			continue
		}
		b := mdBlock{lang: strings.TrimPrefix(lines[i], "```"), line: i + 1}
		if i > 0 {
			if m := skipMarker.FindStringSubmatch(strings.TrimSpace(lines[i-1])); m != nil {
				b.skip = m[1]
			}
		}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("README.md:%d: a fenced block is never closed", b.line)
		}
		b.text = strings.Join(body, "\n") + "\n"
		out = append(out, b)
	}
	return out
}

// shellLine is one command line of a sh block.
type shellLine struct {
	cmd   string   // the command, without its comment
	words []string // cmd split as a shell would (quotes removed)
	exit  int      // expected exit code: "# exits N" in the comment, else 0
}

var exitsComment = regexp.MustCompile(`#.*\bexits (\d+)\b`)

// shellLines returns the commands of a sh block.
func shellLines(t *testing.T, b mdBlock) []shellLine {
	t.Helper()
	var out []shellLine
	for i, l := range strings.Split(strings.TrimSpace(b.text), "\n") {
		words, comment := shellWords(l)
		if len(words) == 0 {
			continue
		}
		sl := shellLine{cmd: strings.TrimSpace(strings.TrimSuffix(l, comment)), words: words}
		if m := exitsComment.FindStringSubmatch(comment); m != nil {
			sl.exit, _ = strconv.Atoi(m[1])
		}
		if strings.HasSuffix(sl.cmd, "\\") {
			t.Fatalf("README.md:%d: continued lines are not supported; write one command per line", b.line+1+i)
		}
		out = append(out, sl)
	}
	return out
}

// shellWords splits a line as a POSIX shell would for our purposes: single
// and double quotes group and are removed, an unquoted # starts a comment
// (returned with its # so the caller can cut it off), operators such as |,
// > or <( are words of their own.
func shellWords(line string) (words []string, comment string) {
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'' || c == '"':
			end := strings.IndexByte(line[i+1:], c)
			if end < 0 {
				end = len(line) - i - 1
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case c == '#' && !inWord:
			flush()
			return words, line[i:]
		case c == ' ' || c == '\t':
			flush()
		case strings.IndexByte("|;&<>()$", c) >= 0:
			flush()
			words = append(words, string(c))
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words, ""
}

// invocations finds every call of servebench in a line's words: the binary
// by name or path, or `go run ./cmd/servebench`, up to the next shell
// operator.
func invocations(words []string) [][]string {
	var out [][]string
	for i := 0; i < len(words); i++ {
		if words[i] != "servebench" && !strings.HasSuffix(words[i], "/servebench") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = words[i-1]
		}
		pkg := strings.Contains(words[i], "cmd/servebench")
		if prev == "-o" || (pkg && prev != "run") {
			continue // "go build -o servebench ./cmd/servebench" builds, it calls nothing
		}
		j := i + 1
		for j < len(words) && (len(words[j]) > 1 || strings.IndexByte("|;&<>()$", words[j][0]) < 0) {
			j++
		}
		out = append(out, words[i+1:j])
		i = j
	}
	return out
}

// checkInvocation reports an unknown command or an unknown flag of it.
func checkInvocation(app *cli.App, args []string) []string {
	if len(args) == 0 {
		return []string{"no command"}
	}
	if args[0] == "--help" || args[0] == "--version" {
		return nil
	}
	cmd := app.Command(args[0])
	if cmd == nil {
		return []string{"unknown command " + strconv.Quote(args[0])}
	}
	known := map[string]bool{"help": true, "h": true}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			known[n] = true
		}
	}
	var errs []string
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !known[name] {
			errs = append(errs, "servebench "+cmd.Name+" has no flag "+a)
		}
	}
	return errs
}

// commandSections maps each command named in a "### `servebench NAME`"
// heading to the text of that section (up to the next heading).
func commandSections(doc string) map[string]string {
	out := map[string]string{}
	heading := regexp.MustCompile("`servebench ([a-z-]+)`")
	parts := regexp.MustCompile(`(?m)^#{2,3} `).Split(doc, -1)
	for _, part := range parts {
		title, _, _ := strings.Cut(part, "\n")
		for _, m := range heading.FindAllStringSubmatch(title, -1) {
			out[m[1]] += part
		}
	}
	return out
}

// regexpFlag finds the long flags a text names.
var regexpFlag = regexp.MustCompile(`(?:^|[^\w-])--([a-z][a-z0-9-]*)`)

// mentionsFlag reports whether text names the flag (--name or -n) as a
// word of its own: "--stall" is not found in "--stall-rate".
func mentionsFlag(text, name string) bool {
	dash := "--"
	if len(name) == 1 {
		dash = "-"
	}
	re := regexp.MustCompile(`(^|[^\w-])` + regexp.QuoteMeta(dash+name) + `($|[^\w-])`)
	return re.MatchString(text)
}
