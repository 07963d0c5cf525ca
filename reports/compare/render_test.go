package compare

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

func slowdown(t *testing.T) *Comparison {
	t.Helper()
	base, br := synthRun("baseline <script>alert(1)</script>", 1, 1, levels, 150)
	cand, cr := synthRun("candidate", 2, 1.3, levels, 150)
	return Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
}

func TestCompareRenderers(t *testing.T) {
	c := slowdown(t)
	var term, termColor, md, page bytes.Buffer
	for _, err := range []error{CompareTerminal(&term, c, false), CompareTerminal(&termColor, c, true),
		CompareMarkdown(&md, c), CompareHTML(&page, c)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range map[string]string{"terminal": term.String(), "markdown": md.String()} {
		if strings.Contains(out, "\x1b[") {
			t.Errorf("%s comparison contains ANSI codes", name)
		}
		for _, want := range []string{"sweep/safe/c=8", "ttft.p50", "regression", "3 stage level(s) matched"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s comparison lacks %q", name, want)
			}
		}
	}
	if !strings.Contains(termColor.String(), "\x1b[31m") {
		t.Error("colour terminal output does not mark regressions red")
	}
	html := page.String()
	if strings.Contains(html, "<script") {
		t.Error("run name reached the comparison page unescaped")
	}
	if n := strings.Count(html, "<svg"); n != 7 {
		t.Errorf("comparison page has %d charts, want 7 (one group: 3 decision charts and 4 metrics)", n)
	}
	if !strings.Contains(html, "candidate</text>") {
		t.Error("overlaid chart legend does not name the candidate run")
	}
	if p := os.Getenv("SERVEBENCH_KEEP_COMPARE"); p != "" {
		_ = os.WriteFile(p, page.Bytes(), 0o644)
	}
}

// TestOverlayLegendsTellRunsApart is issue 22's acceptance for labels: two
// runs of one scenario get two distinguishable legend entries in the HTML
// overlay (their start times), and a --label given at run time wins.
func TestOverlayLegendsTellRunsApart(t *testing.T) {
	base, br := synthRun("quickstart", 1, 1, levels, 100)
	cand, cr := synthRun("quickstart", 2, 1, levels, 100)
	cand.StartedAt = base.StartedAt.Add(time.Hour)
	var page bytes.Buffer
	if err := CompareHTML(&page, Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})); err != nil {
		t.Fatal(err)
	}
	for _, legend := range []string{">quickstart @ 2026-03-14 09:00:00</text>", ">quickstart @ 2026-03-14 10:00:00</text>"} {
		if !strings.Contains(page.String(), legend) {
			t.Errorf("overlay lacks the legend entry %q", legend)
		}
	}
	cand.Label = "after fix"
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	if c.Runs[1].Label != "after fix" || c.Runs[0].Label != "quickstart @ 2026-03-14 09:00:00" {
		t.Errorf("labels %q and %q", c.Runs[0].Label, c.Runs[1].Label)
	}
	base.Name = "quickstart-v2"
	cand.Label = ""
	if c := Compare([]*schema.Run{base, cand}, nil, Options{}); c.Runs[0].Label != "quickstart-v2" || c.Runs[1].Label != "quickstart" {
		t.Errorf("different scenarios are labelled by name: %q and %q", c.Runs[0].Label, c.Runs[1].Label)
	}
}
