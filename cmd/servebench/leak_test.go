package main

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/testexec"
)

// leakScenario is the scenario of every row: %s is the server block (its
// lines indented under server:), then the readiness timeout, the api block
// and the number of requests. A threshold that fails on any error gives
// junit.xml and the reports their failure texts.
const leakScenario = `version: 1
name: leak
server:%s
  ready: {timeout: %s, interval: 50ms}
  metrics: {interval: 100ms}
api: %s
profiles:
  p: {input: 4, output: 4}
stages:
  - {name: s, profile: p, concurrency: 4, requests: %d}
thresholds:
  - expr: error_rate == 0
report:
  formats: [markdown, html, json, junit, vllm]
`

// leakSetup is a row's server: its block in the scenario, flags for run,
// and (optionally) a check that the server gave its hostile answers.
type leakSetup struct {
	block  string
	args   []string
	driven func() error
}

// leakRow is one error path: the server it runs against and what shows
// that the path was taken (the server's marker text in some output, or a
// count of the hostile answers it gave).
type leakRow struct {
	name     string
	server   func(t *testing.T) leakSetup
	urlKey   bool     // the key is the server URL's password, not api_key
	readyIn  string   // readiness timeout (default 20s)
	requests int      // measured requests (default 8)
	args     []string // more flags for run
	envSumm  bool     // the summary file comes from $GITHUB_STEP_SUMMARY, not --summary-file
	exit     int
	evidence []string // each must appear in some output
}

// TestPlantedSecretThroughEveryErrorPath plants an API key and has hostile
// servers on 127.0.0.1 echo it through every path by which server text
// reaches servebench's outputs: readiness (failing, then ready or timing
// out), pre-flight, the probe request, metrics scraping, request errors,
// errors inside a stream, the server's own log, and the server URL's
// password (in the file and as --server-url). The key arrives raw,
// JSON-escaped with "\/", escaped twice or HTML-escaped, cut short by the
// server, and placed so that every cut servebench makes (the 200-byte
// excerpts, the 512-byte failure message, the 64 KiB log line) falls
// inside it, at every offset where the path is taken more than once.
// After each run of the real servebench process (the reports in every
// format, vllm included), stdout, stderr, every file of the run directory,
// the step summary (--summary-file or $GITHUB_STEP_SUMMARY), the --json
// output and a re-render by `servebench report` must hold no 8-byte
// substring of the key in any of its forms (see keyWindows).
func TestPlantedSecretThroughEveryErrorPath(t *testing.T) {
	windows := keyWindows(leakKey)
	for _, row := range leakRows() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			outputs := runLeakRow(t, row)
			all := strings.Join(slices.Collect(maps.Values(outputs)), "\n")
			for _, e := range row.evidence {
				if !strings.Contains(all, e) {
					t.Errorf("no output shows %q: the row did not take its path", e)
				}
			}
			for name, text := range outputs {
				if at, form := findWindow(text, windows); at >= 0 {
					t.Errorf("%s leaks %q (of the key's %s form) at byte %d: ...%s...",
						name, text[at:at+windowLen], form, at, text[max(at-60, 0):min(at+70, len(text))])
				}
			}
		})
	}
}

// leakRows are the error paths, one row each.
func leakRows() []leakRow {
	return []leakRow{
		{name: "readiness 500 then ready", server: func(t *testing.T) leakSetup { return healthServer(t, 3) }},
		{name: "readiness 500 until timeout", readyIn: "1s", exit: ExitRunFailed, evidence: []string{"MARK-health"},
			server: func(t *testing.T) leakSetup { return healthServer(t, 0) }},
		{name: "pre-flight model list 500", exit: ExitRunFailed, evidence: []string{"MARK-models"}, server: preflightServer},
		{name: "pre-flight model list 500 --json", exit: ExitRunFailed, evidence: []string{"MARK-models"},
			args: []string{"--json"}, envSumm: true, server: preflightServer},
		{name: "probe request 500", exit: ExitRunFailed, evidence: []string{"MARK-probe"},
			server: func(t *testing.T) leakSetup {
				srv := leakServer(t, map[string]http.HandlerFunc{"POST /v1/completions": func(w http.ResponseWriter, r *http.Request) {
					jsonError(w, 500, place(echo("MARK-probe", r)+" ", messageCut-len("HTTP 500: "), 5, leakKey))
				}})
				return leakSetup{block: urlBlock(srv.URL)}
			}},
		{name: "scrape probe not Prometheus", evidence: []string{"not in the Prometheus text format"},
			server: func(t *testing.T) leakSetup { return metricsServer(t, 0) }},
		{name: "scrape errors mid-stage", requests: 40, evidence: []string{"not in the Prometheus text format"},
			server: func(t *testing.T) leakSetup { return metricsServer(t, 1) }},
		{name: "request errors across the 512-byte cut", requests: (len(errorBodies) + 1) * requestShifts,
			exit: ExitThreshold, evidence: []string{"MARK-request"}, server: requestErrorServer},
		{name: "stream errors across the 512-byte cut", requests: 3 * (len(jsonString(leakKey)) + 1), exit: ExitThreshold,
			args: []string{"--json"}, evidence: []string{"MARK-stream", "MARK-chunk"}, server: streamErrorServer},
		{name: "server log whole", evidence: []string{"non-default args"},
			server: func(t *testing.T) leakSetup { return leakyCommand(t, logWhole) }},
		{name: "server log across the 64 KiB line cut", evidence: []string{"xxxxxxxx[redacted]"},
			server: func(t *testing.T) leakSetup { return leakyCommand(t, logCut) }},
		{name: "server.url password", urlKey: true, exit: ExitThreshold, evidence: []string{"MARK-url"},
			server: func(t *testing.T) leakSetup { return leakSetup{block: urlBlock(urlWithKey(urlServer(t)))} }},
		{name: "--server-url password", urlKey: true, exit: ExitThreshold, evidence: []string{"MARK-url"},
			server: func(t *testing.T) leakSetup {
				return leakSetup{block: urlBlock("http://127.0.0.1:9"), args: []string{"--server-url", urlWithKey(urlServer(t))}}
			}},
	}
}

// runLeakRow runs servebench against the row's server, then `servebench
// report` on the run directory, and returns every output by name.
func runLeakRow(t *testing.T, row leakRow) map[string]string {
	setup := row.server(t)
	api, env := fmt.Sprintf(`{api_key: "${%s}", timeout: 10s}`, leakKeyEnv), []string{leakKeyEnv + "=" + leakKey}
	if row.urlKey {
		api, env = "{timeout: 10s}", nil
	}
	path := writeScenario(t, fmt.Sprintf(leakScenario, setup.block, cmp.Or(row.readyIn, "20s"), api, cmp.Or(row.requests, 8)))
	results, summary := t.TempDir(), filepath.Join(t.TempDir(), "summary.md")
	args := append([]string{"run", path, "--results-dir", results, "--follow-server-log"}, setup.args...)
	if row.envSumm {
		env = append(env, "GITHUB_STEP_SUMMARY="+summary)
	} else {
		args = append(args, "--summary-file", summary)
	}
	code, stdout, stderr := runChild(t, env, append(args, row.args...)...)
	if code != row.exit {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, row.exit, stdout, stderr)
	}
	outputs := map[string]string{"run stdout": stdout, "run stderr": stderr}
	addFile(t, outputs, "summary file", summary)
	dir := onlyRunDir(t, results, "leak")
	addTree(t, outputs, "run/", dir)
	// Re-render every format from run.json alone, as a later reader would.
	code, stdout, stderr = runChild(t, nil, "report", dir, "--summary-file", summary,
		"--format", "markdown", "--format", "html", "--format", "junit", "--format", "vllm")
	if code != ExitOK {
		t.Fatalf("report: exit %d\n%s%s", code, stdout, stderr)
	}
	outputs["report stdout"], outputs["report stderr"] = stdout, stderr
	addFile(t, outputs, "summary file after report", summary)
	addTree(t, outputs, "report/", dir)
	if setup.driven != nil {
		if err := setup.driven(); err != nil {
			t.Errorf("the server was not driven: %v", err)
		}
	}
	return outputs
}

// runChild runs the test binary as servebench with args, in an environment
// without any variable servebench reads (see cleanEnv) plus env; a run
// that takes more than two minutes is killed.
func runChild(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := testexec.Command(t, "cli", args...)
	cmd.Env = append(append(cleanEnv(), testexec.Environ("cli")), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer kill.Stop()
	var ee *exec.ExitError
	if err := cmd.Wait(); err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

func addFile(t *testing.T, outputs map[string]string, name, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	outputs[name] = string(b)
}

// addTree adds every file under dir, named prefix + its relative path.
func addTree(t *testing.T, outputs map[string]string, prefix, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		addFile(t, outputs, prefix+rel, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// windowLen is the length of the key's substrings no output may contain.
const windowLen = 8

// keyWindows maps every windowLen-byte substring of every form in which
// the key could be written (raw, JSON with and without HTML escaping and
// with "\/", Go-quoted, URL-escaped, HTML-, XML-escaped, base64, and JSON
// of its JSON form) to the name of the form.
func keyWindows(key string) map[string]string {
	var js, jsNoHTML, xmlEsc bytes.Buffer
	b, _ := json.Marshal(key)
	js.Write(b[1 : len(b)-1])
	enc := json.NewEncoder(&jsNoHTML)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key)
	_ = xml.EscapeText(&xmlEsc, []byte(key))
	noHTML, quoted := strings.TrimSuffix(jsNoHTML.String(), "\n"), strconv.Quote(key)
	forms := []struct{ name, text string }{
		{"raw", key},
		{"JSON", js.String()},
		{"JSON with \\/", escapeSlash(js.String())},
		{"JSON without HTML", noHTML[1 : len(noHTML)-1]},
		{"Go-quoted", quoted[1 : len(quoted)-1]},
		{"URL query", url.QueryEscape(key)},
		{"URL path", url.PathEscape(key)},
		{"URL userinfo", strings.TrimPrefix(url.UserPassword("u", key).String(), "u:")},
		{"HTML", html.EscapeString(key)},
		{"XML", xmlEsc.String()},
		{"base64 of u:key", base64.StdEncoding.EncodeToString([]byte("u:" + key))},
		{"JSON of JSON with \\/", jsonString(jsonString(key))},
	}
	windows := map[string]string{} // a window is named after the first form that has it
	for _, f := range forms {
		for i := 0; i+windowLen <= len(f.text); i++ {
			if _, seen := windows[f.text[i:i+windowLen]]; !seen {
				windows[f.text[i:i+windowLen]] = f.name
			}
		}
	}
	return windows
}

// findWindow returns the first offset of text at which a window starts,
// and the window's form; -1 when there is none.
func findWindow(text string, windows map[string]string) (int, string) {
	for i := 0; i+windowLen <= len(text); i++ {
		if form, ok := windows[text[i:i+windowLen]]; ok {
			return i, form
		}
	}
	return -1, ""
}
