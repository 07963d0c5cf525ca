package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// echoLengthServer streams exactly max_tokens chunks, so every response is
// tied to its own request.
func echoLengthServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			MaxTokens int `json:"max_tokens"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Error(err)
		}
		sseHeaders(w)
		writeFlush(w, sseBody(body.MaxTokens, true, true))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestConnectionsAreReused(t *testing.T) {
	srv, conns := echoLengthServer(t)
	c := newClient(t, srv.URL, nil)
	for i := 0; i < 20; i++ {
		if res := do(t, c, &Request{OutputLen: 5, TokenIDs: []int{1}}); res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("20 sequential requests opened %d connections, want 1", n)
	}
}

func TestConcurrentRequestsDoNotShareState(t *testing.T) {
	srv, _ := echoLengthServer(t)
	const workers = 8
	c := newClient(t, srv.URL, func(c *Config) { c.MaxConns = workers })
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res Result
			for i := 0; i < 25; i++ {
				n := 1 + (w*31+i*7)%40
				c.Do(context.Background(), &Request{OutputLen: n, TokenIDs: []int{1000 + w}}, &res)
				if res.Err != nil || res.OutputTokens != n || len(res.ITL) != n-1 {
					errs <- fmt.Errorf("worker %d request %d: want %d tokens, got %d (%d ITLs), err %v",
						w, i, n, res.OutputTokens, len(res.ITL), res.Err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// No bound on the number of connections here: a request that finds no
	// idle connection dials, and net/http may hand it a connection freed in
	// the meantime, leaving the dialled one as a spare. Reuse itself is
	// pinned by TestConnectionsAreReused.
}
