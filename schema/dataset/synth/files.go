package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

type sharegptTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

type sharegptConversation struct {
	ID            string         `json:"id"`
	Conversations []sharegptTurn `json:"conversations"`
}

// ShareGPT writes n conversations in the layout of the ShareGPT dumps
// `vllm bench serve` reads: one JSON array, indented by two spaces. Most
// conversations alternate human and gpt turns; a few have what real dumps
// have too, so that a reader's rules show: a system turn first (index 3),
// a single turn (7), a conversation opened by gpt (11), and a human turn
// without an answer (13).
func ShareGPT(w io.Writer, seed uint64, n int) error {
	r := New(seed)
	convs := make([]sharegptConversation, n)
	for i := range convs {
		c := sharegptConversation{ID: r.ID(7) + "_" + fmt.Sprint(r.IntN(3))}
		switch i {
		case 3:
			c.Conversations = append([]sharegptTurn{{"system", r.SystemPrompt()}}, r.exchanges(2)...)
		case 7:
			c.Conversations = []sharegptTurn{{"human", r.Question()}}
		case 11:
			c.Conversations = append([]sharegptTurn{{"gpt", r.Answer()}}, r.exchanges(2)...)
		case 13:
			c.Conversations = []sharegptTurn{{"system", r.SystemPrompt()}, {"human", r.Question()}}
		default:
			c.Conversations = r.exchanges(r.Skewed(2, 8))
		}
		convs[i] = c
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(convs)
}

// exchanges is n turns alternating human and gpt, starting with human.
func (r *Rand) exchanges(n int) []sharegptTurn {
	turns := make([]sharegptTurn, n)
	for i := range turns {
		if i%2 == 0 {
			turns[i] = sharegptTurn{"human", r.Question()}
		} else {
			turns[i] = sharegptTurn{"gpt", r.Answer()}
		}
	}
	return turns
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRecord struct {
	ID           string    `json:"id"`
	Messages     []message `json:"messages,omitempty"`
	Prompt       string    `json:"prompt,omitempty"`
	OutputTokens int       `json:"output_tokens,omitempty"`
}

// ChatJSONL writes n chat records in servebench's JSONL format: messages
// with a shared system prompt half of the time, an earlier exchange a
// third of the time, and output_tokens on four records in five.
func ChatJSONL(w io.Writer, seed uint64, n int) error {
	r := New(seed)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := 0; i < n; i++ {
		if err := enc.Encode(r.chatRecord(fmt.Sprintf("chat-%04d", i+1))); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rand) chatRecord(id string) chatRecord {
	rec := chatRecord{ID: id}
	if r.Chance(0.5) {
		rec.Messages = append(rec.Messages, message{"system", r.SystemPrompt()})
	}
	if r.Chance(0.33) {
		rec.Messages = append(rec.Messages, message{"user", r.Question()}, message{"assistant", r.Answer()})
	}
	rec.Messages = append(rec.Messages, message{"user", r.Question()})
	if r.Chance(0.8) {
		rec.OutputTokens = r.Skewed(16, 512)
	}
	return rec
}

// PromptsJSONL writes JSONL records until at least size bytes are out:
// text prompts (a question after a few paragraphs of context) and chat
// records, about 1 KB each on average, for benchmarks that need a large
// file. It returns the number of records.
func PromptsJSONL(w io.Writer, seed uint64, size int64) (int, error) {
	r := New(seed)
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &countingWriter{w: bw}
	enc := json.NewEncoder(cw)
	enc.SetEscapeHTML(false)
	n := 0
	for ; cw.n < size; n++ {
		id := fmt.Sprintf("bench-%08d", n+1)
		var err error
		if n%2 == 0 {
			err = enc.Encode(r.chatRecord(id))
		} else {
			err = enc.Encode(chatRecord{ID: id, Prompt: "Context:\n" + r.Paragraphs(r.Skewed(1, 8)) + "\n\n" + r.Question(),
				OutputTokens: r.Skewed(16, 1024)})
		}
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
