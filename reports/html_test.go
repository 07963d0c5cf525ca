package reports

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

const evil = `<script>alert(1)</script>`

// TestHTMLEscapesServerText feeds markup through every user- and
// server-provided field and checks none reaches the page unescaped.
func TestHTMLEscapesServerText(t *testing.T) {
	run := fixtureRun()
	run.Name = "run " + evil
	run.Server.Model = "model" + evil
	run.Scenario.Model.Name = "model" + evil
	st := &run.Stages[6]
	st.Stage, st.Profile = "open"+evil, "safe"+evil
	st.Failures[0].Example = `{"error": "` + evil + `"}`
	st.Warnings = append(st.Warnings, evil)
	st.Thresholds[1].Name = evil
	st.Server.Series[0].Name = "kv" + evil
	var b bytes.Buffer
	if err := HTML(&b, run); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script") {
		i := strings.Index(out, "<script")
		t.Fatalf("unescaped markup in html report near %q", out[max(0, i-80):min(len(out), i+40)])
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped form of the injected text is missing: was the text dropped instead of escaped?")
	}
}

// TestHTMLSelfContained rejects anything that would fetch from the network.
func TestHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, fixtureRun()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"<script", "<link", "@import", "src=\"http", "url(http", "href=\"http"} {
		if strings.Contains(out, bad) {
			t.Errorf("html report contains %q: it must work offline", bad)
		}
	}
	if n := strings.Count(out, "<svg"); n < 10 {
		t.Errorf("html report has %d inline svg charts, want at least 10", n)
	}
	for _, want := range []string{"server metrics over the stage", "kv_cache_usage (%)", "profiles compared", "TTFT percentiles", `id="thresholds"`, `id="failures"`, "CUDA out of memory"} {
		if !strings.Contains(strings.ToLower(out), strings.ToLower(want)) {
			t.Errorf("html report lacks %q", want)
		}
	}
}

// TestHTMLInBrowser renders the report in headless Chromium: the page must
// load without console errors, produce a real screenshot and keep its charts.
func TestHTMLInBrowser(t *testing.T) {
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("SERVEBENCH_REQUIRE_BROWSER") == "1" {
			t.Fatalf("chromium required (SERVEBENCH_REQUIRE_BROWSER=1) but absent: %v", err)
		}
		t.Skip("chromium not installed at /usr/bin/chromium; set SERVEBENCH_REQUIRE_BROWSER=1 to make this fatal")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	writeReport(t, page, fixtureRun())
	shot := filepath.Join(dir, "shot.png")
	stderr := runChromium(t, bin, dir, "--screenshot="+shot, "--window-size=1280,2000", "file://"+page)
	if os.Getenv("SERVEBENCH_KEEP_SHOT") != "" {
		_ = copyFile(shot, os.Getenv("SERVEBENCH_KEEP_SHOT"))
	}
	checkPNG(t, shot)
	if m := regexp.MustCompile(`(?m)^.*(Uncaught|CONSOLE.*[Ee]rror).*$`).FindString(stderr); m != "" {
		t.Errorf("browser reported an error: %s", m)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+page)
	if n := strings.Count(dom, "<svg"); n < 10 {
		t.Errorf("rendered DOM has %d svg charts, want at least 10", n)
	}
}

func writeReport(t *testing.T, path string, run *schema.Run) {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, run); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runChromium runs one headless Chromium command; it returns stdout for
// --dump-dom and stderr (the console log) otherwise.
func runChromium(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(t.Context(), bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	if args[0] == "--dump-dom" {
		return stdout.String()
	}
	return stderr.String()
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatal("screenshot is not a PNG")
	}
	if len(b) < 50_000 {
		t.Errorf("screenshot is only %d bytes: the page looks empty", len(b))
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}
