package engine

import (
	"context"
	"strings"

	"github.com/servebench/servebench/engine/scrape"
	"github.com/servebench/servebench/schema"
)

// probeMetrics asks once whether the server exposes Prometheus metrics; a
// server without them gets a note in the run, never an error.
func (s *session) probeMetrics(ctx context.Context, sc *schema.Scenario, op *opening) {
	if !*sc.Server.Metrics.Enabled {
		return
	}
	o := scrapeOptions(sc.Server.Metrics, s.url, s.model)
	if ok, note := scrape.Probe(ctx, o); !ok {
		op.notes = append(op.notes, note)
		return
	}
	s.scrape = &o
}

// scrapeOptions says where and how often the server's metrics are scraped.
func scrapeOptions(m schema.Scrape, baseURL, model string) scrape.Options {
	return scrape.Options{URL: strings.TrimSuffix(baseURL, "/") + m.Path, Interval: m.Interval.D(), Model: model}
}

// startScrape scrapes the server during a stage when the session found
// metrics worth scraping; nil otherwise.
func (s *session) startScrape(ctx context.Context) *scrape.Scraper {
	if s.scrape == nil {
		return nil
	}
	return scrape.Start(ctx, *s.scrape)
}

func stopScrape(sc *scrape.Scraper) *schema.ServerMetrics {
	if sc == nil {
		return nil
	}
	return sc.Stop()
}
