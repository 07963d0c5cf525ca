package reports

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/servebench/servebench/reports/internal/decision"
	"github.com/servebench/servebench/schema"
)

// TestMatrixGolden pins the Markdown report of a matrix run (its variant
// table marks the best value of each column) and its stages.csv.
func TestMatrixGolden(t *testing.T) {
	run, _ := matrixRun()
	golden(t, "markdown_matrix", render(t, func(b *bytes.Buffer) error { return Markdown(b, run) }))
	golden(t, "stages_matrix.csv", render(t, func(b *bytes.Buffer) error { return CSVStages(b, run) }))
}

// TestMatrixBiggerBatchWinsInEveryReport: the variant with the larger batch
// has the higher saturation throughput, and every report says so.
func TestMatrixBiggerBatchWinsInEveryReport(t *testing.T) {
	run, recs := matrixRun()
	const best = "seqs16-step2ms"
	md := string(render(t, func(b *bytes.Buffer) error { return Markdown(b, run) }))
	if row := lineWith(md, "| "+best+" "); !strings.Contains(row, "★") || strings.Count(row, "★") < 3 {
		t.Errorf("markdown: the best variant's row is not marked best:\n%s", row)
	}
	if row := lineWith(md, "| seqs4-step2ms "); strings.Contains(strings.Split(row, "|")[3], "★") {
		t.Errorf("markdown: a batch of 4 is marked best on peak throughput:\n%s", row)
	}
	term := string(render(t, func(b *bytes.Buffer) error { return Terminal(b, run, "", false) }))
	if row := lineWith(term, "│ "+best+" "); !strings.Contains(strings.Split(row, "│")[3], "★") {
		t.Errorf("terminal: %q", row)
	}
	page := string(render(t, func(b *bytes.Buffer) error { return HTMLWith(b, run, recordsOf(recs)) }))
	if !regexp.MustCompile(`<td>` + best + `</td><td>[^<]*</td><td class="num best">[0-9.]+ ★</td>`).MatchString(page) {
		t.Error("html: the variant table does not mark the bigger batch best on peak throughput")
	}
	rows := parseCSV(t, render(t, func(b *bytes.Buffer) error { return CSVStages(b, run) }))
	peak := map[string]float64{}
	col := slices.Index(rows[0], "output_throughput")
	for _, r := range rows[1:] {
		v, _ := strconv.ParseFloat(r[col], 64)
		peak[r[0]] = max(peak[r[0]], v)
	}
	if !(peak["seqs16-step2ms"] > peak["seqs4-step2ms"] && peak["seqs16-step4ms"] > peak["seqs4-step4ms"]) {
		t.Errorf("csv: peak output throughput %v", peak)
	}
}

// TestMatrixCSVRowsPerLevelAndRequest: both files parse with a CSV reader,
// with one row per stage level and one per request, and their variant.
func TestMatrixCSVRowsPerLevelAndRequest(t *testing.T) {
	run, recs := matrixRun()
	recs[3].Error = &schema.RequestFailure{Kind: schema.FailServerError, Status: 500, Message: "=HYPERLINK(\"http://x\")\nline two"}
	stages := parseCSV(t, render(t, func(b *bytes.Buffer) error { return CSVStages(b, run) }))
	if len(stages) != 1+len(run.Stages) {
		t.Fatalf("stages.csv: %d rows, want a header and %d levels", len(stages), len(run.Stages))
	}
	for _, want := range []string{"variant", "axis_seqs", "axis_step", "ttft_ms_p99", "output_throughput"} {
		if !slices.Contains(stages[0], want) {
			t.Errorf("stages.csv lacks column %q: %v", want, stages[0])
		}
	}
	if r := stages[len(stages)-1]; r[0] != "seqs16-step4ms" || r[1] != "16" || r[2] != "4ms" {
		t.Errorf("last level: %v", r[:3])
	}
	reqs := parseCSV(t, render(t, func(b *bytes.Buffer) error { return CSVRequests(b, run, recordsOf(recs)) }))
	if len(reqs) != 1+len(recs) {
		t.Fatalf("requests.csv: %d rows, want a header and %d requests", len(reqs), len(recs))
	}
	failed := reqs[4]
	if failed[0] != "seqs4-step2ms" || failed[2] != "sweep" || failed[len(failed)-3] != "server_error" ||
		!strings.HasPrefix(failed[len(failed)-1], "'=HYPERLINK") || strings.Contains(failed[len(failed)-1], "\n") {
		t.Errorf("failed request row %q: the message must not run as a formula nor break the line", failed)
	}
	if failed[slices.Index(reqs[0], "ttft_ms")] != "" {
		t.Error("a failed request has no TTFT: the cell must be empty")
	}
}

func parseCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v", err)
	}
	return rows
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestParetoFront: a point is on the front when no other point has both
// more tokens in all and more per user.
func TestParetoFront(t *testing.T) {
	pts := []decision.Point{
		{Curve: "a", Total: 100, User: 50}, {Curve: "a", Total: 300, User: 40}, {Curve: "b", Total: 200, User: 45},
		{Curve: "b", Total: 250, User: 20}, {Curve: "c", Total: 300, User: 10}, {Curve: "c", Total: 90, User: 60},
	}
	var got []string
	for _, p := range decision.Front(pts) {
		got = append(got, p.Curve+strconv.Itoa(int(p.Total)))
	}
	if want := []string{"c90", "a100", "b200", "a300"}; !slices.Equal(got, want) {
		t.Errorf("front %v, want %v", got, want)
	}
}

// TestServerTimelinePerStage: one server chart per stage and variant, its
// levels back to back with their boundaries marked, KV-cache usage in
// percent with labels that never repeat.
func TestServerTimelinePerStage(t *testing.T) {
	run, _ := matrixRun()
	charts := serverCharts(run)
	if len(charts) != len(matrixVariants) {
		t.Fatalf("%d server charts, want one per variant and stage (%d)", len(charts), len(matrixVariants))
	}
	svg := string(charts[0].SVG)
	for _, want := range []string{"c=1", "c=4", "c=16", "kv_cache_usage (%)", "num_requests_waiting"} {
		if !strings.Contains(svg, want) {
			t.Errorf("server timeline lacks %q", want)
		}
	}
	labels := regexp.MustCompile(`>([0-9.]+%)</text>`).FindAllStringSubmatch(svg, -1)
	seen := map[string]bool{}
	for _, l := range labels {
		if seen[l[1]] {
			t.Errorf("percent label %q repeats", l[1])
		}
		seen[l[1]] = true
	}
	if len(labels) < 3 {
		t.Errorf("only %d percent labels", len(labels))
	}
}

// TestMatrixHTMLInBrowser opens the report of a matrix run in headless
// Chromium: it renders, holds the overlaid curves, the frontier and the
// per-level charts, and every variant appears in every decision chart's
// legend.
func TestMatrixHTMLInBrowser(t *testing.T) {
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("SERVEBENCH_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium required (SERVEBENCH_REQUIRE_BROWSER=1) but absent: %v", err)
		}
		t.Skip("chromium not installed at /usr/bin/chromium; set SERVEBENCH_REQUIRE_BROWSER=1 to make this fatal")
	}
	run, recs := matrixRun()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := HTMLWith(&b, run, recordsOf(recs)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	stderr := runChromium(t, bin, dir, "--screenshot="+shot, "--window-size=1280,2400", "file://"+page)
	if os.Getenv("SERVEBENCH_KEEP_SHOT") != "" {
		_ = copyFile(shot, os.Getenv("SERVEBENCH_KEEP_SHOT"))
	}
	checkPNG(t, shot)
	if m := regexp.MustCompile(`(?m)^.*(Uncaught|CONSOLE.*[Ee]rror).*$`).FindString(stderr); m != "" {
		t.Errorf("browser reported an error: %s", m)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+page)
	if n := strings.Count(dom, "<svg"); n < 20 {
		t.Errorf("rendered DOM has %d svg charts, want at least 20", n)
	}
	figures := regexp.MustCompile(`(?s)<figcaption>([^<]*)</figcaption>(<svg.*?</svg>)`).FindAllStringSubmatch(dom, -1)
	kinds := map[string]int{}
	for _, f := range figures {
		caption, svg := f[1], f[2]
		var kind string
		switch {
		case strings.Contains(caption, "TTFT vs request throughput"), strings.Contains(caption, "TPOT vs request throughput"):
			kind = "curve"
		case strings.Contains(caption, "Pareto front"):
			kind = "frontier"
			if !strings.Contains(svg, "Pareto front") {
				t.Errorf("%s: the front is not in the legend", caption)
			}
		case strings.Contains(caption, "requests in flight"), strings.Contains(caption, "latency CDF"):
			kind = "level"
		default:
			continue
		}
		kinds[kind]++
		for _, v := range matrixVariants {
			if !strings.Contains(svg, ">"+v.name) {
				t.Errorf("%s: variant %s is not in the legend", caption, v.name)
			}
		}
	}
	if kinds["curve"] != 2 || kinds["frontier"] != 1 || kinds["level"] != 6 {
		t.Errorf("decision charts %v, want 2 latency-throughput curves, 1 frontier, 3 levels × (timeline, CDF)", kinds)
	}
}
