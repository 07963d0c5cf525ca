package client

import (
	"encoding/json"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

// body is the JSON request body. The fields are the ones `vllm bench serve`
// sends and no more (extra sampling fields would change what the server
// does), plus max_tokens on chat: see MaxTokens.
//
// It is encoded with encoding/json: on the bench-client suite at c=256 the
// encoding is a small share of the client's CPU per request (a 128-token
// prompt; docs/performance.md), below the 10 % that would justify the
// hand-written encoder this replaced.
type body struct {
	Model    string            `json:"model"`
	Prompt   any               `json:"prompt,omitempty"` // []int or string; completions only
	Messages []dataset.Message `json:"messages,omitempty"`
	// MaxTokens is the output limit on both endpoints. Chat also sends it
	// as max_completion_tokens, the name `vllm bench serve` uses: vLLM
	// reads either, while Ollama's OpenAI layer reads only max_tokens and
	// generates without limit when it is missing.
	MaxTokens           int            `json:"max_tokens"`
	MaxCompletionTokens int            `json:"max_completion_tokens,omitempty"`
	Stream              bool           `json:"stream"`
	StreamOptions       *streamOptions `json:"stream_options,omitempty"`
	IgnoreEOS           bool           `json:"ignore_eos,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// includeUsage asks for the usage chunk at the end of a stream.
var includeUsage = &streamOptions{IncludeUsage: true}

// encodeBody returns the request body of req.
func (c *Client) encodeBody(req *Request) ([]byte, error) {
	b := body{Model: c.cfg.Model, MaxTokens: req.OutputLen, Stream: c.cfg.Stream, IgnoreEOS: c.cfg.IgnoreEOS}
	if c.cfg.Endpoint == schema.EndpointChat {
		b.Messages = req.Messages
		if b.Messages == nil {
			b.Messages = []dataset.Message{{Role: dataset.RoleUser, Content: req.Text}}
		}
		b.MaxCompletionTokens = req.OutputLen
	} else if req.TokenIDs != nil {
		b.Prompt = req.TokenIDs
	} else {
		b.Prompt = req.Text
	}
	if c.cfg.Stream {
		b.StreamOptions = includeUsage
	}
	return json.Marshal(&b)
}
