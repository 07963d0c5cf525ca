package engine

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/servebench/servebench/engine/testexec"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// hostileCase is one hostile server or input, run end to end.
type hostileCase struct {
	name string
	run  func(t *testing.T)
}

// TestHostileServersAndInputs: whatever a server or the environment does,
// no secret is written out and nothing is followed or proxied silently.
// (server.log's secrets across a line cut and a log name outside the run
// directory are engine/server's tests.)
func TestHostileServersAndInputs(t *testing.T) {
	for _, c := range []hostileCase{
		{"pre-flight 500 echoes the API key", preflightEchoesKey},
		{"server.url carries a password", urlWithPassword},
		{"/v1/models redirects", modelsRedirect},
		{"/metrics redirects", metricsRedirect},
		{"HTTP_PROXY in the environment", proxyInEnvironment},
	} {
		t.Run(c.name, c.run)
	}
}

// logs collects Logf lines.
type logs struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logs) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.b, format+"\n", args...)
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// executeLogged runs the scenario and returns everything it wrote: run.json,
// requests.jsonl, the log lines and the error.
func executeLogged(t *testing.T, sc *schema.Scenario) (*schema.Run, string, error) {
	t.Helper()
	p, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	var l logs
	run, dir, err := Execute(context.Background(), Options{Plan: p, Version: "test", Logf: l.logf})
	out := l.String() + "\n" + fmt.Sprint(err) + "\n" + run.Error
	for _, f := range []string{"run.json", "requests.jsonl"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		out += "\n" + string(b)
	}
	return run, out, err
}

func preflightEchoesKey(t *testing.T) {
	const key = "echoed-key/Zx7+Qp"
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.WriteHeader(http.StatusUnauthorized) // readiness: up, wants a key
			return
		}
		// A misconfigured gateway echoes what it got, raw and JSON-escaped.
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, `{"error":"no upstream","headers":{"Authorization":%q,"X-Api-Key":"%s"}}`,
			r.Header.Get("Authorization"), strings.ReplaceAll(r.Header.Get("X-Api-Key"), "/", `\/`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv("HOSTILE_KEY", key)
	sc := fakeScenario(t, "echo", srv.URL, `
api: {api_key: "${HOSTILE_KEY}", headers: {X-Api-Key: "${HOSTILE_KEY}"}}
stages: [{name: s, concurrency: 1, requests: 1}]
`)
	_, out, err := executeLogged(t, sc)
	if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "no upstream") {
		t.Fatalf("err = %v, want the 500 quoted", err)
	}
	for _, form := range []string{key, strings.ReplaceAll(key, "/", `\/`), "Bearer echoed"} {
		if strings.Contains(out, form) {
			t.Errorf("the key (%q) was written out:\n%s", form, out)
		}
	}
}

func urlWithPassword(t *testing.T) {
	const pass = "url-secret-9Qm2"
	f := &fakeServer{maxModelLen: 4096}
	url := strings.Replace(startFake(t, f), "http://", "http://bench:"+pass+"@", 1)
	sc := fakeScenario(t, "userinfo", url, `
profiles: {p: {input: 4, output: 2}}
stages: [{name: s, profile: p, concurrency: 1, requests: 2}]
`)
	run, out, err := executeLogged(t, sc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, pass) {
		t.Errorf("the password was written out:\n%s", out)
	}
	if !strings.Contains(run.Server.URL, "bench:"+redact.Mask+"@") {
		t.Errorf("run.json server url %q, want the user with the password masked", run.Server.URL)
	}
}

// elsewhere is a server that counts the requests a followed redirect would send it.
func elsewhere(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(s.Close)
	return s, &hits
}

func modelsRedirect(t *testing.T) {
	target, hits := elsewhere(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(http.ResponseWriter, *http.Request) {})
	mux.Handle("GET /v1/models", http.RedirectHandler(target.URL+"/v1/models", http.StatusFound))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, _, err := executeLogged(t, fakeScenario(t, "redirect", srv.URL, "stages: [{name: s, concurrency: 1, requests: 1}]\n"))
	if err == nil || !strings.Contains(err.Error(), target.URL+"/v1/models") || !strings.Contains(err.Error(), "not followed") {
		t.Fatalf("err = %v, want the redirect named with its target", err)
	}
	if hits.Load() != 0 {
		t.Errorf("the redirect was followed %d times", hits.Load())
	}
}

func metricsRedirect(t *testing.T) {
	target, hits := elsewhere(t)
	f := &fakeServer{maxModelLen: 4096}
	mux := http.NewServeMux()
	mux.Handle("/", f.handler())
	mux.Handle("GET /metrics", http.RedirectHandler(target.URL+"/metrics", http.StatusFound))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	run, _, err := executeLogged(t, fakeScenario(t, "metrics-redirect", srv.URL, `
profiles: {p: {input: 4, output: 2}}
stages: [{name: s, profile: p, concurrency: 1, requests: 2}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(run.Notes, "\n"); !strings.Contains(notes, `redirected to "`+target.URL+`/metrics"`) {
		t.Errorf("notes %q do not name the redirect", notes)
	}
	if hits.Load() != 0 {
		t.Errorf("the redirect was followed %d times", hits.Load())
	}
}

// proxyInEnvironment runs a whole run in a child process whose environment
// names a proxy. The server is reached as 0.0.0.0 (loopback in effect, but
// not exempt from HTTP_PROXY as 127.0.0.1 is), so any client that honoured
// the environment would talk to the proxy instead.
func proxyInEnvironment(t *testing.T) {
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		proxied.Add(1)
		http.Error(w, "proxy says no", http.StatusBadGateway)
	}))
	defer proxy.Close()
	f := &fakeServer{maxModelLen: 4096}
	mux := http.NewServeMux()
	mux.Handle("/", f.handler())
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"fake\"} 0")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	path := filepath.Join(t.TempDir(), "proxy.yaml")
	yaml := fmt.Sprintf("version: 1\nname: proxy\nserver: {url: \"http://0.0.0.0:%s\", ready: {timeout: 5s}}\nmodel: {name: fake}\n"+
		"profiles: {p: {input: 4, output: 2}}\nstages: [{name: s, profile: p, concurrency: 1, requests: 2}]\n"+
		"report: {dir: %q}\n", port, t.TempDir())
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := testexec.Command(t, "execute", path)
	cmd.Env = append(cmd.Env, "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil || proxied.Load() != 0 {
		t.Fatalf("run with HTTP_PROXY set: %v, %d requests went to the proxy; output:\n%s", err, proxied.Load(), out.String())
	}
	if !strings.Contains(out.String(), "scraped") {
		t.Errorf("the child did not scrape /metrics directly:\n%s", out.String())
	}
}

// executeChild is the "execute" helper: it runs the scenario file args[0]
// and exits 0 when the run completed.
func executeChild(args []string) int {
	sc, err := schema.Load(context.Background(), args[0])
	if err != nil {
		fmt.Println(err)
		return 2
	}
	p, err := NewPlan(sc)
	if err != nil {
		fmt.Println(err)
		return 2
	}
	run, _, err := Execute(context.Background(), Options{Plan: p, Version: "test",
		Logf: func(f string, a ...any) { fmt.Printf(f+"\n", a...) }})
	if err != nil {
		fmt.Println("run failed:", err)
		return 1
	}
	if st := run.Stages[0]; st.Server != nil && st.Server.Available {
		fmt.Println("scraped /metrics")
	}
	fmt.Println("notes:", run.Notes)
	return 0
}
