package schema

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema/redact"
)

// TestDefaultsAreComplete: every setting the engine reads arrives filled
// in from the named Default* values, the simulator's included.
func TestDefaultsAreComplete(t *testing.T) {
	sc := loadString(t, "version: 1\nstages:\n  - {name: c, concurrency: 1, requests: 1}\n  - {name: r, rate: 1, duration: 1s}\n"+
		"  - {name: s, search: {rate: {from: 1, to: 4}}, slo: {ttft: 1s}}\n")
	b := sc.Server.Builtin
	c, r, s := sc.Stages[0], sc.Stages[1], sc.Stages[2]
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"model", sc.Model.Name, DefaultSimModel},
		{"model.max_model_len", sc.Model.MaxModelLen, DefaultSimMaxModelLen},
		{"builtin.max_model_len", b.MaxModelLen, DefaultSimMaxModelLen},
		{"max_num_seqs", b.MaxNumSeqs, DefaultSimMaxNumSeqs},
		{"kv_cache_tokens", b.KVCacheTokens, DefaultSimKVCacheTokens},
		{"prefill_per_token", b.PrefillPerToken, DefaultSimPrefillPerToken},
		{"decode_step", b.DecodeStep, DefaultSimDecodeStep},
		{"decode_per_seq", b.DecodePerSeq, DefaultSimDecodePerSeq},
		{"faults.stall", b.Faults.Stall, DefaultSimStall},
		{"faults.error_status", b.Faults.ErrorStatus, DefaultSimErrorStatus},
		{"ready", sc.Server.Ready, Ready{Path: DefaultReadyPath, Timeout: DefaultReadyTimeout, Interval: DefaultReadyInterval}},
		{"stop_timeout", sc.Server.StopTimeout, DefaultStopTimeout},
		{"log", sc.Server.Log, DefaultServerLog},
		{"metrics", sc.Server.Metrics, Scrape{Enabled: ptr(DefaultMetricsEnabled), Path: DefaultMetricsPath, Interval: DefaultMetricsInterval}},
		{"api", sc.API, API{Endpoint: DefaultEndpoint, Timeout: DefaultAPITimeout, IgnoreEOS: ptr(DefaultIgnoreEOS), Stream: ptr(DefaultStream), Prompt: DefaultPrompt}},
		{"profile", []string(c.Profile), []string{DefaultProfile}},
		{"grace", c.Grace, DefaultGrace},
		{"repeat", c.Repeat, DefaultRepeat},
		{"closed loop: no distribution", c.Distribution, ""},
		{"distribution", r.Distribution, DefaultDistribution},
		{"burstiness", r.Burstiness, DefaultBurstiness},
		{"search requests", s.Requests, DefaultSearchRequests},
		{"search resolution (rate)", s.Search.Resolution, DefaultSearchRateResolution},
		{"max_probes", s.Search.MaxProbes, DefaultSearchProbes},
		{"report", sc.Report, Report{Dir: DefaultReportDir, Formats: DefaultFormats, Percentiles: DefaultPercentiles}},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if sc := loadString(t, "version: 1\nmodel: {max_model_len: 1024}\n"+oneStage); sc.Server.Builtin.MaxModelLen != 1024 {
		t.Errorf("the simulator must enforce model.max_model_len, got %d", sc.Server.Builtin.MaxModelLen)
	}
}

// TestExplicitZerosStay: a zero written in the file is never replaced by a
// default; where zero is meaningful it is kept, elsewhere it is reported.
func TestExplicitZerosStay(t *testing.T) {
	sc := loadString(t, "version: 1\nserver:\n  builtin: {prefill_per_token: 0s, decode_per_seq: 0s, faults: {exit_after: 0}}\n"+
		"stages:\n  - {name: s, concurrency: 1, requests: 1, warmup: 0, deadline: 0}\n")
	if b := sc.Server.Builtin; b.PrefillPerToken != 0 || b.DecodePerSeq != 0 || sc.Stages[0].Deadline != 0 {
		t.Errorf("explicit zeros replaced: %+v, deadline %v", b, sc.Stages[0].Deadline)
	}
	_, err := LoadBytes("zero.yaml", []byte("version: 1\nserver:\n  builtin: {max_num_seqs: 0, decode_step: 0s, faults: {error_status: []}}\n"+
		"stages:\n  - {name: s, concurrency: 1, requests: 1, grace: 0s, repeat: 0}\n"), nil)
	for _, want := range []string{"server.builtin.max_num_seqs must be at least 1, got 0", "server.builtin.decode_step must be positive, got 0s",
		"server.builtin.faults.error_status is empty: give at least one HTTP error status", "stages[0].grace must be positive, got 0s",
		"stages[0].repeat must be at least 1, got 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q in %v", want, err)
		}
	}
}

// TestDeadlineZero: the schema documents deadline "(0: none)", so 0 is
// accepted, with or without a unit; other unit-less numbers are not.
func TestDeadlineZero(t *testing.T) {
	for _, d := range []string{"0", "0s", `"0"`} {
		if sc := loadString(t, "version: 1\nstages:\n  - {name: s, concurrency: 1, requests: 1, deadline: "+d+"}\n"); sc.Stages[0].Deadline != 0 {
			t.Errorf("deadline %s: %v", d, sc.Stages[0].Deadline)
		}
	}
	_, err := LoadBytes("d.yaml", []byte("version: 1\nstages:\n  - {name: s, concurrency: 1, requests: 1, deadline: 10}\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "stages[0].deadline must be a duration with a unit such as 30s or 5m, got integer 10 (add a unit, e.g. 10s)") {
		t.Errorf("got %v", err)
	}
}

// TestCheckBuiltinIsTheFile: the sim command's settings get the checks and
// the defaults of a scenario's server.builtin.
func TestCheckBuiltinIsTheFile(t *testing.T) {
	b, err := CheckBuiltin(nil)
	if err != nil {
		t.Fatal(err)
	}
	if file := *loadString(t, "version: 1\n"+oneStage).Server.Builtin; !reflect.DeepEqual(b, file) {
		t.Errorf("sim defaults %+v\nfile defaults %+v", b, file)
	}
	b, err = CheckBuiltin(map[string]any{"max_num_seqs": 8, "decode_per_seq": "0s", "faults": map[string]any{"error_rate": 0.5}})
	if err != nil || b.MaxNumSeqs != 8 || b.DecodePerSeq != 0 || b.Faults.ErrorRate != 0.5 || b.DecodeStep != DefaultSimDecodeStep {
		t.Errorf("%v %+v", err, b)
	}
	_, err = CheckBuiltin(map[string]any{"faults": map[string]any{"error_rate": 2}, "max_model_len": -1})
	var d *Diagnostics
	if !errors.As(err, &d) || len(d.List) != 2 || d.List[0].Path != "server.builtin.faults.error_rate" && d.List[1].Path != "server.builtin.faults.error_rate" {
		t.Errorf("got %v", err)
	}
}

// TestScalarsWhereStringsBelong: YAML numbers and booleans are read as
// their text where the schema wants a string (as YAML decoders do).
func TestScalarsWhereStringsBelong(t *testing.T) {
	sc := loadString(t, "version: 1\nname: 2024\nserver:\n  command: [vllm, serve, m, --port, 8000]\n  url: http://127.0.0.1:8000\n"+
		"  env: {CUDA_VISIBLE_DEVICES: 0, FLAG: true, RATIO: 0.50}\n"+oneStage)
	if sc.Name != "2024" || sc.Server.Command[4] != "8000" || sc.Server.Env["CUDA_VISIBLE_DEVICES"] != "0" ||
		sc.Server.Env["FLAG"] != "true" || sc.Server.Env["RATIO"] != "0.50" {
		t.Errorf("%q %q %v", sc.Name, sc.Server.Command, sc.Server.Env)
	}
}

// TestSecretsAreRegistered: Load registers the scenario's secrets,
// server.url's password included, with the funnel; Redacted hides them.
func TestSecretsAreRegistered(t *testing.T) {
	path := writeFile(t, "s.yaml", "version: 1\nserver: {url: \"http://user:pa55-word-9@127.0.0.1:8000\"}\napi: {api_key: key-4711-abc}\n"+oneStage)
	sc, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(sc.SecretValues(), ","), "pa55-word-9") {
		t.Errorf("SecretValues lacks the URL password: %v", sc.SecretValues())
	}
	for _, s := range []string{"pa55-word-9", "key-4711-abc"} {
		if got := redact.String("echo " + s); strings.Contains(got, s) {
			t.Errorf("%s not registered: %q", s, got)
		}
	}
	b, _ := json.Marshal(sc.Redacted())
	if strings.Contains(string(b), "pa55-word-9") || !strings.Contains(string(b), "user:") {
		t.Errorf("Redacted: %s", b)
	}
	if sc.Server.URL != "http://user:pa55-word-9@127.0.0.1:8000" {
		t.Errorf("Redacted changed the original: %s", sc.Server.URL)
	}
}

// TestDiagnosticsLeaveThroughTheFunnel: registered secrets and terminal
// control bytes never reach the output, in any format.
func TestDiagnosticsLeaveThroughTheFunnel(t *testing.T) {
	redact.Add("s3cr3t-value-x")
	src := "version: 1\nname: \"a/\\x1b[2Jb\"\nserver: {url: \"http://127.0.0.1:1/s3cr3t-value-x/v1\"}\n" + oneStage
	_, err := LoadBytes("f.yaml", []byte(src), nil)
	var d *Diagnostics
	if !errors.As(err, &d) || len(d.List) != 2 {
		t.Fatalf("got %v", err)
	}
	var text, js, gh strings.Builder
	_ = FormatText(&text, d.List, false)
	_ = FormatDiagnosticsJSON(&js, d.List)
	_ = FormatGitHub(&gh, d.List)
	for name, out := range map[string]string{"text": text.String(), "json": js.String(), "github": gh.String(), "error": err.Error()} {
		if strings.Contains(out, "s3cr3t-value-x") || strings.Contains(out, "\x1b") {
			t.Errorf("%s output leaks:\n%q", name, out)
		}
	}
}

// TestIndentationHint: a mis-indented key gets the columns it could line
// up with instead of the parser's bare words.
func TestIndentationHint(t *testing.T) {
	_, err := LoadBytes("i.yaml", []byte("version: 1\nserver:\n  builtin:\n    max_num_seqs: 16\n   decode_step: 2ms\n"+oneStage), nil)
	want := `"decode_step" starts at column 4, but the keys above it start at column 5 ("max_num_seqs", line 4), column 3 ("builtin", line 3) or column 1 ("server", line 2)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("want %s, got %v", want, err)
	}
}
