package plot

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRatioLabelsNeverRepeat: a KV-cache series of 0-1.5 % was labelled
// "0, 0, 0.01, 0.01" by the library's formatter; as a percentage with
// computed ticks every label differs.
func TestRatioLabelsNeverRepeat(t *testing.T) {
	for _, hi := range []float64{0.015, 1.5, 0.3, 7, 99.5, 1234, 0.00042} {
		ticks := linearTicks(0, hi, "%")
		seen := map[string]bool{}
		for _, tk := range ticks {
			if seen[tk.Label] {
				t.Errorf("range 0..%g: label %q repeats in %v", hi, tk.Label, ticks)
			}
			seen[tk.Label] = true
		}
		if last := ticks[len(ticks)-1].Value; last < hi || len(ticks) > maxTicks+2 {
			t.Errorf("range 0..%g: ticks %v do not cover it in at most %d labels", hi, ticks, maxTicks+2)
		}
	}
	for _, r := range [][2]float64{{3, 4200}, {0.8, 95}, {12, 13}} {
		ticks := logTicks(r[0], r[1])
		if ticks[0].Value > r[0] || ticks[len(ticks)-1].Value < r[1] {
			t.Errorf("log range %v: ticks %v do not cover it", r, ticks)
		}
	}
}

// TestSVGIsSelfContainedAndNamesEverySeries: no script, no external URL,
// every series name in the legend, a gap (not a zero) for a NaN point.
func TestSVGIsSelfContainedAndNamesEverySeries(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	spec := Spec{Title: "t", XTitle: "requests/s", YTitle: "ms", Y2Title: "KV cache", Y2Suffix: "%",
		Series: []Series{
			{Name: "max_num_seqs16-decode_step4ms TTFT p50", X: []float64{1, 2, 3}, Y: []float64{10, nan, 30}},
			{Name: "<b>p99</b>", X: []float64{1, 2, 3}, Y: []float64{20, 25, 60}, Dashed: true, Color: 1},
			{Name: "kv", X: []float64{0, 3}, Y: []float64{0.2, 1.4}, Secondary: true, Kind: Line, Color: 2},
		},
		Marks: []Mark{{X: 2, Label: "c=8"}},
	}
	svg, err := SVG(spec)
	if err != nil {
		t.Fatal(err)
	}
	out := string(svg)
	for _, bad := range []string{"<script", "href=\"http", "url(", "<b>"} {
		if strings.Contains(out, bad) {
			t.Errorf("svg holds %q", bad)
		}
	}
	for _, want := range []string{"max_num_seqs16-decode_step4ms TTFT p50", "&lt;b&gt;p99&lt;/b&gt;", "c=8", "1.50%"} {
		if !strings.Contains(out, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`<path`).FindAllString(out, -1)); n < 3 {
		t.Errorf("%d paths", n)
	}
	if p := os.Getenv("SERVEBENCH_KEEP_SVG"); p != "" {
		_ = os.WriteFile(p, []byte(out), 0o644)
	}
}

// TestOneAxisAndLogAxis: a chart without a right-hand axis, and one with a
// logarithmic x axis, render (chartdraw checks the range of a hidden axis).
func TestOneAxisAndLogAxis(t *testing.T) {
	for _, s := range []Spec{
		{Title: "one axis", Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{3, 4}}}},
		{Title: "log", XLog: true, YSuffix: "%", Series: []Series{{Name: "cdf", X: []float64{3, 40, 900}, Y: []float64{0, 50, 100}, Kind: Line}}},
	} {
		if _, err := SVG(s); err != nil {
			t.Errorf("%s: %v", s.Title, err)
		}
	}
}
