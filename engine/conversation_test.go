package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/servebench/servebench/schema/dataset"
)

// chatRecorder is a chat server that records the messages of every request
// and answers each with a reply of its own, streamed in pieces that need
// JSON escaping (quotes, a backslash, a newline, non-ASCII), so that a
// history carrying it verbatim proves the client decoded it exactly.
type chatRecorder struct {
	mu    sync.Mutex
	calls []chatCall
}

type chatCall struct {
	messages []dataset.Message
	reply    string
}

func startChatRecorder(t *testing.T) (*chatRecorder, string) {
	t.Helper()
	c := &chatRecorder{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"object":"list","data":[{"id":"fake","object":"model","max_model_len":100000}]}`)
	})
	mux.HandleFunc("POST /v1/chat/completions", c.chat)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func (c *chatRecorder) chat(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Messages  []dataset.Message `json:"messages"`
		MaxTokens int               `json:"max_tokens"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	c.mu.Lock()
	n := len(c.calls)
	pieces := []string{fmt.Sprintf("reply %d ", n), `says "hi" \ é 🎉`, "\nand ends"}
	c.calls = append(c.calls, chatCall{messages: req.Messages, reply: strings.Join(pieces, "")})
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	words := 0
	for _, m := range req.Messages {
		words += len(strings.Fields(m.Content))
	}
	for i, p := range pieces {
		delta, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0,
			"delta": map[string]string{"content": p}, "finish_reason": finishReason(i == len(pieces)-1)}}})
		fmt.Fprintf(w, "data: %s\n\n", delta)
	}
	fmt.Fprintf(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d}}\n\ndata: [DONE]\n\n",
		words, len(pieces))
}

func finishReason(last bool) any {
	if last {
		return "length"
	}
	return nil
}

// key identifies a list of messages.
func key(msgs []dataset.Message) string {
	b, _ := json.Marshal(msgs)
	return string(b)
}

// A recording server sees turn k carry turns 1..k-1 verbatim: every
// earlier user message unchanged and, after each, exactly the reply the
// server streamed for it; run.json has the per-turn and per-session
// metrics and requests.jsonl places each request in its session.
func TestConversationCarriesTheHistoryVerbatim(t *testing.T) {
	rec, url := startChatRecorder(t)
	_, dir, err := execute(t, context.Background(), scenario(t, fmt.Sprintf(`
version: 1
name: conv
server: {url: %s}
model: {name: fake}
api: {endpoint: chat}
profiles:
  chat: {input: 12, output: 3}
stages:
  - {name: talk, profile: chat, conversation: {turns: 4}, concurrency: 2, requests: 3, warmup: 1}
`, url)))
	if err != nil {
		t.Fatal(err)
	}
	// The per-turn and per-session metrics are checked as run.json has them.
	run, recs := readRunFile(t, dir), readRecords(t, dir)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	replies := map[string]string{} // the messages of a request -> the reply it got
	for _, c := range rec.calls {
		replies[key(c.messages)] = c.reply
	}
	turns := map[int]int{} // messages sent -> requests
	for _, c := range rec.calls {
		msgs := c.messages
		turns[len(msgs)]++
		if len(msgs)%2 != 1 || msgs[len(msgs)-1].Role != dataset.RoleUser {
			t.Fatalf("a request sent %d messages ending with %q: want user, reply, ..., user", len(msgs), msgs[len(msgs)-1].Role)
		}
		for j := 1; j < len(msgs); j += 2 {
			want, ok := replies[key(msgs[:j])]
			switch {
			case !ok:
				t.Fatalf("turn %d carries a history no earlier request sent: %q", (len(msgs)+1)/2, msgs[:j])
			case msgs[j].Role != dataset.RoleAssistant || msgs[j].Content != want:
				t.Fatalf("turn %d carries reply %q (%s), the server sent %q", (len(msgs)+1)/2, msgs[j].Content, msgs[j].Role, want)
			}
		}
	}
	// 4 sessions (1 warmup) of 4 turns, and the probe request of pre-flight.
	if turns[1] != 5 || turns[3] != 4 || turns[5] != 4 || turns[7] != 4 {
		t.Errorf("requests by messages sent: %v, want 5 first turns (one the probe), 4 of each later turn", turns)
	}
	s := run.Stages[0].Sessions
	if s == nil || s.Started != 3 || s.Completed != 3 || len(s.ByTurn) != 4 || s.Turns.Mean != 4 {
		t.Fatalf("sessions %+v: want 3 measured sessions of 4 completed turns", s)
	}
	for _, bt := range s.ByTurn {
		if bt.Sent != 3 || bt.Completed != 3 || !bt.TTFT.Measured() {
			t.Errorf("turn %d: %+v, want 3 sent and completed with a TTFT", bt.Turn, bt)
		}
	}
	if s.ByTurn[3].InputTokens.Mean <= s.ByTurn[0].InputTokens.Mean {
		t.Errorf("prompt tokens by turn %v, %v: the fourth turn carries three more exchanges", s.ByTurn[0].InputTokens.Mean, s.ByTurn[3].InputTokens.Mean)
	}
	if m := run.Stages[0].Metrics; m.Sent != 12 || m.Completed != 12 {
		t.Errorf("metrics count %d sent, %d completed: want every measured turn, 12", m.Sent, m.Completed)
	}
	seen := map[[2]int]bool{}
	for _, r := range recs {
		if !r.Warmup {
			seen[[2]int{r.Session, r.Turn}] = true
		}
	}
	if len(seen) != 12 || !seen[[2]int{3, 4}] || !seen[[2]int{1, 1}] {
		t.Errorf("requests.jsonl places measured requests at (session, turn) %v, want 1..3 × 1..4", seen)
	}
}

// On the simulator, whose prefix cache holds a session's history (its
// replies tokenize back to the ids it generated), a later turn pays
// prefill for its new message only: TTFT by turn stays flat, while with
// the cache off it grows with the history the turn carries. The ratios
// are far apart (the fifth turn prefills about 5 times the first's tokens
// without the cache), so the bounds hold on a loaded machine.
func TestConversationTTFTByTurnShowsThePrefixCache(t *testing.T) {
	ttft := func(caching bool) (first, fifth, hit float64) {
		run, _ := runScenario(t, fmt.Sprintf(`
version: 1
name: cache
server:
  builtin: {prefix_caching: %v, prefill_per_token: 200us, decode_step: 1ms, decode_per_seq: 10us}
  metrics: {interval: 100ms}
model: {max_model_len: 4096}
api: {endpoint: chat}
profiles:
  long: {input: 256, output: 16}
stages:
  - {name: talk, profile: long, conversation: {turns: 5}, concurrency: 1, requests: 3}
`, caching))
		st := run.Stages[0]
		by := st.Sessions.ByTurn
		if len(by) != 5 || st.Sessions.Completed != 3 {
			t.Fatalf("caching %v: sessions %+v", caching, st.Sessions)
		}
		hit, _ = st.Server.PrefixCacheHitRate()
		return by[0].TTFT.Median, by[4].TTFT.Median, hit
	}
	first, fifth, hit := ttft(true)
	t.Logf("prefix cache on: TTFT p50 turn 1 %.1f ms, turn 5 %.1f ms, hit rate %.2f", first, fifth, hit)
	if fifth > 2*first || hit < 0.5 {
		t.Errorf("with the prefix cache, turn 5's TTFT %.1f ms is over twice turn 1's %.1f ms, or the hit rate %.2f is low", fifth, first, hit)
	}
	first, fifth, _ = ttft(false)
	t.Logf("prefix cache off: TTFT p50 turn 1 %.1f ms, turn 5 %.1f ms", first, fifth)
	if fifth < 3*first {
		t.Errorf("without the prefix cache, turn 5's TTFT %.1f ms is not 3 times turn 1's %.1f ms: the history was not sent", fifth, first)
	}
}

// A sharegpt conversation replays a record's human turns in order, at most
// turns of them, each asking for the length of the answer that followed
// it, with the server's replies in between instead of the recorded ones.
func TestConversationReplaysShareGPTHumanTurns(t *testing.T) {
	rec, url := startChatRecorder(t)
	const file = "../scenarios/data/sharegpt.json"
	_, recs := runScenario(t, fmt.Sprintf(`
version: 1
name: sharegpt
server: {url: %s}
model: {name: fake}
api: {endpoint: chat}
profiles:
  sg: {dataset: {file: %s, format: sharegpt}, conversation: {turns: 3}}
stages:
  - {name: talk, profile: sg, concurrency: 3, requests: 8}
`, url, file))
	p, err := dataset.Open(t.Context(), file, dataset.Options{Format: dataset.ShareGPT, MaxRecordBytes: dataset.DefaultMaxRecordBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	byLine := map[int]dataset.Entry{}
	for i := range p.Len() {
		e, err := p.Entry(i)
		if err != nil {
			t.Fatal(err)
		}
		byLine[e.Line] = e
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	sent := map[string]bool{}
	for _, c := range rec.calls {
		sent[key(c.messages)] = true
	}
	for _, r := range recs {
		system, pairs := exchanges(byLine[r.Record])
		if r.Turn > len(pairs) || r.Turn > 3 {
			t.Fatalf("request %+v: record %d has %d answered human turns, at most 3 are sent", r, r.Record, len(pairs))
		}
		user, answer := pairs[r.Turn-1][0], pairs[r.Turn-1][1]
		if want := max(dataset.Words(answer.Content), 1); r.RequestedOutput != want {
			t.Errorf("turn %d of record %d asked for %d output tokens, its answer has %d words", r.Turn, r.Record, r.RequestedOutput, want)
		}
		found := false
		for _, c := range rec.calls {
			m := c.messages
			if len(m) == len(system)+2*r.Turn-1 && m[len(m)-1] == user && m[len(system)] == pairs[0][0] && slices.Equal(m[:len(system)], system) {
				found = true
			}
		}
		if !found {
			t.Errorf("no request sent turn %d of record %d after its %d system messages: %q", r.Turn, r.Record, len(system), user.Content)
		}
	}
}

// exchanges splits a sharegpt record into its opening system messages and
// its (human turn, answer) pairs.
func exchanges(e dataset.Entry) (system []dataset.Message, pairs [][2]dataset.Message) {
	var user *dataset.Message
	for i := range e.Turns {
		m := e.Turns[i]
		switch {
		case m.Role == dataset.RoleSystem && user == nil && len(pairs) == 0:
			system = append(system, m)
		case m.Role == dataset.RoleUser:
			user = &e.Turns[i]
		case m.Role == dataset.RoleAssistant && user != nil:
			pairs = append(pairs, [2]dataset.Message{*user, m})
			user = nil
		}
	}
	return system, pairs
}

// A reply that would make a session's kept history outgrow its bound
// (maxHistoryBytes) ends the session after that turn: the next turn is
// never sent, and run.json counts the session as cut.
func TestConversationHistoryIsBounded(t *testing.T) {
	var requests atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"object":"list","data":[{"id":"fake","object":"model"}]}`)
	})
	piece, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]string{"content": strings.Repeat("x ", 32<<10)}}}})
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		requests.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		for range (maxHistoryBytes / (64 << 10)) + 1 { // 64 KiB a chunk, just over the bound
			fmt.Fprintf(w, "data: %s\n\n", piece)
		}
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":17}}\n\ndata: [DONE]\n\n")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	run, _ := runScenario(t, fmt.Sprintf(`
version: 1
name: big
server: {url: %s}
model: {name: fake}
api: {endpoint: chat}
profiles:
  chat: {input: 4, output: 17}
stages:
  - {name: talk, profile: chat, conversation: {turns: 3}, concurrency: 1, requests: 2}
`, srv.URL))
	s := run.Stages[0].Sessions
	if s.HistoryCut != 2 || s.Started != 2 || s.Completed != 0 || len(s.ByTurn) != 1 || requests.Load() != 3 {
		t.Errorf("sessions %+v after %d requests (one the probe): want both cut after their first turn", s, requests.Load())
	}
}

// Thresholds name the sessions' and turns' metrics: each is judged on the
// stage's values (one made to fail, so a threshold that read nothing
// would show), and the result names the value it read.
func TestConversationThresholdsNameSessionsAndTurns(t *testing.T) {
	_, url := startChatRecorder(t)
	run, _, err := execute(t, context.Background(), scenario(t, fmt.Sprintf(`
version: 1
name: gate
server: {url: %s}
model: {name: fake}
api: {endpoint: chat}
profiles:
  chat: {input: 12, output: 3}
stages:
  - name: talk
    profile: chat
    conversation: {turns: 3}
    concurrency: 1
    requests: 2
    thresholds:
      - expr: session.completed == 2
      - expr: session.turns.p50 == 3
      - expr: turn.first_ttft.p50 > 0
      - expr: turn.later_ttft.p50 < 0
`, url)))
	if err != nil {
		t.Fatal(err)
	}
	st := &run.Stages[0]
	for expr, want := range map[string]bool{
		"session.completed == 2": true, "session.turns.p50 == 3": true,
		"turn.first_ttft.p50 > 0": true, "turn.later_ttft.p50 < 0": false,
	} {
		r := thresholdByExpr(st, expr)
		if r == nil || r.Passed != want || len(r.Values) != 1 {
			t.Errorf("%s: %+v, want passed %v with the value it read", expr, r, want)
		}
	}
	if run.Passed {
		t.Error("the run passed with a failed threshold")
	}
}
