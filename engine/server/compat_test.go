package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/internal/compat"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

func ollama() *compat.Ollama {
	return &compat.Ollama{Model: "tiny:latest", Version: "0.17.4", TokenDelay: time.Millisecond}
}

// logLines collects Logf lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestAttachWithoutHealthEndpoint: Ollama's /health is a permanent 404.
// With schema's defaults (ready.path /health, 10 minutes, 1 s interval) the
// attach succeeds on its first poll: the 404 sends readiness to
// /v1/models, and the health path is not asked again.
func TestAttachWithoutHealthEndpoint(t *testing.T) {
	o := ollama()
	srv := httptest.NewServer(o)
	defer srv.Close()
	s := defaultServer(t, srv.URL)
	if s.Ready.Path != "/health" || s.Ready.Timeout.D() != 10*time.Minute {
		t.Fatalf("schema defaults changed: %+v (this test is about the defaults)", s.Ready)
	}
	var log logLines
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	begin := time.Now()
	h, err := Start(ctx, Options{Server: s, Logf: log.logf})
	took := time.Since(begin)
	if err != nil {
		t.Fatalf("attach to a server without /health: %v", err)
	}
	t.Logf("attached in %s (ready.interval %s)", took, s.Ready.Interval)
	defer h.Stop(context.Background())
	if got := o.Hits("/health"); got != 1 {
		t.Errorf("/health asked %d times, want once", got)
	}
	if got := o.Hits("/v1/models"); got != 1 {
		t.Errorf("/v1/models asked %d times, want once (ready at the first poll)", got)
	}
	// Generous: the point is "one poll", not "ten minutes".
	if limit := s.Ready.Interval.D() + 5*time.Second; took > limit {
		t.Errorf("attach took %s, want under the interval plus one probe (%s)", took, limit)
	}
	if !strings.Contains(log.String(), "404") || !strings.Contains(log.String(), "/v1/models alone") {
		t.Errorf("the log does not say why /health was skipped:\n%s", log.String())
	}
}

// TestPreflightOllama: a tagged id matches its untagged name, the missing
// max_model_len is reported as unknown (0), the version comes from
// /api/version.
func TestPreflightOllama(t *testing.T) {
	srv := httptest.NewServer(ollama())
	defer srv.Close()
	info, err := Preflight(context.Background(), srv.URL, "tiny", nil, nil)
	if err != nil {
		t.Fatalf("Preflight for model tiny against tiny:latest: %v", err)
	}
	if info.Model != "tiny:latest" || info.MaxModelLen != 0 || info.Version != "0.17.4" {
		t.Errorf("info = %+v, want model tiny:latest, max_model_len 0 (unknown), version 0.17.4", info)
	}
	_, err = Preflight(context.Background(), srv.URL, "huge", nil, nil)
	var me *ModelError
	if !errors.As(err, &me) || me.Model != "huge" || len(me.Served) != 1 || !strings.Contains(err.Error(), `"tiny:latest"`) {
		t.Fatalf("Preflight for a model not served = %v, want a *ModelError listing tiny:latest", err)
	}
}

func TestPickModelPrefersTheExactID(t *testing.T) {
	entries := []modelEntry{{ID: "m:latest", Root: "tagged"}, {ID: "m", Root: "exact"}}
	for _, c := range []struct{ model, root string }{{"m", "exact"}, {"m:latest", "tagged"}} {
		e, err := pickModel("u", c.model, entries)
		if err != nil || e.Root != c.root {
			t.Errorf("pickModel(%q) = %+v, %v; want the %s entry", c.model, e, err, c.root)
		}
	}
	if _, err := pickModel("u", "m:7b", entries); err == nil {
		t.Error("another tag matched")
	}
}

// TestHostileAnswers: whatever a server or gateway answers, no secret
// leaves in an error, and a redirect is reported with its target, never
// followed.
func TestHostileAnswers(t *testing.T) {
	const key = "hostile-key/7Qx2+z"
	redact.Add(key)
	cases := []struct {
		name    string
		handler http.HandlerFunc
		run     func(url string) error
		want    []string
	}{
		{
			name: "models 500 echoing the request headers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
				// A misconfigured gateway: the headers, raw and JSON-escaped.
				w.Write([]byte(`{"error":"upstream failed","request_headers":{"authorization":"` +
					r.Header.Get("Authorization") + `","x-key":"` + strings.ReplaceAll(key, "/", `\/`) + `"}}`))
			},
			run: func(url string) error {
				_, err := Preflight(context.Background(), url, "m", nil, nil, WithAuth(key, map[string]string{"X-Key": key}))
				return err
			},
			want: []string{"500", "upstream failed"},
		},
		{
			name: "models redirected",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://127.0.0.1:9/elsewhere", http.StatusMovedPermanently)
			},
			run: func(url string) error {
				_, err := Preflight(context.Background(), url, "m", nil, nil, WithAuth(key, nil))
				return err
			},
			want: []string{"301", "http://127.0.0.1:9/elsewhere", "not followed"},
		},
		{
			name: "health redirected: fails at once, not after the timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "https://login.example/sso", http.StatusFound)
			},
			run: func(url string) error {
				s := defaultServer(t, url)
				_, err := Start(context.Background(), Options{Server: s})
				return err
			},
			want: []string{"302", "https://login.example/sso", "not followed"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			err := c.run(srv.URL)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q", w)
				}
			}
			for _, form := range []string{key, strings.ReplaceAll(key, "/", `\/`), "Bearer hostile"} {
				if strings.Contains(err.Error(), form) {
					t.Errorf("error holds the key (%q)", form)
				}
			}
		})
	}
}

// TestURLPasswordIsHidden: http://user:PASSWORD@host never shows its
// password, neither in the handle's info nor in errors and log lines.
func TestURLPasswordIsHidden(t *testing.T) {
	const pass = "url-pass-4Kd9"
	redact.AddURL("http://bench:" + pass + "@127.0.0.1")
	srv := httptest.NewServer(ollama())
	defer srv.Close()
	withPass := strings.Replace(srv.URL, "http://", "http://bench:"+pass+"@", 1)
	var log logLines
	h, err := Start(context.Background(), Options{Server: defaultServer(t, withPass), Logf: log.logf})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop(context.Background())
	info, err := Preflight(context.Background(), withPass, "tiny", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	dead := defaultServer(t, "http://bench:"+pass+"@127.0.0.1:"+strconv.Itoa(freePort(t)))
	dead.Ready.Timeout, dead.Ready.Interval = schema.Duration(100*time.Millisecond), schema.Duration(20*time.Millisecond)
	_, startErr := Start(context.Background(), Options{Server: dead, Logf: log.logf})
	for what, s := range map[string]string{"Info().URL": h.Info().URL, "preflight URL": info.URL,
		"log": log.String(), "start error": redact.Error(startErr) + startErr.Error()} {
		if strings.Contains(s, pass) {
			t.Errorf("%s holds the password: %s", what, s)
		}
	}
	if !strings.Contains(h.Info().URL, "bench:"+redact.Mask+"@") {
		t.Errorf("Info().URL = %q, want the user and a mask", h.Info().URL)
	}
}

// TestServerLogSecretAcrossLineCut: a secret right across the 64 KiB cut of
// a long log line is still hidden whole.
func TestServerLogSecretAcrossLineCut(t *testing.T) {
	const secret = "planted-secret-Zq81Xv"
	f := newFake(t, "longline")
	f.opts.Server.Env["SERVEBENCH_FAKE_SECRET"] = secret
	f.opts.Server.Secrets = []string{"SERVEBENCH_FAKE_SECRET"}
	h := f.start(t)
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := f.log(t)
	for _, part := range []string{secret, secret[:10], secret[10:]} {
		if strings.Contains(log, part) {
			t.Errorf("server.log holds %q of the secret", part)
		}
	}
	if !strings.Contains(log, redact.Mask) {
		t.Error("server.log lacks the mask where the secret was")
	}
}

// TestServerLogNeverOverwrites: the log is created, never truncated: an
// existing file, or a name reaching outside the run directory, fails the
// start and the file is untouched.
func TestServerLogNeverOverwrites(t *testing.T) {
	for _, name := range []string{"../victim.txt", "server.log"} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, "ready")
			victim := filepath.Join(f.opts.RunDir, name)
			if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			f.opts.Server.Log = name
			if _, err := Start(context.Background(), f.opts); err == nil || !strings.Contains(err.Error(), "log") {
				t.Fatalf("Start with log %q = %v, want an error about the log", name, err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
				t.Errorf("%s was changed to %q", victim, b)
			}
		})
	}
}

// TestCheckFindsAGoneServer: an attached server that went away is told
// apart from a failed request, and Died closes; a live one is left alone.
func TestCheckFindsAGoneServer(t *testing.T) {
	k := compat.StartKillable(t, ollama())
	h, err := Start(context.Background(), Options{Server: defaultServer(t, k.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Check(context.Background()); err != nil {
		t.Fatalf("Check of a live server = %v", err)
	}
	k.Kill()
	err = h.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "went away") {
		t.Fatalf("Check of a killed server = %v", err)
	}
	select {
	case <-h.Died():
	default:
		t.Fatal("Died not closed")
	}
	if h.ExitErr() == nil {
		t.Error("ExitErr nil after Died")
	}
}

// TestBuiltinDiedCloses: the in-process simulator stopping on its own is a
// death like any other.
func TestBuiltinDiedCloses(t *testing.T) {
	exited := make(chan struct{})
	gone := errors.New("the built-in simulator stopped serving")
	h, err := Start(context.Background(), Options{Builtin: func(context.Context) (Builtin, error) {
		return Builtin{URL: "http://127.0.0.1:1", Stop: func() {}, Exited: exited, ExitErr: gone}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	close(exited)
	select {
	case <-h.Died():
	case <-time.After(10 * time.Second):
		t.Fatal("Died not closed after the simulator exited")
	}
	if !errors.Is(h.ExitErr(), gone) {
		t.Errorf("ExitErr = %v", h.ExitErr())
	}
}

// TestIncompleteSettingsAreRejected: the package takes complete values;
// zero ones are reported all at once, never filled in.
func TestIncompleteSettingsAreRejected(t *testing.T) {
	_, err := Start(context.Background(), Options{Server: schema.Server{Command: []string{"vllm"}, URL: "http://127.0.0.1:1"}})
	if err == nil {
		t.Fatal("Start with zero settings succeeded")
	}
	for _, w := range []string{"server.ready.path", "server.ready.timeout", "server.ready.interval", "server.stop_timeout", "server.log"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
}

// TestReadinessSaysHowLongItStillWaits: a progress line while waiting for
// a server that refuses connections says how long servebench will wait.
func TestReadinessSaysHowLongItStillWaits(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 50 * time.Millisecond
	s := defaultServer(t, "http://127.0.0.1:"+strconv.Itoa(freePort(t)))
	s.Ready.Timeout, s.Ready.Interval = schema.Duration(time.Second), schema.Duration(20*time.Millisecond)
	var log logLines
	if _, err := Start(context.Background(), Options{Server: s, Logf: log.logf}); err == nil {
		t.Fatal("Start against nothing succeeded")
	}
	out := log.String()
	if !strings.Contains(out, "refused") || !strings.Contains(out, "of 1s, giving up in") {
		t.Errorf("progress lines do not say how long the wait still lasts:\n%s", out)
	}
}
