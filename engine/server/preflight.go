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
)

// Check is one stage's token profile, from the plan: Preflight verifies it
// fits the context length the live server reports.
type Check struct {
	Stage   string
	Profile string
	P       schema.Profile
}

// PreflightResult is what the pre-flight check learned about the server.
// Preflight returns the ServerInfo directly; the type names the result for
// callers that keep it beside other stage data.
type PreflightResult struct{ Info schema.ServerInfo }

// Preflight asks the live server what it serves before any load is sent:
// the model must be listed by /v1/models (model "" takes the first one), and
// every check must fit the max_model_len it reports (all violations are
// returned in one error, each naming its stage). /version is read when
// served. Only then is probe called, one real request, whose error is
// wrapped; it is never sent when the length check failed.
//
// The returned info holds what was learned even when err is non-nil, so a
// failed run still records the server's identity.
func Preflight(ctx context.Context, url string, model string, checks []Check, probe func(ctx context.Context) error, opts ...PreflightOption) (schema.ServerInfo, error) {
	var cfg preflightConfig
	for _, o := range opts {
		o(&cfg)
	}
	info := schema.ServerInfo{URL: url}
	ids, entries, err := listModelsWithin(ctx, url, cfg.header)
	if err != nil {
		return info, fmt.Errorf("pre-flight check of %s: %w", url, hintAuth(err))
	}
	info.Models = ids
	entry, err := pickModel(url, model, entries)
	if err != nil {
		return info, err
	}
	info.Model, info.ModelRoot, info.MaxModelLen = entry.ID, entry.Root, entry.MaxModelLen
	info.Version = serverVersion(ctx, url, cfg.header)
	if err := checkContext(url, info.MaxModelLen, checks); err != nil {
		return info, err
	}
	if probe != nil {
		if err := probe(ctx); err != nil {
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
	return func(c *preflightConfig) {
		c.header = http.Header{}
		for k, v := range headers {
			c.header.Set(k, v)
		}
		if apiKey != "" {
			c.header.Set("Authorization", "Bearer "+apiKey)
		}
	}
}

// hintAuth adds what to do to an authorisation failure.
func hintAuth(err error) error {
	if errors.Is(err, errUnauthorized) {
		return fmt.Errorf("%w; set api.api_key to the key the server was started with (vllm serve --api-key) and check that it matches", err)
	}
	return err
}

// pickModel finds the requested model among the served ones.
func pickModel(url, model string, entries []modelEntry) (modelEntry, error) {
	if len(entries) == 0 {
		return modelEntry{}, fmt.Errorf("server at %s serves no model (GET /v1/models lists none): "+
			"check that it loaded the model", url)
	}
	if model == "" {
		return entries[0], nil
	}
	quoted := make([]string, len(entries))
	for i, e := range entries {
		if e.ID == model {
			return e, nil
		}
		quoted[i] = fmt.Sprintf("%q", e.ID)
	}
	return modelEntry{}, fmt.Errorf("model %q is not served by %s; it serves %s: "+
		"set model.name to one of them or start the server with that model",
		model, url, strings.Join(quoted, ", "))
}

// checkContext returns every check that does not fit maxModelLen in one
// error; an unknown length (0: the server does not report it) passes.
func checkContext(url string, maxModelLen int, checks []Check) error {
	var bad []string
	seen := map[Check]bool{}
	for _, c := range checks {
		if seen[c] || c.P.Fits(maxModelLen) {
			continue
		}
		seen[c] = true
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

// serverVersion reads {"version": "..."} from /version; servers that do not
// serve it (not every OpenAI-compatible one does) give "".
func serverVersion(ctx context.Context, url string, hdr http.Header) string {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	body, err := get(ctx, strings.TrimRight(url, "/")+"/version", hdr)
	if err != nil {
		return ""
	}
	var v struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	return v.Version
}
