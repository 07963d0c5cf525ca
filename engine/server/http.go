package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/servebench/servebench/engine/httpx"
	"github.com/servebench/servebench/schema/redact"
)

// httpClient serves readiness and pre-flight requests with the rules every
// request of servebench follows (engine/httpx: no proxy from the
// environment, no redirects followed); every call carries its own deadline.
var httpClient = httpx.NewClient(httpx.Options{MaxConns: 2})

// maxBody bounds the bodies read from health, models and version endpoints.
const maxBody = 4 << 20

// excerptBytes bounds the part of an error body quoted in a message.
const excerptBytes = 200

// statusError is an answer other than 200. Its message quotes the body
// through the redaction funnel: a gateway that echoes the request headers
// must not put the API key into run.json, the reports or stderr.
type statusError struct {
	url      string // shown form (password hidden)
	code     int
	status   string
	body     string // excerpt, redacted
	location string // of a redirect
}

func (e *statusError) Error() string {
	if e.location != "" || (e.code >= 300 && e.code < 400) {
		return fmt.Sprintf("GET %s answered %s, redirected to %q (redirects are not followed): "+
			"point server.url at the server itself", e.url, e.status, e.location)
	}
	return fmt.Sprintf("GET %s answered %s: %s", e.url, e.status, e.body)
}

// redirect reports whether err is an answer that redirected elsewhere.
func redirect(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.code >= 300 && se.code < 400
}

// notFound reports whether err is a 404 answer.
func notFound(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.code == http.StatusNotFound
}

// errUnauthorized marks a 401 or 403 answer.
var errUnauthorized = errors.New("the server wants an API key")

// get fetches u with the given headers (nil: none) and returns its body when
// it answers 200. Every error names the URL with its password hidden.
func get(ctx context.Context, u string, hdr http.Header) ([]byte, error) {
	shown := redact.URL(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %s", shown, redact.Error(err))
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		// net/http already hides the URL's password; the funnel hides the rest.
		return nil, errors.New(redact.Error(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %s", shown, redact.Error(err))
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return body, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("GET %s answered %s: %w", shown, resp.Status, errUnauthorized)
	}
	se := &statusError{url: shown, code: resp.StatusCode, status: redact.Line(resp.Status), body: excerpt(body)}
	if loc, ok := httpx.Redirect(resp); ok {
		se.location = redact.Excerpt(loc, excerptBytes)
	}
	return nil, se
}

// excerpt shortens a body for an error message: redacted first, then cut.
func excerpt(b []byte) string {
	s := redact.Excerpt(strings.TrimSpace(string(b)), excerptBytes)
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
		return nil, nil, fmt.Errorf("GET %s: not an OpenAI model list (%v): %s", redact.URL(u), err, excerpt(body))
	}
	ids := make([]string, len(list.Data))
	for i, m := range list.Data {
		ids[i] = m.ID
	}
	return ids, list.Data, nil
}
