package sim

// Bodies of non-streaming responses, field for field as vLLM serialises
// them, so a client's decoder meets the same nulls and empty lists.

// malformedJSON is the injected chunk or body that no JSON parser accepts.
const malformedJSON = "{not json"

type usageInfo struct {
	PromptTokens       int  `json:"prompt_tokens"`
	TotalTokens        int  `json:"total_tokens"`
	CompletionTokens   int  `json:"completion_tokens"`
	PromptTokensDetail *any `json:"prompt_tokens_details"`
}

type completionChoice struct {
	Index          int    `json:"index"`
	Text           string `json:"text"`
	Logprobs       *any   `json:"logprobs"`
	FinishReason   string `json:"finish_reason"`
	StopReason     *any   `json:"stop_reason"`
	PromptLogprobs *any   `json:"prompt_logprobs"`
}

type chatMessageOut struct {
	Role             string `json:"role"`
	ReasoningContent *any   `json:"reasoning_content"`
	Content          string `json:"content"`
	ToolCalls        []any  `json:"tool_calls"`
}

type chatChoice struct {
	Index        int            `json:"index"`
	Message      chatMessageOut `json:"message"`
	Logprobs     *any           `json:"logprobs"`
	FinishReason string         `json:"finish_reason"`
	StopReason   *any           `json:"stop_reason"`
}

type fullBody struct {
	ID             string    `json:"id"`
	Object         string    `json:"object"`
	Created        int64     `json:"created"`
	Model          string    `json:"model"`
	Choices        any       `json:"choices"`
	Usage          usageInfo `json:"usage"`
	PromptLogprobs *any      `json:"prompt_logprobs,omitempty"`
}

// fullResponse is the body of a non-streaming completions or chat response.
func fullResponse(j *job) fullBody {
	text := outputText(j.plan.tokens)
	b := fullBody{
		ID: j.id, Created: j.created, Model: j.model,
		Usage: usageInfo{PromptTokens: j.prompt, TotalTokens: j.prompt + j.plan.tokens, CompletionTokens: j.plan.tokens},
	}
	if j.ep == chatEndpoint {
		b.Object = "chat.completion"
		b.Choices = []chatChoice{{
			Message:      chatMessageOut{Role: "assistant", Content: text, ToolCalls: []any{}},
			FinishReason: j.plan.finish,
		}}
		return b
	}
	b.Object = "text_completion"
	b.Choices = []completionChoice{{Text: text, FinishReason: j.plan.finish}}
	return b
}
