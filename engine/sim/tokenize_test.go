package sim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// tokenize posts body to /tokenize and decodes the answer.
func tokenize(t *testing.T, url, body string) tokenizeResponse {
	t.Helper()
	st, raw, err := post(t, url+"/tokenize", body)
	var tok tokenizeResponse
	if err != nil || st != 200 || json.Unmarshal(raw, &tok) != nil {
		t.Fatalf("/tokenize %s: %d %v %s", body, st, err, raw)
	}
	return tok
}

// chatPromptTokens returns usage.prompt_tokens of a chat request, streamed
// (from the usage chunk) or not.
func chatPromptTokens(t *testing.T, url, fields string, stream bool) int {
	t.Helper()
	body := fmt.Sprintf(`{%s,"max_tokens":2,"stream":%v,"stream_options":{"include_usage":true}}`, fields, stream)
	st, raw, err := post(t, url+"/v1/chat/completions", body)
	if err != nil || st != 200 {
		t.Fatalf("chat %s: %d %v %s", body, st, err, raw)
	}
	if stream {
		sum := summarize(t, raw)
		if sum.usage == nil || sum.usage.Usage == nil {
			t.Fatalf("stream without usage chunk: %s", raw)
		}
		return sum.usage.Usage.PromptTokens
	}
	var r struct {
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r.Usage.PromptTokens
}

// /tokenize of chat messages applies the chat template and counts exactly
// what the chat endpoint reports as usage.prompt_tokens, for every way of
// ending the prompt; its ids are deterministic.
func TestTokenizeChatMatchesUsage(t *testing.T) {
	_, url := start(t, fastConfig())
	tests := []struct {
		name, fields string
		want         int // words + the template's tokens
	}{
		{"one user message", `"messages":[{"role":"user","content":"hello there"}]`, 2 + messageOverhead + generationOverhead},
		{"system and content parts",
			`"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a b"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"c"}]}]`,
			5 + 2*messageOverhead + generationOverhead},
		{"conversation", `"messages":[{"role":"user","content":"q"},{"role":"assistant","content":" the quick"},{"role":"user","content":"more"}]`,
			4 + 3*messageOverhead + generationOverhead},
		{"no generation prompt", `"messages":[{"role":"user","content":"x y z"}],"add_generation_prompt":false`, 3 + messageOverhead},
		{"continue final message", `"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"partial answer"}],"add_generation_prompt":false,"continue_final_message":true`,
			3 + 2*messageOverhead - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tokenize(t, url, `{"model":"m",`+tt.fields+`}`)
			if tok.Count != tt.want || len(tok.Tokens) != tok.Count || tok.MaxModelLen != 4096 {
				t.Fatalf("/tokenize count %d (%d ids, max_model_len %d), want %d", tok.Count, len(tok.Tokens), tok.MaxModelLen, tt.want)
			}
			if again := tokenize(t, url, `{`+tt.fields+`}`); !slices.Equal(again.Tokens, tok.Tokens) {
				t.Errorf("ids differ between calls: %v and %v", tok.Tokens, again.Tokens)
			}
			for _, stream := range []bool{false, true} {
				if got := chatPromptTokens(t, url, tt.fields, stream); got != tok.Count {
					t.Errorf("stream=%v: usage.prompt_tokens %d, /tokenize count %d", stream, got, tok.Count)
				}
			}
		})
	}
}

// The template's ids: <|im_start|> and <|im_end|> right after the word
// vocabulary, the role as one token, the content as /tokenize gives it for
// a plain prompt.
func TestChatTemplateTokens(t *testing.T) {
	_, url := start(t, fastConfig())
	words := tokenize(t, url, `{"prompt":"how are you"}`).Tokens
	chat := tokenize(t, url, `{"messages":[{"role":"user","content":"how are you"}]}`).Tokens
	user := tokenize(t, url, `{"prompt":"user assistant"}`).Tokens
	want := slices.Concat([]int{vocabSize, user[0]}, words, []int{vocabSize + 1, vocabSize, user[1]})
	if !slices.Equal(chat, want) {
		t.Errorf("chat tokens %v, want %v", chat, want)
	}
}

// A client builds a chat prompt of exactly N tokens with /tokenize: it
// learns the template's cost once, then sends N minus that many words, and
// usage.prompt_tokens is N.
func TestTokenizeBuildsExactChatPrompt(t *testing.T) {
	_, url := start(t, fastConfig())
	overhead := tokenize(t, url, `{"messages":[{"role":"user","content":""}]}`).Count
	for _, n := range []int{overhead, 17, 256, 1000} {
		fields := fmt.Sprintf(`"messages":[{"role":"user","content":%q}]`, words(n-overhead))
		if got := chatPromptTokens(t, url, fields, true); got != n {
			t.Errorf("asked for %d tokens, usage.prompt_tokens %d", n, got)
		}
	}
}

// continue_final_message and the default add_generation_prompt cannot both
// hold; vLLM's wording is kept on both endpoints.
func TestTokenizeRejectsBothPromptEndings(t *testing.T) {
	_, url := start(t, fastConfig())
	const fields = `"messages":[{"role":"user","content":"x"}],"continue_final_message":true`
	for _, path := range []string{"/tokenize", "/v1/chat/completions"} {
		st, raw, err := post(t, url+path, `{`+fields+`}`)
		var e errorBody
		if err != nil || st != 400 || json.Unmarshal(raw, &e) != nil || e.Error.Type != "BadRequestError" ||
			!strings.Contains(e.Error.Message, "Cannot set both `continue_final_message` and `add_generation_prompt` to True.") {
			t.Errorf("%s: %d %v %s", path, st, err, raw)
		}
	}
}
