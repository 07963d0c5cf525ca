package compare

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

func slowdown(t *testing.T) *Comparison {
	t.Helper()
	base, br := synthRun("baseline <script>alert(1)</script>", 1, 1, levels, 150)
	cand, cr := synthRun("candidate", 2, 1.3, levels, 150)
	return Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{Resamples: 300})
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
