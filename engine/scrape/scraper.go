package scrape

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/servebench/servebench/schema"
)

// Scraper polls one metrics endpoint in its own goroutine for the length of
// a stage. Only that goroutine touches the collected samples until it has
// finished; Stop reads them after waiting for it.
type Scraper struct {
	stop chan struct{}
	done chan struct{}

	once   sync.Once
	result *schema.ServerMetrics

	// Written by the scraping goroutine only; read by Stop after done closes.
	rec recorder
}

// Start scrapes once before it returns, then every Interval until Stop is
// called or ctx is cancelled. The first scrape is the baseline of every
// counter delta, so it is taken before the caller sends the stage's first
// request: a counter that moved before the baseline (the prefix cache's hits
// of the first requests) would be missing from the stage. Cancelling ctx
// ends the scraping; Stop must still be called to collect what was
// gathered. Incomplete options scrape nothing, and Stop's result says why.
func Start(ctx context.Context, o Options) *Scraper {
	s := &Scraper{stop: make(chan struct{}), done: make(chan struct{})}
	if err := o.check(); err != nil {
		s.rec.failed, s.rec.firstErr = 1, fmt.Sprintf("%v: %s", err, notCollected)
		close(s.done)
		return s
	}
	start := time.Now()
	s.scrapeOnce(ctx, o, start) // before the goroutine: it is the samples' only writer from then on
	go s.loop(ctx, o, start)
	return s
}

// Stop takes a final scrape (unless ctx was cancelled), stops the goroutine
// and returns the series, gauge aggregates and counter deltas of the stage.
// Further calls return the same result.
func (s *Scraper) Stop() *schema.ServerMetrics {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		s.result = s.rec.summary()
	})
	return s.result
}

// loop is the scraping goroutine. The final scrape happens here, not in
// Stop, so that the samples have a single writer.
func (s *Scraper) loop(ctx context.Context, o Options, start time.Time) {
	defer close(s.done)
	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.stop:
			s.scrapeOnce(ctx, o, start)
			return
		case <-ticker.C:
			s.scrapeOnce(ctx, o, start)
		}
	}
}

// scrapeOnce records one scrape, or its error unless the stage itself was cancelled.
func (s *Scraper) scrapeOnce(ctx context.Context, o Options, start time.Time) {
	t := time.Since(start).Seconds()
	sctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	snap, err := fetch(sctx, o)
	switch {
	case err == nil:
		s.rec.add(t, snap, o.Model)
	case ctx.Err() == nil:
		s.rec.fail(o.URL, err)
	}
}
