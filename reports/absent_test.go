package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// TestAbsentMetricsReadNA: a non-streaming stage has no TPOT: every report
// says "n/a" where the old ones printed 0.00, and requests cancelled by an
// interrupt are shown apart from failed ones.
func TestAbsentMetricsReadNA(t *testing.T) {
	run := interruptedRun()
	st := &run.Stages[0]
	st.Metrics.TPOT, st.Metrics.ITL = schema.Dist{}, schema.Dist{}
	st.Metrics.Canceled = 8
	row := func(out string) string {
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "c=1") && strings.Contains(l, "safe") {
				return l
			}
		}
		t.Fatalf("no row for sweep/safe/c=1 in:\n%s", out)
		return ""
	}
	term := row(string(render(t, func(b *bytes.Buffer) error { return Terminal(b, run, "", false) })))
	md := row(string(render(t, func(b *bytes.Buffer) error { return Markdown(b, run) })))
	for name, l := range map[string]string{"terminal": term, "markdown": md} {
		if strings.Count(l, "n/a") != 2 || strings.Contains(l, "0.00") {
			t.Errorf("%s: TPOT p50 and p99 must read n/a: %s", name, l)
		}
		if !strings.Contains(l, "40/0 +8 cancelled") {
			t.Errorf("%s: cancelled requests not shown apart: %s", name, l)
		}
	}
	page := string(render(t, func(b *bytes.Buffer) error { return HTML(b, run) }))
	if !strings.Contains(page, "<td class=\"num\">n/a</td>") {
		t.Error("html: no n/a cell for the absent TPOT")
	}
}
