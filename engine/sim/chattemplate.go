package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The simulator's chat template is ChatML, the template of Qwen models,
// tokenized by the simulator's tokenizer. Each message becomes
//
//	<|im_start|> role content-words... <|im_end|>
//
// where <|im_start|> and <|im_end|> are one special token each and the role
// is one token, so a message costs its words plus 3 tokens. The generation
// prompt (add_generation_prompt, default true) appends <|im_start|>
// assistant, 2 tokens; continue_final_message leaves the last message open
// instead, without its <|im_end|>. Chat completions and POST /tokenize with
// messages apply the same template, so /tokenize counts exactly what
// usage.prompt_tokens reports, as vLLM's /tokenize does with the model's
// template.
const (
	imStartID = vocabSize
	imEndID   = vocabSize + 1
)

// Token costs of the template, for documentation and tests.
const (
	messageOverhead    = 3 // <|im_start|>, role, <|im_end|>
	generationOverhead = 2 // <|im_start|>, assistant
)

// errBothPrompts is vLLM's wording for the two ways of ending a chat prompt.
var errBothPrompts = errors.New("Cannot set both `continue_final_message` and `add_generation_prompt` to True.")

// chatMessage is the part of a chat message the simulator reads. Content is a
// string or a list of parts of which only {"type":"text","text":...} count.
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// templateOptions are the chat-template fields of vLLM's chat completions
// and tokenize requests.
type templateOptions struct {
	AddGenerationPrompt  *bool `json:"add_generation_prompt"`
	ContinueFinalMessage bool  `json:"continue_final_message"`
}

// messagesTokens renders msgs with the chat template and returns its ids.
func messagesTokens(msgs []chatMessage, opts templateOptions) ([]int, error) {
	if len(msgs) == 0 {
		return nil, errors.New("messages must not be empty")
	}
	generation := opts.AddGenerationPrompt == nil || *opts.AddGenerationPrompt
	if generation && opts.ContinueFinalMessage {
		return nil, errBothPrompts
	}
	var ids []int
	for i, m := range msgs {
		text, err := messageText(m.Content)
		if err != nil {
			return nil, fmt.Errorf("messages[%d].content: %w", i, err)
		}
		ids = append(ids, imStartID, wordID(m.Role))
		ids = wordTokens(text, ids)
		if !opts.ContinueFinalMessage || i < len(msgs)-1 {
			ids = append(ids, imEndID)
		}
	}
	if generation {
		ids = append(ids, imStartID, wordID("assistant"))
	}
	return ids, nil
}

func messageText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or a list of content parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
			b.WriteByte(' ')
		}
	}
	return b.String(), nil
}
