package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

func TestAttachURLWaitsForModelsAndNeverStops(t *testing.T) {
	mux := http.NewServeMux()
	// polls counts model-list requests; a buffered channel keeps it race-free.
	polls := make(chan struct{}, 100)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		select {
		case polls <- struct{}{}:
		default:
		}
		if len(polls) < 3 {
			w.Write([]byte(`{"data":[]}`)) // still loading: no model yet
			return
		}
		w.Write([]byte(`{"data":[{"id":"m"}]}`))
	})
	s := httptest.NewServer(mux)
	defer s.Close()
	srv := defaultServer(t, s.URL)
	srv.Ready.Interval = schema.Duration(10 * time.Millisecond)
	h, err := Start(context.Background(), Options{Server: srv})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if len(polls) < 3 {
		t.Errorf("ready after %d model polls, before a model was listed", len(polls))
	}
	if h.Info().Kind != schema.ServerURL || h.URL() != s.URL || h.ExitErr() != nil {
		t.Errorf("attached handle: %+v", h.Info())
	}
	if err := h.Check(context.Background()); err != nil {
		t.Errorf("Check of a live attached server = %v", err)
	}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := get(context.Background(), s.URL+"/health", nil); err != nil {
		t.Errorf("attached server unreachable after Stop: %v", err)
	}
}

func TestAttachUnreachableURLTimesOut(t *testing.T) {
	srv := defaultServer(t, "http://127.0.0.1:"+strconv.Itoa(freePort(t)))
	srv.Ready = schema.Ready{Path: srv.Ready.Path, Timeout: schema.Duration(200 * time.Millisecond), Interval: schema.Duration(20 * time.Millisecond)}
	_, err := Start(context.Background(), Options{Server: srv})
	if err == nil || !strings.Contains(err.Error(), "not ready after 200ms") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Start against nothing = %v", err)
	}
	// Attached: there is no server log to read and no model for servebench to load.
	if strings.Contains(err.Error(), "server log") || strings.Contains(err.Error(), "raise server.ready.timeout") ||
		!strings.Contains(err.Error(), "server.url") {
		t.Errorf("advice does not fit an attached server: %v", err)
	}
}

func TestBuiltinStartsAndStopsOnce(t *testing.T) {
	stops := 0
	o := Options{Builtin: func(ctx context.Context) (Builtin, error) {
		return Builtin{URL: "http://127.0.0.1:1", Stop: func() { stops++ }}, nil
	}}
	h, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if h.Info().Kind != schema.ServerBuiltin || h.URL() != "http://127.0.0.1:1" {
		t.Errorf("builtin handle: %+v", h.Info())
	}
	_ = h.Stop(context.Background())
	_ = h.Stop(context.Background())
	if stops != 1 {
		t.Errorf("simulator stopped %d times, want 1", stops)
	}
	if _, err := Start(context.Background(), Options{}); err == nil {
		t.Error("Start of builtin without a simulator succeeded")
	}
}

func TestMergeInfo(t *testing.T) {
	life := schema.ServerInfo{Kind: "command", URL: "http://h:1", Command: []string{"vllm"}, Log: "server.log"}
	pre := schema.ServerInfo{URL: "http://h:1", Model: "m", ModelRoot: "/r", MaxModelLen: 896, Models: []string{"m"}, Version: "v"}
	got := MergeInfo(life, pre)
	if got.Kind != "command" || got.Log != "server.log" || got.Model != "m" || got.MaxModelLen != 896 || got.Version != "v" {
		t.Errorf("MergeInfo = %+v", got)
	}
}
