package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fastConfig is the default simulator with steps of microseconds, so tests
// that need the scheduler but not its timing stay quick.
func fastConfig() Config {
	cfg := DefaultConfig()
	cfg.Model, cfg.Seed = "m", 7
	cfg.DecodeStep, cfg.DecodePerSeq, cfg.PrefillPerToken = 50*time.Microsecond, time.Microsecond, time.Nanosecond
	return cfg
}

// start serves cfg on 127.0.0.1 and closes everything at cleanup.
func start(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		ts.CloseClientConnections()
		ts.Close()
	})
	return s, ts.URL
}

// post sends body as JSON and returns the status and the whole response
// body (or the read error, for dropped connections).
func post(t testing.TB, url, body string) (int, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// events splits an SSE body into the payloads of its `data: ` lines.
func events(t testing.TB, body []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("line %q is not an SSE data line", line)
		}
		out = append(out, data)
	}
	return out
}

// chunk is the union of completion and chat stream chunks.
type chunk struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index int     `json:"index"`
		Text  *string `json:"text"`
		Delta *struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		TotalTokens      int `json:"total_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// streamSummary is what a client learns from one stream.
type streamSummary struct {
	tokens    int      // chunks carrying non-empty text
	finish    string   // finish_reason of the last token chunk
	usage     *chunk   // the usage-only chunk, if any
	done      bool     // [DONE] was the last event
	objects   []string // object of each JSON chunk
	raw       []string
	errEvent  string // a data: {"error":...} payload
	malformed int    // data: {not json events
}

func summarize(t testing.TB, body []byte) streamSummary {
	t.Helper()
	var s streamSummary
	evs := events(t, body)
	s.raw = evs
	for i, e := range evs {
		if e == "[DONE]" {
			s.done = i == len(evs)-1
			continue
		}
		if e == malformedJSON {
			s.malformed++
			continue
		}
		if strings.HasPrefix(e, `{"error":`) {
			s.errEvent = e
			continue
		}
		var c chunk
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatalf("event %d %q: %v", i, e, err)
		}
		s.objects = append(s.objects, c.Object)
		if len(c.Choices) == 0 {
			cc := c
			s.usage = &cc
			continue
		}
		ch := c.Choices[0]
		text := ""
		if ch.Text != nil {
			text = *ch.Text
		} else if ch.Delta != nil && ch.Delta.Content != nil {
			text = *ch.Delta.Content
		}
		if text != "" {
			s.tokens++
		}
		if ch.FinishReason != nil {
			s.finish = *ch.FinishReason
		}
	}
	return s
}

// words returns a prompt of n whitespace-separated words: n tokens.
func words(n int) string {
	return strings.TrimSpace(strings.Repeat("w ", n))
}
