package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// Serve answers until ctx is cancelled, returns nil then, and logs one
// line per request; a stream in flight does not hold the shutdown up.
func TestServeStopsOnCancel(t *testing.T) {
	ln := listen(t)
	url := "http://" + ln.Addr().String()
	var logw syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg := fastConfig()
	cfg.DecodeStep = 10 * time.Millisecond
	go func() { done <- Serve(ctx, ln, cfg, &logw) }()

	if st, _, err := post(t, url+"/v1/completions", `{"prompt":"a b","max_tokens":3,"ignore_eos":true}`); err != nil || st != 200 {
		t.Fatal(st, err)
	}
	go func() { // still streaming at cancel
		resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(`{"prompt":"a","max_tokens":100000,"stream":true}`))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still running 10s after cancel")
	}
	if _, err := http.Get(url + "/health"); err == nil {
		t.Error("server still answers after Serve returned")
	}
	log := logw.String()
	if !strings.Contains(log, `simulator serving model "m" (max_model_len 4096) on `+url) {
		t.Errorf("log lacks the start line:\n%s", log)
	}
	if !regexp.MustCompile(`(?m)^POST /v1/completions 200 3 \S+s$`).MatchString(log) {
		t.Errorf("log lacks the request line:\n%s", log)
	}
}

func TestServeReturnsErrExited(t *testing.T) {
	ln := listen(t)
	url := "http://" + ln.Addr().String()
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), ln, faultConfig(Faults{ExitAfter: 1}), nil) }()
	if st, _, err := post(t, url+"/v1/completions", `{"prompt":"a","max_tokens":2}`); err != nil || st != 200 {
		t.Fatal(st, err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrExited) {
			t.Fatalf("Serve returned %v, want ErrExited", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not exit after 1 request")
	}
}

func TestListenAndServeBadAddress(t *testing.T) {
	err := ListenAndServe(context.Background(), "127.0.0.1:notaport", Config{}, nil)
	if err == nil || !strings.Contains(err.Error(), `listen on "127.0.0.1:notaport"`) {
		t.Fatalf("err = %v", err)
	}
}
