package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/servebench/servebench/schema"
)

// progressEvery is how often a waiting start-up prints a progress line.
const progressEvery = 10 * time.Second

// maxPollTimeout bounds one readiness request, so a server that accepts but
// never answers is retried rather than waited on for the whole timeout.
const maxPollTimeout = 5 * time.Second

// httpClient serves readiness and pre-flight requests; every call carries
// its own context deadline.
var httpClient = &http.Client{}

// waitReady polls ready.path until it answers 200, then /v1/models until it
// lists a model. p, when non-nil, is the started process: its exit fails the
// wait at once instead of after the timeout.
func waitReady(ctx context.Context, base string, r schema.Ready, p *proc, logf func(string, ...any)) error {
	start := time.Now()
	deadline := time.NewTimer(r.Timeout.D())
	defer deadline.Stop()
	tick := time.NewTicker(r.Interval.D())
	defer tick.Stop()
	var exited <-chan struct{}
	if p != nil {
		exited = p.exited
	}
	healthURL := strings.TrimRight(base, "/") + r.Path
	lastLog := start
	logf("waiting for %s", healthURL)
	for {
		err := pollOnce(ctx, base, healthURL, r.Interval.D())
		if err == nil {
			logf("server at %s ready after %s", base, time.Since(start).Round(time.Millisecond))
			return nil
		}
		if time.Since(lastLog) >= progressEvery {
			lastLog = time.Now()
			logf("waiting for %s (%s): %v", healthURL, time.Since(start).Round(time.Second), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for server at %s: %w", base, ctx.Err())
		case <-exited:
			return fmt.Errorf("server exited during start-up, before %s answered: %w", healthURL, p.exitError())
		case <-deadline.C:
			return fmt.Errorf("server at %s not ready after %s: last error: %v; "+
				"see the server log, or raise server.ready.timeout if the model needs longer to load",
				base, r.Timeout, err)
		case <-tick.C:
		}
	}
}

// pollOnce is one readiness attempt: health first, then the model list.
func pollOnce(ctx context.Context, base, healthURL string, interval time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, min(max(interval, time.Second), maxPollTimeout))
	defer cancel()
	if _, err := get(ctx, healthURL, nil); err != nil {
		return err
	}
	ids, _, err := listModels(ctx, base, nil)
	if errors.Is(err, errUnauthorized) {
		// The server is up and guards /v1 with an API key; the pre-flight
		// check and the probe request, which carry the key, say more.
		return nil
	}
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("GET %s/v1/models lists no model yet", base)
	}
	return nil
}

// errUnauthorized marks a 401 or 403 answer.
var errUnauthorized = errors.New("the server wants an API key")

// maxBody bounds the bodies read from health, models and version endpoints.
const maxBody = 4 << 20

// get fetches u with the given headers (nil: none) and returns its body when it answers 200.
func get(ctx context.Context, u string, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err // already says "Get "URL": ..."
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", u, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return body, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("GET %s answered %s: %w", u, resp.Status, errUnauthorized)
	default:
		return nil, fmt.Errorf("GET %s answered %s: %s", u, resp.Status, excerpt(body))
	}
}

// excerpt shortens a body for an error message.
func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// modelEntry is one entry of /v1/models as vLLM serves it.
type modelEntry struct {
	ID          string `json:"id"`
	Root        string `json:"root"`
	MaxModelLen int    `json:"max_model_len"`
}

// listModels returns the served ids and entries of GET base/v1/models.
func listModels(ctx context.Context, base string, hdr http.Header) ([]string, []modelEntry, error) {
	u := strings.TrimRight(base, "/") + "/v1/models"
	body, err := get(ctx, u, hdr)
	if err != nil {
		return nil, nil, err
	}
	var list struct {
		Data []modelEntry `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, nil, fmt.Errorf("GET %s: not an OpenAI model list: %w", u, err)
	}
	ids := make([]string, len(list.Data))
	for i, m := range list.Data {
		ids[i] = m.ID
	}
	return ids, list.Data, nil
}
