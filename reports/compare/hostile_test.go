package compare

import (
	"bytes"
	"strings"
	"testing"
	"unicode"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// TestHostileStringsAreSafeInComparisons: run names, models and stage
// names come from run files (and from servers, for models). No renderer
// and no --fail-on line may carry a raw control byte or a registered
// secret; the old renderers printed both.
func TestHostileStringsAreSafeInComparisons(t *testing.T) {
	const secret = "compare-hostile-secret"
	redact.Add(secret)
	base, br := synthRun("base\x1b]0;pwned\x07", 1, 1, []int{4}, 60)
	cand, cr := synthRun("cand "+secret, 2, 1.5, []int{4}, 60)
	base.Server.Model, cand.Server.Model = "m\x1b[2J", "m\u202e"
	for _, run := range []*schema.Run{base, cand} {
		run.Stages[0].Stage = "## s\x1b[1A"
	}
	for i := range br {
		br[i].Stage = base.Stages[0].ID
	}
	c := Compare([]*schema.Run{base, cand, cand}, [][]schema.RequestRecord{br, cr, cr}, Options{})
	f, err := CompileFailOn("candidate.ttft.p50 > 0")
	if err != nil {
		t.Fatal(err)
	}
	outs := map[string]string{"fail-on": strings.Join(f.Eval(c), "\n")}
	var term, md, page bytes.Buffer
	for name, err := range map[string]error{"terminal": CompareTerminal(&term, c, false),
		"markdown": CompareMarkdown(&md, c), "html": CompareHTML(&page, c)} {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	outs["terminal"], outs["markdown"], outs["html"] = term.String(), md.String(), page.String()
	for name, out := range outs {
		if strings.Contains(out, secret) {
			t.Errorf("%s: a registered secret reached the output", name)
		}
		for i, r := range out {
			if (unicode.IsControl(r) && r != '\n' && r != '\t') || (r >= 0x202a && r <= 0x202e) {
				t.Errorf("%s: raw control %U at %d: %q", name, r, i, out[max(0, i-30):min(len(out), i+30)])
				break
			}
		}
	}
	if strings.Contains(md.String(), "\n### ## s") || !strings.Contains(md.String(), `\#\# s`) {
		t.Errorf("a stage name opened a Markdown heading:\n%s", md.String())
	}
	if !strings.Contains(outs["fail-on"], `\x1b[1A`) {
		t.Errorf("fail-on lines do not show the escape visibly: %q", outs["fail-on"])
	}
}
