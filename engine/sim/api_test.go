package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// The 400 body is vLLM's _validate_input wording (v0.6 to v0.9) and
// JSONResponse bytes; clients match on it, so it is pinned byte for byte.
func TestContextLengthErrorBody(t *testing.T) {
	const want = `{"error":{"message":"This model's maximum context length is 896 tokens. However, you requested 1024 tokens (512 in the messages, 512 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}}`
	cfg := fastConfig()
	cfg.MaxModelLen = 896
	s, url := start(t, cfg)
	tests := []struct{ name, path, body string }{
		{"completions", "/v1/completions", fmt.Sprintf(`{"model":"m","prompt":%q,"max_tokens":512}`, words(512))},
		{"chat max_completion_tokens", "/v1/chat/completions",
			fmt.Sprintf(`{"model":"m","messages":[{"role":"user","content":%q}],"max_completion_tokens":512,"max_tokens":1}`,
				words(512-messageOverhead-generationOverhead))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := post(t, url+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusBadRequest || string(body) != want {
				t.Fatalf("got %d %s\nwant 400 %s", status, body, want)
			}
		})
	}
	if got := s.Stats().Rejected; got != 2 {
		t.Errorf("Rejected = %d, want 2", got)
	}
}

func TestUnknownModelErrorBody(t *testing.T) {
	const want = "{\"error\":{\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}}"
	_, url := start(t, fastConfig())
	for _, path := range []string{"/v1/completions", "/v1/chat/completions"} {
		status, body, err := post(t, url+path, `{"model":"x","prompt":"a","messages":[{"role":"user","content":"a"}],"max_tokens":1}`)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusNotFound || string(body) != want {
			t.Errorf("%s: got %d %s\nwant 404 %s", path, status, body, want)
		}
	}
}

func TestBadRequests(t *testing.T) {
	_, url := start(t, fastConfig())
	tests := []struct{ name, body, wantMsg string }{
		{"malformed JSON", `{"model":"m","prompt":`, "invalid JSON body"},
		{"no prompt", `{"model":"m","max_tokens":4}`, "prompt is required"},
		{"batch of two", `{"model":"m","prompt":["a","b"],"max_tokens":4}`, "one prompt per request"},
		{"zero max_tokens", `{"model":"m","prompt":"a","max_tokens":0}`, "max_tokens must be at least 1, got 0."},
		{"prompt too long", fmt.Sprintf(`{"model":"m","prompt":%q}`, words(4096)), "However, you requested 4096 tokens in the messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := post(t, url+"/v1/completions", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			var e errorBody
			if jerr := json.Unmarshal(body, &e); jerr != nil || status != 400 || e.Error.Code != 400 ||
				e.Error.Type != "BadRequestError" || !strings.Contains(e.Error.Message, tt.wantMsg) {
				t.Fatalf("got %d %s, want 400 BadRequestError containing %q", status, body, tt.wantMsg)
			}
		})
	}
}

// A stream with ignore_eos carries exactly max_tokens token chunks, the
// last with finish_reason "length", then the usage chunk and [DONE], for
// every accepted prompt form.
func TestStreamIgnoreEOSExactLength(t *testing.T) {
	tests := []struct {
		name, path, input string
		promptTokens      int
		object            string
	}{
		{"text prompt", "/v1/completions", `"prompt":"one two  three\nfour"`, 4, "text_completion"},
		{"token ids", "/v1/completions", `"prompt":[1,2,3,4,5]`, 5, "text_completion"},
		{"list of one string", "/v1/completions", `"prompt":["a b c"]`, 3, "text_completion"},
		{"list of one id list", "/v1/completions", `"prompt":[[9,8]]`, 2, "text_completion"},
		{"chat", "/v1/chat/completions",
			`"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi there you"}]}]`,
			5 + 2*messageOverhead + generationOverhead, "chat.completion.chunk"},
	}
	for _, mode := range []bool{false, true} {
		cfg := fastConfig()
		cfg.ZeroLatency = mode
		s, url := start(t, cfg)
		for _, tt := range tests {
			t.Run(fmt.Sprintf("zero_latency=%v/%s", mode, tt.name), func(t *testing.T) {
				body := `{"model":"m",` + tt.input + `,"max_tokens":37,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`
				status, raw, err := post(t, url+tt.path, body)
				if err != nil || status != 200 {
					t.Fatalf("status %d err %v body %s", status, err, raw)
				}
				sum := summarize(t, raw)
				if sum.tokens != 37 || sum.finish != "length" || !sum.done {
					t.Fatalf("tokens %d finish %q done %v, want 37 length true", sum.tokens, sum.finish, sum.done)
				}
				u := sum.usage
				if u == nil || u.Usage == nil || u.Usage.PromptTokens != tt.promptTokens || u.Usage.CompletionTokens != 37 ||
					u.Usage.TotalTokens != tt.promptTokens+37 {
					t.Fatalf("usage chunk %+v, want %d+37", u, tt.promptTokens)
				}
				for _, o := range sum.objects {
					if o != tt.object {
						t.Fatalf("object %q, want %q", o, tt.object)
					}
				}
			})
		}
		if st := s.Stats(); st.GeneratedTokens != int64(37*len(tests)) || st.Completed != int64(len(tests)) {
			t.Errorf("stats %+v", st)
		}
	}
}

// The chunks keep vLLM's exact field layout, which some clients parse
// with fixed-offset tricks; the usage chunk is usage-only with choices [].
func TestStreamChunkBytes(t *testing.T) {
	cfg := fastConfig()
	cfg.ZeroLatency = true
	_, url := start(t, cfg)
	_, raw, _ := post(t, url+"/v1/chat/completions",
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":2,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`)
	evs := events(t, raw)
	if len(evs) != 5 {
		t.Fatalf("got %d events %q, want role, 2 tokens, usage, [DONE]", len(evs), evs)
	}
	var c chunk
	json.Unmarshal([]byte(evs[0]), &c)
	head := fmt.Sprintf(`{"id":%q,"object":"chat.completion.chunk","created":%d,"model":"m","choices":`, c.ID, c.Created)
	want := []string{
		head + `[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}]}`,
		head + `[{"index":0,"delta":{"content":" quick"},"logprobs":null,"finish_reason":"length","stop_reason":null}]}`,
		head + `[],"usage":{"prompt_tokens":6,"total_tokens":8,"completion_tokens":2}}`, // 1 word + the chat template's 5
		"[DONE]",
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, evs[i], want[i])
		}
	}
	if !strings.HasPrefix(c.ID, "chatcmpl-") {
		t.Errorf("id %q lacks vLLM's chatcmpl- prefix", c.ID)
	}
}

func TestNonStreamingResponse(t *testing.T) {
	_, url := start(t, fastConfig())
	status, raw, err := post(t, url+"/v1/completions", `{"model":"m","prompt":"a b c","max_tokens":9,"ignore_eos":true}`)
	if err != nil || status != 200 {
		t.Fatalf("status %d err %v", status, err)
	}
	var r struct {
		Object  string `json:"object"`
		Choices []struct {
			Text         string `json:"text"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct{ PromptTokens, CompletionTokens, TotalTokens int } `json:"usage"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	// encoding/json matches prompt_tokens to PromptTokens case-insensitively only
	// without underscores, so read usage by hand.
	var u struct {
		Usage map[string]any `json:"usage"`
	}
	json.Unmarshal(raw, &u)
	if r.Object != "text_completion" || len(r.Choices) != 1 || len(strings.Fields(r.Choices[0].Text)) != 9 ||
		r.Choices[0].FinishReason != "length" || u.Usage["completion_tokens"] != 9.0 || u.Usage["prompt_tokens"] != 3.0 {
		t.Fatalf("unexpected body %s", raw)
	}

	status, raw, _ = post(t, url+"/v1/chat/completions", `{"messages":[{"role":"user","content":"a"}],"max_completion_tokens":4,"ignore_eos":true}`)
	var c struct {
		Object  string `json:"object"`
		Choices []struct {
			Message struct{ Role, Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || status != 200 || c.Object != "chat.completion" ||
		c.Choices[0].Message.Role != "assistant" || len(strings.Fields(c.Choices[0].Message.Content)) != 4 {
		t.Fatalf("unexpected chat body %d %s", status, raw)
	}
}

func TestInfoEndpoints(t *testing.T) {
	_, url := start(t, fastConfig())
	get := func(path string) (int, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := get("/health"); st != 200 || b != "" {
		t.Errorf("/health = %d %q, want 200 and an empty body", st, b)
	}
	if st, b := get("/version"); st != 200 || strings.TrimSpace(b) != `{"version":"0.11.0-sim"}` {
		t.Errorf("/version = %d %s", st, b)
	}
	st, b := get("/v1/models")
	var models struct {
		Object string `json:"object"`
		Data   []struct {
			ID          string  `json:"id"`
			Object      string  `json:"object"`
			OwnedBy     string  `json:"owned_by"`
			Root        string  `json:"root"`
			Parent      *string `json:"parent"`
			MaxModelLen int     `json:"max_model_len"`
			Permission  []any   `json:"permission"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(b), &models); err != nil || st != 200 || models.Object != "list" || len(models.Data) != 1 {
		t.Fatalf("/v1/models = %d %s", st, b)
	}
	if m := models.Data[0]; m.ID != "m" || m.Object != "model" || m.OwnedBy != "vllm" || m.Root != "m" ||
		m.Parent != nil || m.MaxModelLen != 4096 || len(m.Permission) != 1 || !strings.Contains(b, `"parent":null`) {
		t.Errorf("model card %+v", m)
	}
	_, raw, _ := post(t, url+"/tokenize", `{"model":"m","prompt":"alpha beta alpha"}`)
	var tok tokenizeResponse
	if err := json.Unmarshal(raw, &tok); err != nil || tok.Count != 3 || tok.MaxModelLen != 4096 || len(tok.Tokens) != 3 ||
		tok.Tokens[0] != tok.Tokens[2] || tok.Tokens[0] == tok.Tokens[1] {
		t.Errorf("/tokenize = %s", raw)
	}
	_, raw, _ = post(t, url+"/tokenize", `{"messages":[{"role":"user","content":"a b"}]}`)
	if json.Unmarshal(raw, &tok); tok.Count != 2+messageOverhead+generationOverhead {
		t.Errorf("/tokenize messages = %s", raw)
	}
}

// ConfigFrom copies every field of a complete builtin block, and
// DefaultConfig is schema's defaults, complete.
func TestConfigFrom(t *testing.T) {
	b := schema.Builtin{
		MaxModelLen: 2048, MaxNumSeqs: 8, KVCacheTokens: 1000, PrefillPerToken: schema.Duration(time.Microsecond),
		DecodeStep: schema.Duration(3 * time.Millisecond), DecodePerSeq: schema.Duration(time.Nanosecond),
		PrefixCaching: new(true), BlockSize: 32, ZeroLatency: true,
		Faults: schema.Faults{ErrorRate: 0.1, ErrorStatus: []int{503}, DropRate: 0.2, MalformedRate: 0.3,
			StallRate: 0.4, Stall: schema.Duration(time.Second), ExitAfter: 5, ErrorMidStream: 0.5},
	}
	cfg := ConfigFrom(b, "llama", 42)
	want := Config{
		Model: "llama", MaxModelLen: 2048, MaxNumSeqs: 8, KVCacheTokens: 1000, PrefillPerToken: time.Microsecond,
		DecodeStep: 3 * time.Millisecond, DecodePerSeq: time.Nanosecond, PrefixCaching: true, BlockSize: 32,
		ZeroLatency: true, Seed: 42,
		Faults: Faults{ErrorRate: 0.1, ErrorStatus: []int{503}, DropRate: 0.2, MalformedRate: 0.3,
			StallRate: 0.4, Stall: time.Second, ExitAfter: 5, ErrorMidStream: 0.5},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("ConfigFrom = %+v\nwant %+v", cfg, want)
	}
	d := DefaultConfig()
	if err := d.Validate(); err != nil {
		t.Fatalf("DefaultConfig is not complete: %v", err)
	}
	if d.Model != schema.DefaultSimModel || d.MaxModelLen != schema.DefaultSimMaxModelLen || d.BlockSize != schema.DefaultSimBlockSize ||
		d.PrefixCaching != schema.DefaultSimPrefixCaching || d.DecodeStep != schema.DefaultSimDecodeStep.D() {
		t.Errorf("DefaultConfig %+v does not hold schema's defaults", d)
	}
}

// A configuration with zero values is rejected with every problem named,
// not silently completed.
func TestValidateRejectsIncompleteConfig(t *testing.T) {
	_, err := New(Config{Model: "m", PrefillPerToken: -time.Second, Faults: Faults{DropRate: 2}})
	if err == nil {
		t.Fatal("New accepted a configuration without sizes or timings")
	}
	for _, want := range []string{
		"max_model_len must be positive, got 0", "max_num_seqs must be positive, got 0",
		"kv_cache_tokens must be positive, got 0", "block_size must be positive, got 0",
		"decode_step must be positive, got 0s", "prefill_per_token must not be negative, got -1s",
		"faults.drop_rate is a probability between 0 and 1, got 2", "faults.error_status is empty",
		"faults.stall must be positive, got 0s",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	cfg := DefaultConfig()
	cfg.KVCacheTokens, cfg.BlockSize = 8, 16
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "kv_cache_tokens 8 holds no block of 16 tokens") {
		t.Errorf("budget below one block: %v", err)
	}
	cfg.PrefixCaching = false
	if err := cfg.Validate(); err != nil {
		t.Errorf("a budget below one block is fine without prefix caching: %v", err)
	}
}
