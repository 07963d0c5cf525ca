// Package scrape answers "what was the server doing while we measured?": it
// polls the server's Prometheus /metrics endpoint during a stage and turns
// the samples into a schema.ServerMetrics (gauge time series, their
// aggregates, and counter deltas).
//
// vLLM, SGLang and TGI name the same quantities differently; the package maps
// them to short names (num_requests_running, num_requests_waiting,
// num_requests_swapped, kv_cache_usage, prompt_tokens, generation_tokens,
// preemptions, request_success) so reports and thresholds read one vocabulary.
// The text is parsed by the Prometheus project's own parser, never by hand.
//
// Scraping is best effort: a server without /metrics, or a scrape that fails
// mid-stage, becomes a note in the result, never an error of the run.
package scrape

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/servebench/servebench/engine/httpx"
	"github.com/servebench/servebench/schema/redact"
)

// minTimeout and maxTimeout bound one scrape: a scrape may take up to one
// interval, but never less than minTimeout nor more than maxTimeout, so a
// hung server cannot stall Stop.
const (
	minTimeout = time.Second
	maxTimeout = 10 * time.Second
)

// httpClient sends every scrape with the rules of engine/httpx: no proxy
// from the environment, redirects reported, never followed.
var httpClient = httpx.NewClient(httpx.Options{MaxConns: 1})

// Options say where and how often to scrape. Both URL and Interval come
// from the scenario (schema's defaults pass fills them); zero values are
// rejected, never replaced.
type Options struct {
	// URL is the full URL of the metrics endpoint, e.g. http://127.0.0.1:8000/metrics.
	URL string
	// Interval between scrapes.
	Interval time.Duration
	// Model keeps only samples whose model_name label equals it; samples
	// without the label are always kept. Empty keeps everything.
	Model string
}

// check rejects incomplete options.
func (o Options) check() error {
	var errs []error
	if o.URL == "" {
		errs = append(errs, errors.New("no URL"))
	}
	if o.Interval <= 0 {
		errs = append(errs, fmt.Errorf("interval %s is not positive", o.Interval))
	}
	if len(errs) > 0 {
		return fmt.Errorf("scrape settings incomplete (%w)", errors.Join(errs...))
	}
	return nil
}

// timeout is how long one scrape may take.
func (o Options) timeout() time.Duration {
	return min(max(o.Interval, minTimeout), maxTimeout)
}

// notCollected ends every note that explains why there are no server metrics,
// so reports can show the note verbatim.
const notCollected = "server metrics not collected"

// Probe fetches the endpoint once and says whether scraping it is worthwhile:
// ok is false when the server has no /metrics (404), cannot be reached, does
// not speak the Prometheus text format, or exposes none of the known metrics.
// note then says why, in words fit for a report.
func Probe(ctx context.Context, o Options) (ok bool, note string) {
	if err := o.check(); err != nil {
		return false, fmt.Sprintf("%v: %s", err, notCollected)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	snap, err := fetch(ctx, o)
	if err != nil {
		return false, probeNote(o.URL, err)
	}
	if snap.empty() {
		return false, fmt.Sprintf("server metrics at %q include none of the known vLLM, SGLang or TGI metrics: %s", redact.URL(o.URL), notCollected)
	}
	return true, ""
}

// probeNote explains a failed probe, naming the common cases plainly.
func probeNote(rawURL string, err error) string {
	url := redact.URL(rawURL)
	var se statusError
	switch {
	case errors.As(err, &se) && se.location != "":
		return fmt.Sprintf("server metrics at %q answered %d, redirected to %q (redirects are not followed): %s",
			url, se.code, se.location, notCollected)
	case errors.As(err, &se) && se.code == http.StatusNotFound:
		return fmt.Sprintf("server has no /metrics (404 at %q): %s", url, notCollected)
	case errors.As(err, &se):
		return fmt.Sprintf("server metrics at %q answered %d: %s", url, se.code, notCollected)
	case errors.As(err, new(parseError)):
		return fmt.Sprintf("server metrics at %q are not in the Prometheus text format (%s): %s", url, redact.Excerpt(err.Error(), 200), notCollected)
	default:
		return fmt.Sprintf("server metrics at %q unreachable (%s): %s", url, redact.Error(err), notCollected)
	}
}
