package main

import (
	"bytes"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/servebench/servebench/schema/redact"
)

// hostileKey is the API key the hostile server echoes; it matches none of
// the generic credential patterns, so only its registration hides it.
const hostileKey = "hostile-key-5Rt9"

// Escape sequences a hostile server sends: set the window title, clear the
// screen, move the cursor up and forge a line.
const (
	escTitle = "\x1b]0;owned\x07"
	escClear = "\x1b[2J"
	escForge = "\r\x1b[1Aall thresholds passed"
)

// hostileServer is an OpenAI-compatible server on 127.0.0.1 that puts
// escape sequences and the echoed API key into everything servebench
// might print: its first health answer (a 503 followed by bytes nobody
// asked for, which net/http reports through the log package), its model id,
// its version, and the error bodies of every other completion.
func hostileServer(t *testing.T) *httptest.Server {
	t.Helper()
	var health, n atomic.Int64
	api := fakeOpenAI("model"+escTitle, func(w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1)%2 != 0 {
			return false
		}
		writeJSONError(w, "rejected "+r.Header.Get("Authorization")+escClear+escForge)
		return true
	})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"version": "0.1%s"}`, escClear)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if health.Add(1) > 1 {
			return
		}
		// Not ready yet, and on the same connection an answer to no
		// request: the client's idle connection reads it and net/http logs
		// "Unsolicited response received on idle HTTP channel starting with".
		body := "loading " + r.Header.Get("Authorization") + hostileKey + escTitle
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nX-Echo: %s%s\r\n\r\n", hostileKey, escClear)
		_ = buf.Flush()
		// Hold the connection open until the client hangs up, so the
		// unsolicited bytes are read on an idle connection, not at EOF.
		_, _ = conn.Read(make([]byte, 1))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestHostileServerReachesNoTerminal runs the real binary against the
// hostile server with the followed and the quiet-free outputs: neither
// stdout nor stderr carries a raw ESC byte from the server or the API key,
// while the escaped sequences show that the server's strings did arrive.
func TestHostileServerReachesNoTerminal(t *testing.T) {
	srv := hostileServer(t)
	path := writeScenario(t, fmt.Sprintf(`version: 1
name: hostile
server:
  url: %s
  ready: {timeout: 20s, interval: 200ms}
api:
  api_key: ${TEST_HOSTILE_KEY}
profiles:
  p: {input: 4, output: 4}
stages:
  - {name: s, profile: p, concurrency: 1, requests: 8}
thresholds:
  - expr: error_rate == 0
report:
  formats: [markdown, json, junit]
`, srv.URL))
	results := t.TempDir()
	summary := filepath.Join(t.TempDir(), "summary.md")
	p := startCLI(t, []string{"TEST_HOSTILE_KEY=" + hostileKey}, "run", path, "--results-dir", results,
		"--summary-file", summary)
	code := p.wait(t)
	stdout, stderr := p.stdout.String(), p.errText()
	if code != ExitThreshold {
		t.Fatalf("exit %d, want %d (half the requests fail):\nstdout:\n%s\nstderr:\n%s", code, ExitThreshold, stdout, stderr)
	}
	outputs := map[string]string{"stdout": stdout, "stderr": stderr}
	for name, text := range outputs {
		if strings.Contains(text, "\x1b") || strings.Contains(text, "\a") || strings.Contains(text, "\r") {
			t.Errorf("%s carries raw control bytes:\n%q", name, text)
		}
		if strings.Contains(text, hostileKey) {
			t.Errorf("%s carries the API key:\n%s", name, text)
		}
	}
	// The server's strings did reach the outputs, escaped: the test is not
	// passing because nothing was printed.
	for _, want := range []string{`\x1b[2J`, `\x1b]0;owned\a`} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("no escaped %q in the outputs: the hostile strings never arrived\nstdout:\n%s\nstderr:\n%s", want, stdout, stderr)
		}
	}
	if !strings.Contains(stderr, "Unsolicited response") {
		t.Errorf("net/http's log of the unsolicited answer is missing from stderr:\n%s", stderr)
	}
	files := map[string]string{}
	addTree(t, files, "", onlyRunDir(t, results, "hostile"))
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	files["summary file"] = string(b)
	for name, text := range files {
		if strings.Contains(text, hostileKey) {
			t.Errorf("%s carries the API key", name)
		}
	}
}

// TestStdLogPassesTheFunnel: whatever the standard library logs (net/http
// quotes server bytes) has its secrets hidden and control bytes escaped.
func TestStdLogPassesTheFunnel(t *testing.T) {
	const secret = "stdlog-secret-8Hq3"
	redact.Add(secret)
	var buf bytes.Buffer
	restore := routeStdLog(&buf)
	log.Printf("unsolicited: %s%s%s", secret, escTitle, escForge)
	restore()
	got := buf.String()
	if strings.Contains(got, secret) || strings.ContainsAny(got, "\x1b\a\r") {
		t.Errorf("log output not through the funnel: %q", got)
	}
	if !strings.Contains(got, "servebench: unsolicited: [redacted]") {
		t.Errorf("log output: %q", got)
	}
}

// TestColourSummaryKeepsOnlyColour: with colour on (a terminal), the
// summary keeps its colour sequences and escapes every other control byte.
func TestColourSummaryKeepsOnlyColour(t *testing.T) {
	in := "\x1b[32m✔\x1b[0m model" + escTitle + escClear + escForge + "\n\ttab\n"
	got := textKeepingColour(in)
	want := "\x1b[32m✔\x1b[0m model" + `\x1b]0;owned\a\x1b[2J\r\x1b[1Aall thresholds passed` + "\n\ttab\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
