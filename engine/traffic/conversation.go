package traffic

import (
	"context"
	"time"

	"github.com/servebench/servebench/schema/dataset"
)

// Conversation is the source of a conversation stage: index i is a whole
// session (warmup sessions i < 0), whose turns are specs of the user's new
// message and the output it asks for. What a turn sends besides its own
// message, every earlier message and the server's actual replies, is the
// session's history, which the engine keeps: it depends on the replies.
//
// Turns come from a profile (each turn a request of the profile, the
// shared prefix on the first turn only, as a system prompt is sent once)
// or from a sharegpt dataset (each session one record, whose human turns
// it replays, each asking for the length of the answer that followed it).
type Conversation struct {
	turns int
	think time.Duration
	syn   *Synthetic
	data  *Dataset
}

var _ Source = (*Conversation)(nil)

// Session is one conversation as its source decides it.
type Session struct {
	// Turns are the user's turns in order; a synthetic turn has no Text
	// (the engine builds its message from Keys[k]).
	Turns []Spec
	// Keys index the prompts of synthetic turns, distinct over every turn
	// of every session of the stage.
	Keys []int
	// System holds the messages that open a replayed conversation before
	// its first human turn (a sharegpt system prompt).
	System []dataset.Message
	// Record is the line of the dataset record replayed (0: synthetic).
	Record int
	// Err says why there is no session (the dataset ran out).
	Err error
}

// NewSyntheticConversation is a conversation of turns requests of a
// profile's source, with think between a reply and the next turn.
func NewSyntheticConversation(syn *Synthetic, turns int, think time.Duration) *Conversation {
	return &Conversation{turns: turns, think: think, syn: syn}
}

// NewDatasetConversation replays the records of a sharegpt dataset's walk,
// at most turns turns of each (0: all of them).
func NewDatasetConversation(data *Dataset, turns int, think time.Duration) *Conversation {
	return &Conversation{turns: turns, think: think, data: data}
}

// WithCounter is the same conversation with lengths counted by c.
func (c *Conversation) WithCounter(cn Counter) *Conversation {
	if c.data == nil {
		return c
	}
	x := *c
	x.data = c.data.WithCounter(cn)
	return &x
}

// Dataset is the conversation's dataset source, nil for a synthetic one.
func (c *Conversation) Dataset() *Dataset { return c.data }

// ThinkTime is the pause between a reply and the next turn.
func (c *Conversation) ThinkTime() time.Duration { return c.think }

// MaxTurns is the most turns a session sends (0: as many as a record has).
func (c *Conversation) MaxTurns() int { return c.turns }

// Spec is the first turn of session i, so that a conversation is a Source
// wherever one request per index is asked for.
func (c *Conversation) Spec(i int) Spec {
	s := c.Session(i)
	if s.Err != nil || len(s.Turns) == 0 {
		return Spec{Err: s.Err}
	}
	return s.Turns[0]
}

// Session is session i.
func (c *Conversation) Session(i int) Session {
	s, _ := c.session(context.Background(), i)
	return s
}

// Prime builds the first n sessions (warmup included) with ctx, so that a
// counter that asks the server does so before any request is timed.
func (c *Conversation) Prime(ctx context.Context, n int) error {
	if c.data == nil {
		return nil
	}
	warmup := c.data.warmup
	for i := -warmup; i < n-warmup; i++ {
		if _, err := c.session(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

func (c *Conversation) session(ctx context.Context, i int) (Session, error) {
	if c.data == nil {
		return c.synthetic(i), nil
	}
	e, _, err := c.data.record(ctx, c.data.warmup+i)
	if err != nil {
		return Session{Err: err}, err
	}
	s, err := c.replayed(ctx, &e)
	if err != nil {
		s.Err = err
	}
	return s, err
}

// synthetic draws session i's turns from the profile: turn k of session i
// is request key(i, k) of the profile's source, so every turn of every
// session has lengths and a prompt of its own.
func (c *Conversation) synthetic(i int) Session {
	s := Session{Turns: make([]Spec, c.turns), Keys: make([]int, c.turns)}
	for k := range c.turns {
		key := i*c.turns + k
		if i < 0 {
			key = i*c.turns - k - 1 // warmup sessions count down, apart from measured ones
		}
		sp := c.syn.Spec(key)
		if k > 0 && sp.Group > 0 {
			sp.Input -= sp.Prefix // the prefix opens the conversation once
			sp.Prefix, sp.Group = 0, 0
		}
		s.Turns[k], s.Keys[k] = sp, key
	}
	return s
}

// replayed is the conversation of a sharegpt record: each human turn with
// the answer that followed it; leading system turns open it.
func (c *Conversation) replayed(ctx context.Context, e *dataset.Entry) (Session, error) {
	s := Session{Record: e.Line}
	var user *dataset.Message
	for j := range e.Turns {
		t := &e.Turns[j]
		switch {
		case c.turns > 0 && len(s.Turns) == c.turns:
			return s, nil
		case t.Role == dataset.RoleSystem && user == nil && len(s.Turns) == 0:
			s.System = append(s.System, *t)
		case t.Role == dataset.RoleUser:
			user = t // a second human turn before an answer replaces the first
		case t.Role == dataset.RoleAssistant && user != nil:
			sp, err := c.turn(ctx, user.Content, t.Content, e.Line)
			if err != nil {
				return s, err
			}
			s.Turns = append(s.Turns, sp)
			user = nil
		}
	}
	return s, nil
}

// turn is one replayed turn: the user's message, asking for the length of
// the answer the record has.
func (c *Conversation) turn(ctx context.Context, user, answer string, line int) (Spec, error) {
	in, err := c.data.counter.Text(ctx, user)
	if err != nil {
		return Spec{}, err
	}
	out, err := c.data.counter.Text(ctx, answer)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Input: in, Output: max(out, 1), Text: user, Record: line}, nil
}
