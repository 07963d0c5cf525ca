package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/servebench/servebench/engine/testexec"
)

// Planted secrets: none of them matches the generic bearer/sk- scrubbing, so
// only servebench's own redaction can keep them out.
const (
	plantedKey    = "planted-api-key-7Qx2"
	plantedHeader = "planted-header-9Wm4"
	plantedEnv    = "planted-env-3Kd8"
)

// serveEcho is the fake server process of the secrets test, listening on
// 127.0.0.1:args[0]: it prints its secret environment value and argv (what
// a careless server logs), and answers every third generation request with
// a 500 whose body echoes the request headers and that value, the way some
// proxies echo requests.
func serveEcho(args []string) int {
	if len(args) == 0 {
		fmt.Println("echo helper: want PORT [ARGS...]")
		return 2
	}
	port := args[0]
	fmt.Printf("echo server starting, SECRET_TOKEN=%s argv=%q\n", os.Getenv("SECRET_TOKEN"), os.Args)
	var n atomic.Int64
	h := fakeOpenAI("echo-model", func(w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1)%3 != 0 {
			return false
		}
		var hdr []string
		for k, v := range r.Header {
			hdr = append(hdr, k+": "+strings.Join(v, ","))
		}
		sort.Strings(hdr)
		msg := fmt.Sprintf("rejected; headers %s; token %s", strings.Join(hdr, "; "), os.Getenv("SECRET_TOKEN"))
		fmt.Println(msg) // into server.log too
		writeJSONError(w, msg)
		return true
	})
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Println(err)
		return 2
	}
	_ = http.Serve(ln, h)
	return 2
}

// fakeOpenAI serves /health, /v1/models with one model id and streaming
// /v1/completions; fail answers a generation request instead when it
// returns true.
func fakeOpenAI(model string, fail func(http.ResponseWriter, *http.Request) bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"object": "list",
			"data": []any{map[string]any{"id": model, "object": "model", "max_model_len": 4096}}})
	})
	mux.HandleFunc("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			MaxTokens int `json:"max_tokens"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		if fail(w, r) {
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range req.MaxTokens {
			finish := "null"
			if i == req.MaxTokens-1 {
				finish = `"length"`
			}
			fmt.Fprintf(w, "data: {\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" t\",\"finish_reason\":%s}]}\n\n", finish)
		}
		fmt.Fprintf(w, "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":%d}}\n\ndata: [DONE]\n\n", req.MaxTokens)
	})
	return mux
}

func writeJSONError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(500)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "code": 500}})
}

// TestSecretsNeverWritten plants an API key, a header value and a secret
// server environment value (also on the server's command line), runs a
// server process that prints and echoes all of them, and greps every output:
// stdout, stderr (with the server log followed), every file of the run
// directory and the re-rendered report.
func TestSecretsNeverWritten(t *testing.T) {
	port := freeTCPPort(t)
	path := writeScenario(t, fmt.Sprintf(`version: 1
name: secrets
server:
  command: %s
  env: {SECRET_TOKEN: %q, %s: echo}
  secrets: [SECRET_TOKEN]
  url: http://127.0.0.1:%d
  ready: {timeout: 20s, interval: 50ms}
  stop_timeout: 2s
api:
  api_key: ${TEST_PLANTED_KEY}
  headers: {X-Planted: %q}
profiles:
  p: {input: 4, output: 4}
stages:
  - {name: s, profile: p, concurrency: 2, requests: 12}
report:
  formats: [markdown, html, json, junit, vllm]
`, yamlArgv(t, strconv.Itoa(port), "-token=${SECRET_TOKEN}"), plantedEnv, testexec.Env, port, plantedHeader))
	results := t.TempDir()
	env := []string{"TEST_PLANTED_KEY=" + plantedKey, "SECRET_TOKEN=" + plantedEnv}
	p := startCLI(t, env, "run", path, "--results-dir", results, "--follow-server-log")
	code := p.wait(t)
	stderr := p.errText()
	if code != ExitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	dir := onlyRunDir(t, results, "secrets")
	run := checkRunFiles(t, dir)
	if run.Stages[0].Metrics.Failed == 0 {
		t.Fatal("the server echoed no error: the test would prove nothing")
	}
	if !strings.Contains(stderr, "rejected; headers") {
		t.Fatalf("the followed server log is missing from stderr:\n%s", stderr)
	}
	_, reportOut, reportErr := runCLI(t, "report", dir, "--no-color")
	outputs := map[string]string{"stdout": p.stdout.String(), "stderr": stderr, "report stdout": reportOut + reportErr}
	addTree(t, outputs, "", dir)
	for name, text := range outputs {
		for _, secret := range []string{plantedKey, plantedHeader, plantedEnv} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains the secret %q", name, secret)
			}
		}
	}
	if len(outputs) < 8 {
		t.Errorf("only %d outputs checked: %v", len(outputs), keys(outputs))
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// yamlArgv is the flow-style YAML list that starts this test binary's
// helper with args (the helper is chosen by testexec.Env in server.env).
func yamlArgv(t *testing.T, args ...string) string {
	var q []string
	for _, a := range testexec.Argv(t, args...) {
		q = append(q, strconv.Quote(a))
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestHTMLReportEscapesServerStrings runs against a server whose model id
// and error bodies are script tags, with a scenario description that is one
// too, and checks that report.html carries them only escaped.
func TestHTMLReportEscapesServerStrings(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(fakeOpenAI("<script>alert('model')</script>", func(w http.ResponseWriter, _ *http.Request) bool {
		if n.Add(1)%2 != 0 {
			return false
		}
		writeJSONError(w, "<script>alert('body')</script>")
		return true
	}))
	defer srv.Close()
	path := writeScenario(t, `version: 1
name: xss
description: "<script>alert('scenario')</script>"
server: {url: `+srv.URL+`}
profiles:
  p: {input: 4, output: 4}
stages:
  - {name: s, profile: p, concurrency: 1, requests: 6}
report: {formats: [html]}
`)
	results := t.TempDir()
	code, _, errs := runCLI(t, "run", path, "--results-dir", results, "--quiet")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dir := onlyRunDir(t, results, "xss")
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"model", "body", "scenario"} {
		raw := fmt.Sprintf("<script>alert('%s')", who)
		if strings.Contains(string(html), raw) {
			t.Errorf("report.html carries %s unescaped", raw)
		}
		if !strings.Contains(string(html), "alert(&#39;"+who) {
			t.Errorf("report.html does not show the %s string at all: the test proves nothing", who)
		}
	}
}
