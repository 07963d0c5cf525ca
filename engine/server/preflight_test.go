package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// vllmLike serves /v1/models (one model, max_model_len 896) and /version as vLLM does.
func vllmLike(t *testing.T, models string, version bool) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, models)
	})
	if version {
		mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"version":"0.11.2"}`)
		})
	}
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

const gptOSS = `{"object":"list","data":[{"id":"openai/gpt-oss-120b","object":"model","owned_by":"vllm",` +
	`"root":"/models/gpt-oss-120b","parent":null,"max_model_len":896}]}`

// probeCounter is a probe that records whether it was sent, and for which model.
type probeCounter struct {
	calls int
	model string
	err   error
}

func (p *probeCounter) probe(_ context.Context, model string) error {
	p.calls++
	p.model = model
	return p.err
}

func TestPreflightRejectsProfilesLongerThanContext(t *testing.T) {
	s := vllmLike(t, gptOSS, true)
	checks := []Check{
		{Stage: "sweep", Profile: "safe", P: schema.Profile{Input: schema.Fixed(256), Output: schema.Fixed(128)}},
		{Stage: "long", Profile: "big", P: schema.Profile{Input: schema.Fixed(512), Output: schema.Fixed(512)}},
		{Stage: "long", Profile: "big", P: schema.Profile{Input: schema.Fixed(512), Output: schema.Fixed(512)}}, // repeats are reported once
		{Stage: "huge", Profile: "limit", P: schema.Profile{Input: schema.Fixed(1024), Output: schema.Fixed(256)}},
	}
	var p probeCounter
	info, err := Preflight(context.Background(), s.URL, "openai/gpt-oss-120b", checks, p.probe)
	if err == nil {
		t.Fatal("Preflight passed profiles that do not fit")
	}
	t.Log(err)
	msg := err.Error()
	for _, want := range []string{
		`stage "long": ` + schema.ContextLengthMessage("big", checks[1].P, 896),
		`stage "huge": ` + schema.ContextLengthMessage("limit", checks[3].P, 896),
		"512 + 512 = 1024", "max_model_len is 896", "2 stage profile(s)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, `"sweep"`) || strings.Count(msg, `stage "long"`) != 1 {
		t.Errorf("error lists a fitting or repeated check:\n%s", msg)
	}
	if p.calls != 0 {
		t.Errorf("probe sent %d times although the length check failed", p.calls)
	}
	if info.MaxModelLen != 896 || info.Model != "openai/gpt-oss-120b" {
		t.Errorf("info on failure = %+v, want what was learned", info)
	}
}

func TestPreflightModelNotServedListsServedIDs(t *testing.T) {
	s := vllmLike(t, `{"data":[{"id":"a/one","max_model_len":4096},{"id":"b/two","max_model_len":4096}]}`, false)
	var p probeCounter
	_, err := Preflight(context.Background(), s.URL, "c/three", nil, p.probe)
	if err == nil {
		t.Fatal("Preflight passed a model the server does not serve")
	}
	for _, want := range []string{`"c/three"`, `"a/one", "b/two"`, "model.name"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if p.calls != 0 {
		t.Error("probe sent for a model that is not served")
	}
}

func TestPreflightPassesAndFillsInfo(t *testing.T) {
	s := vllmLike(t, gptOSS, true)
	var p probeCounter
	checks := []Check{{Stage: "sweep", Profile: "fits", P: schema.Profile{Input: schema.Fixed(640), Output: schema.Fixed(256)}}}
	info, err := Preflight(context.Background(), s.URL, "openai/gpt-oss-120b", checks, p.probe)
	if err != nil {
		t.Fatalf("Preflight: %v", err)
	}
	want := schema.ServerInfo{URL: s.URL, Model: "openai/gpt-oss-120b", ModelRoot: "/models/gpt-oss-120b",
		MaxModelLen: 896, Models: []string{"openai/gpt-oss-120b"}, Version: "0.11.2"}
	if fmt.Sprint(info) != fmt.Sprint(want) {
		t.Errorf("info =\n %+v\nwant\n %+v", info, want)
	}
	if p.calls != 1 || p.model != "openai/gpt-oss-120b" {
		t.Errorf("probe sent %d times for model %q, want once for the served id", p.calls, p.model)
	}
}

func TestPreflightEmptyModelTakesFirstAndVersionIsOptional(t *testing.T) {
	s := vllmLike(t, `{"data":[{"id":"first"},{"id":"second"}]}`, false)
	checks := []Check{{Stage: "s", Profile: "p", P: schema.Profile{Input: schema.Fixed(100000), Output: schema.Fixed(1)}}}
	info, err := Preflight(context.Background(), s.URL, "", checks, nil)
	if err != nil {
		t.Fatalf("Preflight with unknown max_model_len: %v", err)
	}
	if info.Model != "first" || info.Version != "" || info.MaxModelLen != 0 {
		t.Errorf("info = %+v", info)
	}
}

func TestPreflightWrapsProbeError(t *testing.T) {
	s := vllmLike(t, gptOSS, true)
	boom := errors.New("HTTP 500: engine dead")
	p := probeCounter{err: boom}
	_, err := Preflight(context.Background(), s.URL, "", nil, p.probe)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "probe request failed: ") {
		t.Fatalf("Preflight = %v, want the wrapped probe error", err)
	}
}

func TestPreflightSendsAPIKeyToGuardedServer(t *testing.T) {
	// Like vllm serve --api-key: /v1 answers 401 without the bearer token.
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k3y" || r.Header.Get("X-Team") != "bench" {
			http.Error(w, `{"error":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, gptOSS)
	}))
	defer s.Close()
	_, err := Preflight(context.Background(), s.URL, "", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "api.api_key") {
		t.Fatalf("Preflight without the key = %v, want a 401 that says to set api.api_key", err)
	}
	info, err := Preflight(context.Background(), s.URL, "", nil, nil, WithAuth("k3y", map[string]string{"X-Team": "bench"}))
	if err != nil || info.MaxModelLen != 896 {
		t.Fatalf("Preflight with the key = %+v, %v", info, err)
	}
}
