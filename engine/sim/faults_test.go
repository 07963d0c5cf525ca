package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const streamBody = `{"model":"m","prompt":"a b","max_tokens":20,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`

// faultConfig is fastConfig with f's rates, and its statuses and stall
// where f sets them.
func faultConfig(f Faults) Config {
	cfg := fastConfig()
	if f.ErrorStatus == nil {
		f.ErrorStatus = cfg.Faults.ErrorStatus
	}
	if f.Stall == 0 {
		f.Stall = cfg.Faults.Stall
	}
	cfg.Faults = f
	return cfg
}

func TestFaultInjectedErrorStatus(t *testing.T) {
	for _, st := range []int{429, 500, 503} {
		t.Run(fmt.Sprint(st), func(t *testing.T) {
			s, url := start(t, faultConfig(Faults{ErrorRate: 1, ErrorStatus: []int{st}}))
			status, body, err := post(t, url+"/v1/completions", streamBody)
			if err != nil {
				t.Fatal(err)
			}
			var e errorBody
			if jerr := json.Unmarshal(body, &e); jerr != nil || status != st || e.Error.Code != st || e.Error.Type != errorType(st) {
				t.Fatalf("got %d %s, want %d with a vLLM error body", status, body, st)
			}
			if s.Stats().InjectedErrors != 1 {
				t.Errorf("InjectedErrors = %d", s.Stats().InjectedErrors)
			}
		})
	}
}

// A dropped connection ends the body with an error and no [DONE], after at
// least one token, as a client sees when a server dies mid-stream.
func TestFaultDropMidStream(t *testing.T) {
	for _, zero := range []bool{false, true} {
		cfg := faultConfig(Faults{DropRate: 1})
		cfg.ZeroLatency = zero
		s, url := start(t, cfg)
		status, body, err := post(t, url+"/v1/completions", streamBody)
		if status != 200 || err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("zero_latency=%v: status %d err %v, want 200 then unexpected EOF", zero, status, err)
		}
		sum := summarize(t, body)
		if sum.tokens < 1 || sum.tokens >= 20 || sum.done {
			t.Fatalf("zero_latency=%v: %d tokens done=%v before the drop", zero, sum.tokens, sum.done)
		}
		if s.Stats().Drops != 1 {
			t.Errorf("Drops = %d", s.Stats().Drops)
		}
	}
}

func TestFaultMalformedChunk(t *testing.T) {
	s, url := start(t, faultConfig(Faults{MalformedRate: 1}))
	_, body, err := post(t, url+"/v1/completions", streamBody)
	if err != nil {
		t.Fatal(err)
	}
	evs := events(t, body)
	bad := 0
	for _, e := range evs {
		if e == "{not json" {
			bad++
		} else if e != "[DONE]" && !json.Valid([]byte(e)) {
			t.Errorf("unexpected invalid event %q", e)
		}
	}
	if bad != 1 || evs[len(evs)-1] != "[DONE]" || s.Stats().Malformed != 1 {
		t.Fatalf("%d malformed events in %q, want exactly 1 and the stream completed", bad, evs)
	}
}

// vLLM reports an engine error inside a stream as data: {"error": ...}
// followed by [DONE], with no usage chunk.
func TestFaultErrorMidStream(t *testing.T) {
	s, url := start(t, faultConfig(Faults{ErrorMidStream: 1}))
	status, body, err := post(t, url+"/v1/chat/completions",
		`{"messages":[{"role":"user","content":"a"}],"max_tokens":20,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`)
	if err != nil || status != 200 {
		t.Fatal(status, err)
	}
	sum := summarize(t, body)
	const wantErr = `{"error":{"message":"simulated fault: error during generation","type":"InternalServerError","param":null,"code":500}}`
	if sum.errEvent != wantErr || !sum.done || sum.usage != nil || sum.tokens < 1 || sum.tokens >= 20 {
		t.Fatalf("summary %+v, want %d tokens, %s, [DONE], no usage", sum, sum.tokens, wantErr)
	}
	if s.Stats().MidStreamErrors != 1 || s.Stats().Completed != 0 {
		t.Errorf("stats %+v", s.Stats())
	}
}

// A stall pauses the stream for Stall and then the stream completes. Only
// a lower bound on the duration is asserted, which load cannot break.
func TestFaultStall(t *testing.T) {
	const stall = 300 * time.Millisecond
	s, url := start(t, faultConfig(Faults{StallRate: 1, Stall: stall}))
	begin := time.Now()
	_, body, err := post(t, url+"/v1/completions", streamBody)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < stall {
		t.Errorf("stream took %v, want at least the %v stall", d, stall)
	}
	if sum := summarize(t, body); sum.tokens != 20 || !sum.done || s.Stats().Stalls != 1 {
		t.Fatalf("summary %+v stats %+v", sum, s.Stats())
	}
}

// After ExitAfter generation requests the server answers nothing: the
// next request fails at the connection level and Exited is closed.
func TestFaultExitAfter(t *testing.T) {
	s, url := start(t, faultConfig(Faults{ExitAfter: 2}))
	for i := range 2 {
		if status, _, err := post(t, url+"/v1/completions", streamBody); err != nil || status != 200 {
			t.Fatalf("request %d: %d %v", i, status, err)
		}
	}
	select {
	case <-s.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("Exited not closed after 2 requests")
	}
	if _, _, err := post(t, url+"/v1/completions", streamBody); err == nil {
		t.Fatal("request after exit succeeded")
	}
	resp, err := http.Get(url + "/health")
	if err == nil {
		resp.Body.Close()
		t.Fatal("/health answered after exit")
	}
}

// The same seed gives the same fault decisions and stop lengths for the
// same request sequence; another seed gives another sequence.
func TestDeterministicWithSeed(t *testing.T) {
	run := func(seed int64) []string {
		cfg := faultConfig(Faults{ErrorRate: 0.3, ErrorStatus: []int{500, 503}, MalformedRate: 0.3})
		cfg.Seed = seed
		cfg.ZeroLatency = true
		_, url := start(t, cfg)
		var out []string
		for range 40 {
			status, body, err := post(t, url+"/v1/completions", `{"prompt":"a","max_tokens":50,"stream":true}`)
			if err != nil {
				t.Fatal(err)
			}
			if status != 200 {
				out = append(out, fmt.Sprint(status))
				continue
			}
			sum := summarize(t, body)
			out = append(out, fmt.Sprintf("%d/%s/%d", sum.tokens, sum.finish, sum.malformed))
		}
		return out
	}
	a, b, c := run(1), run(1), run(2)
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("same seed, different outcomes:\n%v\n%v", a, b)
	}
	if strings.Join(a, " ") == strings.Join(c, " ") {
		t.Fatalf("seeds 1 and 2 gave identical outcomes %v", a)
	}
	kinds := map[string]bool{}
	for _, o := range a {
		kinds[strings.SplitN(o, "/", 2)[0]] = true
		if strings.Contains(o, "/stop/") || strings.Contains(o, "/length/") {
			kinds["ok"] = true
		}
	}
	if !kinds["500"] || !kinds["503"] || !kinds["ok"] {
		t.Errorf("outcomes %v lack a 500, a 503 or a success", a)
	}
}

// Without ignore_eos the length is geometric: between 1 and max_tokens,
// "stop" below max_tokens, with a mean near max_tokens/2.
func TestStopLengthDistribution(t *testing.T) {
	const maxTokens, n = 100, 4000
	sum, short := 0, 0
	for i := range n {
		p := newPlan(newRNG(3, uint64(i)), Faults{ErrorStatus: []int{500}}, maxTokens, false)
		if p.tokens < 1 || p.tokens > maxTokens || (p.tokens < maxTokens) != (p.finish == "stop") {
			t.Fatalf("plan %+v", p)
		}
		sum += p.tokens
		if p.tokens < maxTokens {
			short++
		}
	}
	mean := float64(sum) / n
	if mean < 0.3*maxTokens || mean > 0.6*maxTokens || short < n*3/4 {
		t.Errorf("mean %.1f with %d/%d stopped early, want about %d and most", mean, short, n, maxTokens/2)
	}
	if p := newPlan(newRNG(3, 0), Faults{ErrorStatus: []int{500}}, maxTokens, true); p.tokens != maxTokens || p.finish != "length" {
		t.Errorf("ignore_eos plan %+v", p)
	}
}
