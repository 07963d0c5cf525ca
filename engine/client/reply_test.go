package client

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

// A request that keeps its reply gets the generated text exactly, escapes
// decoded, from the content deltas only (not the role-only opening delta,
// not reasoning); a chat request sends its messages as given.
func TestKeepReplyDecodesTheStreamedText(t *testing.T) {
	var got []dataset.Message
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []dataset.Message `json:"messages"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		got = req.Messages
		sseHeaders(w)
		writeFlush(w, "data: "+chatChunk("assistant", "", "")+"\n\n")
		writeFlush(w, `data: {"choices":[{"index":0,"delta":{"reasoning_content":"thinking"}}]}`+"\n\n")
		for _, p := range []string{`He said "hi"`, "\n\\ é 🎉\t", " end"} {
			writeFlush(w, "data: "+chatChunk("", p, "")+"\n\n")
		}
		writeFlush(w, "data: "+chatChunk("", " .", "length")+"\n\ndata: "+usageChunk(5, 4)+"\n\ndata: [DONE]\n\n")
	})
	c := newClient(t, srv.URL, func(c *Config) { c.Endpoint = schema.EndpointChat })
	msgs := []dataset.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "q1"},
		{Role: "assistant", Content: "a \"1\""}, {Role: "user", Content: "q2"}}
	res := do(t, c, &Request{OutputLen: 4, Messages: msgs, KeepReply: true, ReplyLimit: 1 << 10})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if want := "He said \"hi\"\n\\ é 🎉\t end ."; res.Reply != want || res.ReplyCut {
		t.Errorf("reply %q (cut %v), want %q", res.Reply, res.ReplyCut, want)
	}
	if !slices.Equal(got, msgs) {
		t.Errorf("the server got messages %q, want %q", got, msgs)
	}
	res = do(t, c, &Request{OutputLen: 4, Messages: msgs, KeepReply: true, ReplyLimit: 10})
	if res.Err != nil || !res.ReplyCut || res.Reply != "" {
		t.Errorf("a reply over its limit: %q, cut %v, err %v; want cut and empty", res.Reply, res.ReplyCut, res.Err)
	}
	res = do(t, c, &Request{OutputLen: 4, Messages: msgs})
	if res.Reply != "" || res.ReplyCut {
		t.Errorf("a request that keeps no reply got %q", res.Reply)
	}
}

// Chat messages cannot go to the completions endpoint.
func TestMessagesNeedTheChatEndpoint(t *testing.T) {
	srv := serve(t, staticSSE(sseBody(2, true, true)))
	res := do(t, newClient(t, srv.URL, nil), &Request{OutputLen: 2, Messages: []dataset.Message{{Role: "user", Content: "q"}}})
	wantFailure(t, res, schema.FailOther, "not chat messages")
}
