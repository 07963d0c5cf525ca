package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/servebench/servebench/schema"
)

// The wordings below are the servers' own sentences (vLLM's serving code
// across versions, NVIDIA NIM, OpenAI), each with the numbers it carries.
func TestContextLengthFromMessage(t *testing.T) {
	tests := []struct {
		name           string
		msg            string
		maxLen, wanted int
	}{
		{"vllm <=0.10 chat",
			"This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (2000 in the messages, 100 in the completion). Please reduce the length of the messages or completion.",
			2048, 2100},
		{"vllm <=0.10 completions",
			"This model's maximum context length is 2048 tokens, however you requested 2100 tokens (2000 in your prompt; 100 for the completion). Please reduce your prompt; or completion length.",
			2048, 2100},
		{"vllm input too long",
			"This model's maximum context length is 896 tokens. However, your request has 1024 input tokens. Please reduce the length of the input messages.",
			896, 1024},
		{"vllm >=0.11 validation error",
			"This model's maximum context length is 40960 tokens. However, you requested 900 output tokens and your prompt contains at least 40061 input tokens, for a total of at least 40961 tokens. Please reduce the length of the input prompt or the number of requested output tokens. (parameter=input_tokens, value=40061)",
			40960, 40961},
		{"vllm max_tokens too large",
			"'max_tokens' or 'max_completion_tokens' is too large: 2000. This model's maximum context length is 4096 tokens and your request has 2104 input tokens (2000 > 4096 - 2104).",
			4096, 4104},
		{"nim you passed",
			"You passed 1200064 input tokens and requested 1 output tokens. However, the model's context length is only 1048576 tokens, resulting in a maximum input length of 1048575 tokens. Please reduce the length of the input prompt.",
			1048576, 1200065},
		{"openai messages resulted in",
			"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
			8192, 9000},
		{"openai with functions",
			"This model's maximum context length is 4097 tokens. However, your messages resulted in 4120 tokens (4000 in the messages, 120 in the functions). Please reduce the length of the messages or functions.",
			4097, 4120},
		{"vllm decoder prompt",
			"The decoder prompt (length 1025) is longer than the maximum model length of 1024. Make sure that `max_model_len` is no smaller than the number of text tokens.",
			1024, 1025},
		{"llama.cpp server",
			"request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it",
			8192, 9412},
		{"tgi total tokens",
			"`inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`",
			4096, 4200},
		{"tgi input length",
			"`inputs` must have less than 1024 tokens. Given: 1500",
			1024, 1500},
		{"limit only", "This model's maximum context length is 512 tokens.", 512, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxLen, wanted, ok := ContextLengthFromMessage(tt.msg)
			if !ok || maxLen != tt.maxLen || wanted != tt.wanted {
				t.Fatalf("got (%d, %d, %v), want (%d, %d, true)", maxLen, wanted, ok, tt.maxLen, tt.wanted)
			}
			body := fmt.Sprintf(`{"object":"error","message":%q,"type":"BadRequestError","code":400}`, tt.msg)
			f := Classify(400, []byte(body), nil)
			if f.Kind != schema.FailContextLength || f.Status != 400 {
				t.Fatalf("Classify: %+v", f)
			}
			if m, w, ok := ContextLengthFromMessage(f.Message); !ok || m != tt.maxLen || w != tt.wanted {
				t.Fatalf("the failure message %q lost the numbers", f.Message)
			}
		})
	}
	for _, msg := range []string{"", "temperature must be positive", "maximum context length is unknown"} {
		if _, _, ok := ContextLengthFromMessage(msg); ok {
			t.Errorf("%q read as a context-length refusal", msg)
		}
	}
}

func TestClassifyStatus(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   string
	}{
		{404, `{"detail":"Not Found"}`, schema.FailModelNotFound},
		{400, `{"error":{"message":"The model 'x' does not exist.","code":404}}`, schema.FailModelNotFound},
		{429, `rate limited`, schema.FailRateLimited},
		{422, `{"detail":[{"msg":"field required"}]}`, schema.FailBadRequest},
		{401, `{"error":{"message":"unauthorized"}}`, schema.FailBadRequest},
		{500, `Internal Server Error`, schema.FailServerError},
		{500, `{"error":{"message":"This model's maximum context length is 10 tokens. However, your request has 11 input tokens."}}`, schema.FailContextLength},
		{413, `{"error":{"code":"context_length_exceeded","message":"too long"}}`, schema.FailContextLength},
	}
	for _, tt := range tests {
		if f := Classify(tt.status, []byte(tt.body), nil); f.Kind != tt.kind || f.Status != tt.status {
			t.Errorf("Classify(%d, %s) = %+v, want %s", tt.status, tt.body, f, tt.kind)
		}
	}
}

func TestClassifyErrors(t *testing.T) {
	tests := []struct {
		err  error
		kind string
	}{
		{fmt.Errorf("post: %w", context.Canceled), schema.FailCanceled},
		{fmt.Errorf("post: %w", context.DeadlineExceeded), schema.FailTimeout},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), schema.FailConnRefused},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), schema.FailConnReset},
		{io.ErrUnexpectedEOF, schema.FailConnReset},
		{io.EOF, schema.FailConnReset},
		{errors.New(`Post "http://127.0.0.1:1/v1/completions": http: server closed idle connection`), schema.FailConnReset},
		{fmt.Errorf("x: %w", ErrResponseTooLarge), schema.FailTooLarge},
		{fmt.Errorf("x: %w", ErrLineTooLong), schema.FailTooLarge},
		{&streamErr{msg: "oom"}, schema.FailStreamError},
		{fmt.Errorf("%w: no [DONE]", errStreamEarly), schema.FailStreamEarly},
		{fmt.Errorf("%w: bad", errMalformed), schema.FailMalformed},
		{errors.New("something else"), schema.FailOther},
	}
	for _, tt := range tests {
		if f := Classify(0, nil, tt.err); f.Kind != tt.kind || f.Message != tt.err.Error() {
			t.Errorf("Classify(%v) = %+v, want %s", tt.err, f, tt.kind)
		}
	}
}

func TestClassifyScrubsAndTruncates(t *testing.T) {
	body := `{"error":{"message":"invalid header Authorization: Bearer abc.def-123 for key sk-proj-AbCdEf123456 ` +
		strings.Repeat("é", 400) + `"}}`
	f := Classify(401, []byte(body), nil)
	for _, secret := range []string{"abc.def-123", "AbCdEf123456"} {
		if strings.Contains(f.Message, secret) {
			t.Fatalf("secret %q in %q", secret, f.Message)
		}
	}
	if len(f.Message) > maxMessageBytes || !strings.HasSuffix(f.Message, "…") || !strings.Contains(f.Message, "é") {
		t.Fatalf("message of %d bytes not cut cleanly: %q", len(f.Message), f.Message)
	}
	if strings.ContainsRune(f.Message, '\uFFFD') {
		t.Fatal("truncation split a rune")
	}
	if f := Classify(0, nil, errors.New(`Post "http://x": header Bearer s3cr3t-token-value`)); strings.Contains(f.Message, "s3cr3t") {
		t.Fatalf("bearer token in %q", f.Message)
	}
}
