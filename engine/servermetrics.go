package engine

import (
	"context"
	"strings"

	"github.com/servebench/servebench/engine/scrape"
	"github.com/servebench/servebench/schema"
)

// probeMetrics asks once whether the server exposes Prometheus metrics; a
// server without them gets a note in the run, never an error.
func (e *executor) probeMetrics(ctx context.Context) {
	m := e.sc.Server.Metrics
	if m.Enabled != nil && !*m.Enabled {
		return
	}
	ok, note := scrape.Probe(ctx, e.scrapeOptions())
	e.scrapeOK = ok
	if !ok {
		e.result.Notes = append(e.result.Notes, note)
	}
}

func (e *executor) scrapeOptions() scrape.Options {
	m := e.sc.Server.Metrics
	path := m.Path
	if path == "" {
		path = "/metrics"
	}
	return scrape.Options{
		URL:      strings.TrimSuffix(e.handle.URL(), "/") + path,
		Interval: m.Interval.D(),
		Model:    e.sc.Model.Name,
	}
}

func (e *executor) startScrape(ctx context.Context) *scrape.Scraper {
	if !e.scrapeOK {
		return nil
	}
	return scrape.Start(ctx, e.scrapeOptions())
}

func (e *executor) stopScrape(s *scrape.Scraper) *schema.ServerMetrics {
	if s == nil {
		return nil
	}
	return s.Stop()
}
