package scrape

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"text/template"
)

// testModel is the model_name in the fixture.
const testModel = "openai/gpt-oss-120b"

// vllmValues are the changing numbers of the fixture at scrape n (1-based).
// Every value is a simple function of n so a test can predict the series.
type vllmValues struct {
	Model              string
	Running0, Running1 float64 // sum: 3n
	Waiting0, Waiting1 float64 // sum: 10 - n (may go below zero: a test value)
	KV0, KV1           float64 // mean: 0.015n
	Prompt0, Prompt1   float64 // sum: 1000 + 512n
	Gen0, Gen1         float64 // sum: 128n
	Preempt            float64 // n
	Stop, Length       float64 // request_success sum: n + 2·2n = 5n
}

func valuesAt(n int) vllmValues {
	f := float64(n)
	return vllmValues{
		Model: testModel, Running0: f, Running1: 2 * f, Waiting0: 10 - f, Waiting1: 0,
		KV0: f / 100, KV1: f / 50, Prompt0: 1000 + 256*f, Prompt1: 256 * f,
		Gen0: 64 * f, Gen1: 64 * f, Preempt: f, Stop: f, Length: 2 * f,
	}
}

// vllmServer serves the vLLM fixture at /metrics; scrape n (counted from 1)
// gets valuesAt(n). body, when set, replaces the fixture for chosen scrapes.
type vllmServer struct {
	*httptest.Server
	served atomic.Int64
	tmpl   *template.Template
	body   func(n int) (string, bool)
}

func newVLLMServer(t *testing.T) *vllmServer {
	t.Helper()
	raw, err := os.ReadFile("testdata/vllm.prom.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	s := &vllmServer{tmpl: template.Must(template.New("vllm").Parse(string(raw)))}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", s.serve)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *vllmServer) serve(w http.ResponseWriter, _ *http.Request) {
	n := int(s.served.Add(1))
	if s.body != nil {
		if b, ok := s.body(n); ok {
			_, _ = w.Write([]byte(b))
			return
		}
	}
	var buf bytes.Buffer
	if err := s.tmpl.Execute(&buf, valuesAt(n)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

func (s *vllmServer) url() string { return s.URL + "/metrics" }

// render returns the fixture text at scrape n, for parser-level tests.
func render(t testing.TB, n int) string {
	t.Helper()
	raw, err := os.ReadFile("testdata/vllm.prom.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := template.Must(template.New("vllm").Parse(string(raw))).Execute(&buf, valuesAt(n)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
