package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// hostileSecret is registered with the funnel: no report may print it.
const hostileSecret = "hunter2-hostile-token"

// hostileRun is the fixture with text a server or a hand-edited run file
// controls: escape sequences that set the window title, clear the screen
// and move the cursor to forge a line, a bidi override, Markdown that
// would add a heading or a table row, and a registered secret.
func hostileRun() *schema.Run {
	redact.Add(hostileSecret)
	run := fixtureRun()
	run.Name = "gpt\x1b]0;pwned\x07-sweep"
	run.Server.Version = "0.11.0\x1b[2J"
	run.Server.Model = "evil\u202emodel"
	run.Notes = []string{"note\x1b[1A\x1b[2K✔ all thresholds passed"}
	run.Status, run.Error = schema.StatusFailed, "server died: token "+hostileSecret+"\n\x1b[32mall thresholds passed\x1b[0m"
	st := &run.Stages[6]
	st.Stage = "## Injected heading"
	st.Profile = "safe | fake\ncells"
	st.ID = st.Stage + "/" + st.Profile + "/r2.5"
	st.Failures[0].Example = "boom\x1b[1A\x1b[2K✔ all thresholds passed\n| fake | row |\n<script>alert(1)</script> " + hostileSecret
	st.Warnings = append(st.Warnings, "- [click](http://evil) **bold** `code`")
	st.Thresholds[1].Error = "bad\x07bell"
	return run
}

// TestHostileStringsAreSafeInEveryReport: per renderer, no raw control
// byte, no registered secret, and in Markdown no structure from the data.
// On the old renderers every row failed (raw escapes, no funnel).
func TestHostileStringsAreSafeInEveryReport(t *testing.T) {
	run := hostileRun()
	cases := []struct {
		name string
		f    func(*bytes.Buffer) error
	}{
		{"terminal", func(b *bytes.Buffer) error { return Terminal(b, run, "", false) }},
		{"terminal colour", func(b *bytes.Buffer) error { return Terminal(b, run, "", true) }},
		{"markdown", func(b *bytes.Buffer) error { return Markdown(b, run) }},
		{"html", func(b *bytes.Buffer) error { return HTML(b, run) }},
		{"junit", func(b *bytes.Buffer) error { return JUnit(b, run) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := string(render(t, c.f))
			if strings.Contains(out, hostileSecret) {
				t.Error("a registered secret reached the report")
			}
			checkNoControl(t, out, c.name == "terminal colour")
		})
	}
	t.Run("json", func(t *testing.T) {
		// run.json is data: encoding/json escapes C0 bytes, and keeps other
		// text (a bidi override) as the server sent it.
		out := string(render(t, func(b *bytes.Buffer) error { return JSON(b, run) }))
		if strings.Contains(out, hostileSecret) || strings.ContainsAny(out, "\x1b\x07") {
			t.Error("a secret or a raw escape reached run.json")
		}
	})
	t.Run("markdown structure", func(t *testing.T) {
		md := string(render(t, func(b *bytes.Buffer) error { return Markdown(b, run) }))
		rows := 0
		for _, l := range strings.Split(md, "\n") {
			switch {
			case strings.HasPrefix(l, "|"):
				rows++
				if n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); n != len(stageHeader)+1 {
					t.Errorf("table row with %d cell borders: %s", n, l)
				}
			case strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "## servebench: ") && !strings.HasPrefix(l, "### "):
				t.Errorf("injected heading: %s", l)
			case strings.HasPrefix(l, "### ") && strings.Contains(l, "Injected"):
				t.Errorf("injected heading: %s", l)
			case strings.HasPrefix(l, "- ") && mdBlockStart.MatchString(l[2:]):
				t.Errorf("a list item starts a block of its own: %s", l)
			}
		}
		if rows != len(run.Stages)+2 {
			t.Errorf("%d table lines, want %d", rows, len(run.Stages)+2)
		}
		for _, bad := range []string{"<script", "[click](", "**bold**", "`code`", "\n- - "} {
			if strings.Contains(md, bad) {
				t.Errorf("markup %q reached the Markdown report", bad)
			}
		}
	})
	t.Run("escapes stay visible", func(t *testing.T) {
		out := string(render(t, func(b *bytes.Buffer) error { return Terminal(b, run, "", false) }))
		for _, want := range []string{`\x1b[2J`, `\x1b]0;pwned\a`, `\u202e`, "[redacted]"} {
			if !strings.Contains(out, want) {
				t.Errorf("terminal report lacks the visible escape %q", want)
			}
		}
	})
}

// mdBlockStart matches text that would open a Markdown block inside a list
// item: a heading, a nested list, a quote, a rule.
var mdBlockStart = regexp.MustCompile(`^(#|\d+[.)]( |$)|[-+*]( |$)|>|---|===)`)

// checkNoControl fails on any C0 control byte but newline (and tab), DEL,
// C1 or bidi override; ANSI colour is allowed where asked for.
func checkNoControl(t *testing.T, out string, colour bool) {
	t.Helper()
	if colour {
		out = stripColour(out)
	}
	for i, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Fatalf("raw control %U at byte %d: %q", r, i, out[max(0, i-40):min(len(out), i+40)])
		}
	}
}

// stripColour removes the SGR sequences the colour palette writes.
func stripColour(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return b.String() + s
		}
		j := i + 2
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
			j++
		}
		if j < len(s) && s[j] == 'm' {
			b.WriteString(s[:i])
			s = s[j+1:]
			continue
		}
		b.WriteString(s[:j]) // not a colour: left for the check to find
		s = s[j:]
	}
}
