package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Check is one stage's token profile, from the plan: Preflight verifies it
// fits the context length the live server reports.
type Check struct {
	Stage   string
	Profile string
	P       schema.Profile
}

// Preflight asks the live server what it serves before any load is sent:
// the model must be listed by /v1/models (model "" takes the first one; a
// served id that differs only by an implicit ":latest" tag matches, as
// Ollama lists "tiny:latest" for "tiny"), and every check must fit the
// max_model_len it reports (all violations are returned in one error, each
// naming its stage). A server that does not report max_model_len passes the
// check, and the returned info has MaxModelLen 0 so the caller can say the
// live check was skipped. The version is read from /version (vLLM) or
// /api/version (Ollama) when served. Only then is probe called with the
// served model id, one real request, whose error is wrapped; it is never
// sent when a check failed.
//
// The returned info holds what was learned even when err is non-nil, so a
// failed run still records the server's identity. A model the server does
// not serve is a *ModelError.
func Preflight(ctx context.Context, url string, model string, checks []Check, probe func(ctx context.Context, model string) error, opts ...PreflightOption) (schema.ServerInfo, error) {
	var cfg preflightConfig
	for _, o := range opts {
		o(&cfg)
	}
	shown := redact.URL(url)
	info := schema.ServerInfo{URL: shown}
	ids, entries, err := listModelsWithin(ctx, url, cfg.header)
	if err != nil {
		return info, fmt.Errorf("pre-flight check of %s: %w", shown, hintAuth(err))
	}
	info.Models = ids
	entry, err := pickModel(shown, model, entries)
	if err != nil {
		return info, err
	}
	info.Model, info.ModelRoot, info.MaxModelLen = entry.ID, entry.Root, entry.MaxModelLen
	info.Version = serverVersion(ctx, url, cfg.header)
	if err := checkContext(shown, info.MaxModelLen, checks); err != nil {
		return info, err
	}
	if probe != nil {
		if err := probe(ctx, entry.ID); err != nil {
			return info, fmt.Errorf("probe request failed: %w", err)
		}
	}
	return info, nil
}

// PreflightOption adjusts a pre-flight check.
type PreflightOption func(*preflightConfig)

type preflightConfig struct {
	header http.Header
}

// WithAuth sends the scenario's API key (as "Authorization: Bearer KEY"
// when non-empty) and extra headers with the pre-flight requests: a vLLM
// started with --api-key guards /v1/models too.
func WithAuth(apiKey string, headers map[string]string) PreflightOption {
	return func(c *preflightConfig) { c.header = AuthHeader(apiKey, headers) }
}

// AuthHeader is the header of every request besides the benchmark's own:
// the extra headers, and "Authorization: Bearer KEY" when the key is set.
func AuthHeader(apiKey string, headers map[string]string) http.Header {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	if apiKey != "" {
		h.Set("Authorization", "Bearer "+apiKey)
	}
	return h
}

// hintAuth adds what to do to an authorisation failure.
func hintAuth(err error) error {
	if errors.Is(err, errUnauthorized) {
		return fmt.Errorf("%w; set api.api_key to the key the server was started with (vllm serve --api-key) and check that it matches", err)
	}
	return err
}

// ModelError is a model the server does not serve: the scenario names the
// wrong model, or the server was started with another one. Nothing was
// measured; it is a configuration problem, not a failed run.
type ModelError struct {
	Model  string   // as the scenario names it
	URL    string   // shown form
	Served []string // ids of /v1/models; empty when it serves none
}

func (e *ModelError) Error() string {
	if len(e.Served) == 0 {
		return fmt.Sprintf("server at %s serves no model (GET /v1/models lists none): check that it loaded the model", e.URL)
	}
	quoted := make([]string, len(e.Served))
	for i, id := range e.Served {
		quoted[i] = fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("model %q is not served by %s; it serves %s: "+
		"set model.name to one of them or start the server with that model",
		e.Model, e.URL, strings.Join(quoted, ", "))
}

// latestTag is the tag Ollama (and Docker-style names) imply when none is given.
const latestTag = ":latest"

// pickModel finds the requested model among the served ones: the exact id
// first, then one that differs only by an implicit ":latest".
func pickModel(url, model string, entries []modelEntry) (modelEntry, error) {
	if len(entries) == 0 {
		return modelEntry{}, &ModelError{Model: model, URL: url}
	}
	if model == "" {
		return entries[0], nil
	}
	for _, exact := range []bool{true, false} {
		for _, e := range entries {
			if e.ID == model || (!exact && (e.ID == model+latestTag || model == e.ID+latestTag)) {
				return e, nil
			}
		}
	}
	served := make([]string, len(entries))
	for i, e := range entries {
		served[i] = e.ID
	}
	return modelEntry{}, &ModelError{Model: model, URL: url, Served: served}
}

// checkContext returns every check that does not fit maxModelLen in one
// error; an unknown length (0: the server does not report it) passes.
func checkContext(url string, maxModelLen int, checks []Check) error {
	var bad []string
	seen := map[[2]string]bool{} // stage and profile: repeats are reported once
	for _, c := range checks {
		key := [2]string{c.Stage, c.Profile}
		if seen[key] || c.P.Fits(maxModelLen) {
			continue
		}
		seen[key] = true
		bad = append(bad, fmt.Sprintf("stage %q: %s", c.Stage, schema.ContextLengthMessage(c.Profile, c.P, maxModelLen)))
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("the server at %s reports max_model_len %d, too short for %d stage profile(s); no request was sent:\n  %s",
		url, maxModelLen, len(bad), strings.Join(bad, "\n  "))
}

// preflightTimeout bounds each metadata request, so a server that accepts
// connections but hangs fails the run instead of stalling it.
const preflightTimeout = 30 * time.Second

func listModelsWithin(ctx context.Context, url string, hdr http.Header) ([]string, []modelEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	return listModels(ctx, url, hdr)
}

// versionPaths serve {"version": "..."}: vLLM's and SGLang's /version,
// Ollama's /api/version.
var versionPaths = []string{"/version", "/api/version"}

// maxVersionLen bounds the version string kept in run.json.
const maxVersionLen = 100

// serverVersion reads the first version path that answers; servers that
// serve none (not every OpenAI-compatible one does) give "".
func serverVersion(ctx context.Context, url string, hdr http.Header) string {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	for _, p := range versionPaths {
		body, err := get(ctx, strings.TrimRight(url, "/")+p, hdr)
		if err != nil {
			continue
		}
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(body, &v) == nil && v.Version != "" {
			return redact.Excerpt(v.Version, maxVersionLen)
		}
	}
	return ""
}
