package engine

import (
	"context"
	"time"

	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/load"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema/dataset"
)

// maxHistoryBytes bounds the replies one session keeps to send back: a
// session whose replies outgrow it ends after that turn (counted in
// run.json as history_cut). The user's messages are not kept: a synthetic
// one is made again from its key, a replayed one is the record's. So a
// stage's memory for histories is at most its sessions in flight times
// this bound: 1,000 users of 10 turns with 256-token replies keep about
// 13 MB (five bytes a token), and no more than 1 GiB whatever the replies.
const maxHistoryBytes = 1 << 20

// sessionEnd is what the collector learns when a session ends, on its
// last request: how long it took and how far it got.
type sessionEnd struct {
	duration  time.Duration
	turnsDone int
	complete  bool
	cut       bool
}

// converse runs session t.Index on a worker: its turns one after another,
// each carrying every earlier user message and the server's actual reply,
// a think time apart. A session ends at its first failed turn, since a
// later turn would carry a broken history, or when the stage cuts it off.
// The load generator counts the session as one job: a level of C is C
// users, each running whole sessions back to back (or, on a rate, sessions
// arriving at that rate).
//
// Each turn goes to the collector when the next one starts or the session
// ends, so that the last one carries how the session ended; a turn's reply
// is copied out before the turn is handed over (the collector recycles it).
func (sr *stepRun) converse(ctx context.Context, t load.Ticket) {
	idx := sr.sourceIndex(t)
	if !t.Warmup {
		sr.live.markMeasuring(time.Now())
	}
	s := sr.conv.Session(idx)
	if s.Err != nil {
		sr.sourceFailed(s.Err)
		return
	}
	replies := make([]string, 0, len(s.Turns))
	kept, cut := 0, false
	start := time.Now()
	var prev *finished
	defer func() {
		if prev != nil {
			prev.end = &sessionEnd{duration: time.Since(start), turnsDone: len(replies), complete: len(replies) == len(s.Turns), cut: cut}
			sr.out <- prev
		}
	}()
	for k, sp := range s.Turns {
		if k > 0 && !pause(ctx, sr.conv.ThinkTime()) {
			return
		}
		req := client.Request{InputLen: sp.Input, OutputLen: sp.Output, KeepReply: true, ReplyLimit: maxHistoryBytes - kept,
			Messages: sr.history(s.System, s.Turns[:k+1], s.Keys, replies)}
		f := sr.newFinished(t, sp)
		f.turn, f.session = k+1, idx
		sr.client.Do(ctx, &req, &f.res)
		if prev != nil {
			sr.out <- prev
		}
		prev = f
		if f.res.Err != nil || f.res.ReplyCut {
			cut = f.res.ReplyCut
			return
		}
		kept += len(f.res.Reply)
		replies = append(replies, f.res.Reply)
	}
}

// history is the messages turn len(turns) sends: the opening system
// messages, then every turn's user message, each followed by the reply it
// got, the new message last.
func (sr *stepRun) history(system []dataset.Message, turns []traffic.Spec, keys []int, replies []string) []dataset.Message {
	msgs := make([]dataset.Message, 0, len(system)+2*len(turns))
	msgs = append(msgs, system...)
	for j, sp := range turns {
		text := sp.Text
		if text == "" {
			text = sr.runner.sess.turnText(sr.gen, keys[j], sp)
		}
		msgs = append(msgs, dataset.Message{Role: dataset.RoleUser, Content: text})
		if j < len(replies) {
			msgs = append(msgs, dataset.Message{Role: dataset.RoleAssistant, Content: replies[j]})
		}
	}
	return msgs
}

// pause waits d; it reports false when ctx ends first.
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
