package engine

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// fakeServer is an OpenAI-compatible server with exact, controlled delays:
// the first token after ttft, then one token every itl. It knows the truth
// the engine's measurements are checked against.
type fakeServer struct {
	mu          sync.Mutex
	ttft, itl   time.Duration
	maxModelLen int
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	requests    atomic.Int64
	malformed   bool // send a chunk that is not JSON in every stream
	textOnly    bool // refuse token-id prompts, as some servers do
}

func startFake(t *testing.T, f *fakeServer) string {
	t.Helper()
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// handler serves /health, /v1/models and streaming /v1/completions as vLLM does.
func (f *fakeServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"object":"list","data":[{"id":"fake","object":"model","root":"fake-root","max_model_len":%d}]}`, f.maxModelLen)
	})
	mux.HandleFunc("POST /v1/completions", f.complete)
	return mux
}

func (f *fakeServer) complete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Prompt    json.RawMessage `json:"prompt"`
		MaxTokens int             `json:"max_tokens"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json","code":400}}`, 400)
		return
	}
	var ids []int
	if json.Unmarshal(req.Prompt, &ids) == nil && f.textOnly {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":{"message":"prompt must be a string","code":400}}`)
		return
	}
	var text string
	if json.Unmarshal(req.Prompt, &text) == nil {
		ids = make([]int, len(strings.Fields(text)))
	}
	f.requests.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for m := f.maxInFlight.Load(); n > m && !f.maxInFlight.CompareAndSwap(m, n); m = f.maxInFlight.Load() {
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	f.mu.Lock()
	ttft, itl := f.ttft, f.itl
	f.mu.Unlock()
	time.Sleep(ttft)
	for i := 0; i < req.MaxTokens; i++ {
		if i > 0 {
			select {
			case <-time.After(itl):
			case <-r.Context().Done():
				return
			}
		}
		finish := "null"
		if i == req.MaxTokens-1 {
			finish = `"length"`
		}
		if f.malformed && i == 1 {
			fmt.Fprint(w, "data: {\"choices\": [\n\n")
			fl.Flush()
			return
		}
		fmt.Fprintf(w, "data: {\"id\":\"x\",\"object\":\"text_completion\",\"model\":\"fake\",\"choices\":[{\"index\":0,\"text\":\" tok\",\"finish_reason\":%s}]}\n\n", finish)
		fl.Flush()
	}
	fmt.Fprintf(w, "data: {\"id\":\"x\",\"object\":\"text_completion\",\"model\":\"fake\",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n",
		len(ids), req.MaxTokens, len(ids)+req.MaxTokens)
	fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

func (f *fakeServer) setITL(d time.Duration) {
	f.mu.Lock()
	f.itl = d
	f.mu.Unlock()
}

// fakeScenario is a scenario against a fake server at url: the common header
// (version, name, server, model) followed by body.
func fakeScenario(t *testing.T, name, url, body string) *schema.Scenario {
	t.Helper()
	return scenario(t, fmt.Sprintf("version: 1\nname: %s\nserver: {url: %s}\nmodel: {name: fake}\n", name, url)+
		strings.TrimLeft(body, "\n"))
}
