package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	sc, err := Load(context.Background(), "testdata/minimal.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Stages[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", sc.Name, "minimal.good"},
		{"kind", sc.Server.Kind(), ServerBuiltin},
		{"model", sc.Model.Name, DefaultSimModel},
		{"report.dir", sc.Report.Dir, "bench_results"},
		{"formats", strings.Join(sc.Report.Formats, ","), "markdown,html,json,junit"},
		{"percentiles", len(sc.Report.Percentiles), 4},
		{"endpoint", sc.API.Endpoint, EndpointCompletions},
		{"timeout", sc.API.Timeout.D(), 5 * time.Minute},
		{"ignore_eos", *sc.API.IgnoreEOS, true},
		{"stream", *sc.API.Stream, true},
		{"prompt", sc.API.Prompt, PromptAuto},
		{"ready.path", sc.Server.Ready.Path, "/health"},
		{"ready.timeout", sc.Server.Ready.Timeout.D(), 10 * time.Minute},
		{"ready.interval", sc.Server.Ready.Interval.D(), time.Second},
		{"stop_timeout", sc.Server.StopTimeout.D(), 30 * time.Second},
		{"log", sc.Server.Log, "server.log"},
		{"metrics.path", sc.Server.Metrics.Path, "/metrics"},
		{"metrics.interval", sc.Server.Metrics.Interval.D(), time.Second},
		{"profile", strings.Join(st.Profile, ","), "safe"},
		{"grace", st.Grace.D(), 30 * time.Second},
		{"repeat", st.Repeat, 1},
		{"distribution (closed loop: unset)", st.Distribution, ""},
		{"levels", st.Concurrency.Values[0], 4},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestRangesAndAnchors(t *testing.T) {
	sc, err := Load(context.Background(), "testdata/anchors.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	low, high := sc.Stages[0], sc.Stages[1]
	if low.Profile[0] != "dev" || low.Requests != 16 || low.Warmup != 1 {
		t.Errorf("merged defaults not applied: %+v", low)
	}
	if high.Profile[0] != "safe" {
		t.Errorf("override after merge lost: %v", high.Profile)
	}
	if got := high.Concurrency.Values; len(got) != 4 || got[0] != 4 || got[3] != 16 {
		t.Errorf("range expansion: %v", got)
	}
	sc = loadString(t, "version: 1\nstages:\n  - name: r\n    rate: {from: 0.5, to: 2, step: 0.5}\n    duration: 5s\n")
	if got := sc.Stages[0].Rate.Values; len(got) != 4 || got[3] != 2 {
		t.Errorf("rate range: %v", got)
	}
	if sc.Stages[0].Distribution != DistPoisson || sc.Stages[0].Burstiness != 1 {
		t.Errorf("open-loop defaults: %+v", sc.Stages[0])
	}
}

func TestEnvExpansion(t *testing.T) {
	src := mustRead(t, "testdata/env.good.yaml")
	sc, err := LoadBytes("env.yaml", src, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "env-demo" || sc.Server.URL != "http://127.0.0.1:9000" || sc.API.APIKey != "" || sc.API.Timeout.D() != 90*time.Second {
		t.Fatalf("expansion: name=%q url=%q key=%q timeout=%v", sc.Name, sc.Server.URL, sc.API.APIKey, sc.API.Timeout)
	}
	// A variable's value is only ever a string: YAML in it stays text.
	env := func(string) (string, bool) { return "x\nstages: []", true }
	sc, err = LoadBytes("env.yaml", src, env)
	if err == nil {
		t.Fatalf("an injected URL must fail URL validation, got %q", sc.Server.URL)
	}
	for in, want := range map[string]string{"a$b": "a$b", "$$x": "$x", "${SB_SET}-${NOPE:-d}": "value-d", "$": "$"} {
		got, err := expandEnv(in, testEnv, MaxExpandedBytes)
		if err != nil || got != want {
			t.Errorf("expandEnv(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := expandEnv("${SB_SET", testEnv, MaxExpandedBytes); err == nil {
		t.Error("unterminated reference accepted")
	}
}

func TestDockerURLDerived(t *testing.T) {
	sc, err := Load(context.Background(), "testdata/docker.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Server.URL != "http://127.0.0.1:8001" {
		t.Fatalf("url = %q", sc.Server.URL)
	}
}

func TestRedacted(t *testing.T) {
	sc, err := Load(context.Background(), "testdata/docker.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc.API.APIKey = "sk-live"
	sc.API.Headers = map[string]string{"X-Token": "t0k"}
	sc.Server.Env["PLAIN"] = "visible"
	r := sc.Redacted()
	if r.API.APIKey != RedactedValue || r.API.Headers["X-Token"] != RedactedValue ||
		r.Server.Env["HF_TOKEN"] != RedactedValue || r.Server.Env["PLAIN"] != "visible" {
		t.Fatalf("redacted: %+v %+v", r.API, r.Server.Env)
	}
	if sc.Server.Env["HF_TOKEN"] != "secret-value" || sc.API.APIKey != "sk-live" {
		t.Fatal("Redacted changed the original")
	}
	b, _ := json.Marshal(r)
	if bytes.Contains(b, []byte("secret-value")) || bytes.Contains(b, []byte("sk-live")) {
		t.Fatalf("secret in JSON: %s", b)
	}
}

func TestProfileFor(t *testing.T) {
	sc := loadString(t, "version: 1\nprofiles:\n  safe: {input: 10, output: 5}\n  mine: {input: 1, output: 1}\nstages: [{name: s, profile: mine, concurrency: 1, requests: 1}]\n")
	if p, ok := sc.ProfileFor("safe"); !ok || p.Input != Fixed(10) {
		t.Errorf("user profile must override built-in: %+v", p)
	}
	if p, ok := sc.ProfileFor("stress"); !ok || p.Input != Fixed(512) {
		t.Errorf("built-in stress: %+v", p)
	}
	if _, ok := sc.ProfileFor("nope"); ok {
		t.Error("unknown profile found")
	}
}

// TestValidateAfterOverride is how the CLI uses Validate: mutate a loaded
// scenario, then re-check it without positions.
func TestValidateAfterOverride(t *testing.T) {
	sc, err := Load(context.Background(), "testdata/docker.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(sc); err != nil {
		t.Fatalf("a loaded scenario must stay valid: %v", err)
	}
	sc.Stages[0].Profile = ProfileRef{"stress", "dev"}
	sc.Model.MaxModelLen = 700
	sc.Stages[0].Concurrency = &Levels{Values: []int{8, 4}}
	err = Validate(sc)
	var d *Diagnostics
	if !errors.As(err, &d) || len(d.List) != 2 {
		t.Fatalf("want 2 diagnostics, got %v", err)
	}
	first := d.List[0]
	if first.Line != 0 || !strings.HasPrefix(first.String(), `testdata/docker.good.yaml: stage "sweep": profile "stress" needs 512 + 256 = 768 tokens, but max_model_len is 700`) {
		t.Fatalf("unexpected: %v", err)
	}
	if !strings.Contains(err.Error(), "must be ascending and unique: 4 follows 8") {
		t.Fatalf("unexpected: %v", err)
	}
}

func TestDiagnosticFormats(t *testing.T) {
	_, err := Load(context.Background(), "testdata/many-problems.bad.yaml")
	var d *Diagnostics
	if !errors.As(err, &d) || len(d.List) != 4 {
		t.Fatalf("want 4 diagnostics, got %v", err)
	}
	text := err.Error()
	if !strings.HasPrefix(text, "testdata/many-problems.bad.yaml:6:14: unknown profile \"stres\"") ||
		!strings.Contains(text, "> 6 |     profile: stres\n") {
		t.Errorf("text:\n%s", text)
	}
	var js bytes.Buffer
	if err := FormatDiagnosticsJSON(&js, d.List); err != nil {
		t.Fatal(err)
	}
	var arr []map[string]any
	if err := json.Unmarshal(js.Bytes(), &arr); err != nil || len(arr) != 4 || arr[1]["line"] != 7.0 || arr[1]["column"] != 5.0 {
		t.Errorf("json: %s (%v)", js.String(), err)
	}
	var gh bytes.Buffer
	_ = FormatGitHub(&gh, d.List)
	if !strings.HasPrefix(gh.String(), "::error file=testdata/many-problems.bad.yaml,line=6,col=14::unknown profile") {
		t.Errorf("github: %s", gh.String())
	}
	var col bytes.Buffer
	_ = FormatText(&col, d.List, true)
	if !strings.Contains(col.String(), "\x1b[31m") {
		t.Error("color output has no color")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(context.Background(), filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("want ErrNotExist, got %v", err)
	}
}

func TestSuggest(t *testing.T) {
	for word, want := range map[string]string{"concurency": "concurrency", "modle": "model", "xyz": "", "formts": "formats"} {
		if got := suggest(word, []string{"concurrency", "model", "formats", "to"}); got != want {
			t.Errorf("suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	src, err := os.ReadFile("../scenarios/gpt-oss-120b.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadBytes("gpt-oss-120b.yaml", src, func(string) (string, bool) { return "", false }); err != nil {
			b.Fatal(err)
		}
	}
}
