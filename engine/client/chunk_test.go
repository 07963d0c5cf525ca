package client

import "testing"

func TestScanChunk(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
		want chunk
	}{
		{"completion token", textChunk(" hi", ""), true, chunk{choices: true, content: true}},
		{"final token", textChunk("!", "length"), true, chunk{choices: true, content: true, finish: []byte("length")}},
		{"empty text", textChunk("", "stop"), true, chunk{choices: true, finish: []byte("stop")}},
		{"usage only", usageChunk(12, 34), true, chunk{usage: true, promptTokens: 12, outputTokens: 34}},
		{"usage with details", `{"choices":[],"usage":{"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens":2}}`,
			true, chunk{usage: true, promptTokens: 5, outputTokens: 2}},
		{"chat role", chatChunk("assistant", "", ""), true, chunk{choices: true}},
		{"chat content", chatChunk("", "x", ""), true, chunk{choices: true, content: true}},
		{"reasoning", `{"choices":[{"delta":{"reasoning_content":"hmm"}}]}`, true, chunk{choices: true, content: true}},
		{"null content", `{"choices":[{"delta":{"content":null}}]}`, true, chunk{choices: true}},
		{"logprobs content array is not text", `{"choices":[{"delta":{"content":""},"logprobs":{"content":[{"token":"a"}]}}]}`, true, chunk{choices: true}},
		{"escaped quotes in text", `{"choices":[{"text":"say \"finish_reason\": \\"}]}`, true, chunk{choices: true, content: true}},
		{"key-like text is not a key", `{"choices":[{"text":"\"usage\":{"}]}`, true, chunk{choices: true, content: true}},
		{"error object", `{"error":{"message":"boom","code":500}}`, true, chunk{isError: true, message: []byte("boom")}},
		{"error null", `{"choices":[{"text":"a"}],"error":null}`, true, chunk{choices: true, content: true}},
		{"vllm error", `{"object":"error","message":"bad","type":"BadRequestError"}`, true, chunk{isError: true, message: []byte("bad")}},
		{"whitespace", " {\n \"choices\" : [ {\"text\" : \"a\"} ] }\r\n", true, chunk{choices: true, content: true}},
		{"truncated", `{"choices":[{"text":"a"`, false, chunk{}},
		{"unterminated string", `{"choices":[{"text":"a}]}`, false, chunk{}},
		{"not an object", `[1,2]`, false, chunk{}},
		{"empty", ``, false, chunk{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c chunk
			ok := scanChunk([]byte(tt.in), &c)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if c.choices != tt.want.choices || c.content != tt.want.content || string(c.finish) != string(tt.want.finish) ||
				c.usage != tt.want.usage || c.promptTokens != tt.want.promptTokens || c.outputTokens != tt.want.outputTokens ||
				c.isError != tt.want.isError || string(c.message) != string(tt.want.message) {
				t.Fatalf("got %+v\nwant %+v", c, tt.want)
			}
		})
	}
}

func TestFinishReasonDoesNotAllocateForKnownValues(t *testing.T) {
	raw := []byte("length")
	if n := testing.AllocsPerRun(100, func() { _ = finishReason(raw) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
	if finishReason([]byte("weird")) != "weird" {
		t.Fatal("unknown finish reason lost")
	}
}
