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
		{"usage only", usageChunk(12, 34), true, chunk{promptTokens: 12, outputTokens: 34}},
		{"usage with details", `{"choices":[],"usage":{"prompt_tokens":5,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens":2}}`,
			true, chunk{promptTokens: 5, outputTokens: 2}},
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
		{"null counts", `{"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":null}}`, true, chunk{}},
		{"fraction count", `{"usage":{"prompt_tokens":3,"completion_tokens":8.9}}`, true,
			chunk{promptTokens: 3, badCount: []byte("8.9"), badKey: "completion_tokens"}},
		{"exponent count", `{"usage":{"completion_tokens":1e999}}`, true, chunk{badCount: []byte("1e999"), badKey: "completion_tokens"}},
		{"overflowing count", `{"usage":{"prompt_tokens": 99999999999999999999 }}`, true,
			chunk{badCount: []byte("99999999999999999999"), badKey: "prompt_tokens"}},
		{"negative count", `{"usage":{"completion_tokens":-1}}`, true, chunk{badCount: []byte("-1"), badKey: "completion_tokens"}},
		{"string count", `{"usage":{"completion_tokens":"7"}}`, true, chunk{badCount: []byte(`"7"`), badKey: "completion_tokens"}},
		{"leading zero", `{"usage":{"completion_tokens":07}}`, true, chunk{badCount: []byte("07"), badKey: "completion_tokens"}},
		{"largest count", `{"usage":{"completion_tokens":1000000000}}`, true, chunk{outputTokens: 1_000_000_000}},
		{"count past the largest", `{"usage":{"completion_tokens":1000000001}}`, true,
			chunk{badCount: []byte("1000000001"), badKey: "completion_tokens"}},
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
				c.promptTokens != tt.want.promptTokens || c.outputTokens != tt.want.outputTokens ||
				c.isError != tt.want.isError || string(c.message) != string(tt.want.message) ||
				string(c.badCount) != string(tt.want.badCount) || c.badKey != tt.want.badKey {
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
