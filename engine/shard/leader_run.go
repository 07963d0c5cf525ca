package shard

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// startLead is how far ahead shard 0 sets a stage's start instant, on top
// of the slowest round trip, so the go message reaches every shard before
// the instant it names.
const startLead = 100 * time.Millisecond

// goodbye bounds how long the leader waits for the shards to hang up
// after the final word or an abort: they then read everything it sent.
const goodbye = 5 * time.Second

// read handles one shard's messages until its connection ends. It never
// blocks on the leader's goroutine for longer than the run lasts.
func (l *Leader) read(p *peer) {
	defer l.reads.Done()
	who := fmt.Sprintf("shard %d", p.index)
	for {
		m, err := p.c.recv(Silence)
		if err != nil {
			if !l.ending.Load() {
				l.fail(lost(who, err))
			}
			return
		}
		switch m.Type {
		case msgBeat:
		case msgReady:
			l.post(event{kind: msgReady, peer: p, step: m.Step, at: time.Now()})
		case msgFile:
			l.post(event{kind: msgFile, peer: p})
			if err := l.receive(p, m); err != nil {
				l.fail(&Error{Msg: fmt.Sprintf("%s: receiving its results: %v", who, err)})
				return
			}
		case msgSent:
			l.post(event{kind: msgSent, peer: p})
		case msgAbort:
			e := abortError(m)
			l.fail(&Error{Msg: fmt.Sprintf("shard %d: %s", p.index, e.Msg), Interrupted: e.Interrupted})
			return
		default:
			l.fail(&Error{Msg: fmt.Sprintf("%s: rendezvous protocol: unexpected %q", who, m.Type)})
			return
		}
	}
}

func (l *Leader) post(e event) {
	select {
	case l.events <- e:
	case <-l.stop:
	}
}

// fail ends the run for every shard: each is told why, and shard 0's own
// part sees Failed close. Only the first ending counts.
func (l *Leader) fail(e *Error) {
	l.end(func() {
		l.err = e
		close(l.failed)
		l.cfg.logf("shard 0: ending the run for every shard: %s", e.Msg)
	}, msg{Type: msgAbort, Reason: e.Msg, Interrupted: e.Interrupted})
}

// end runs first, then says last to every shard in the background (a
// reader that ends the run must not wait for itself); Close waits for it.
func (l *Leader) end(first func(), last msg) {
	l.once.Do(func() {
		first()
		go l.hangUp(last)
	})
}

// hangUp says last to every shard, waits (bounded) for each to hang up,
// so nothing sent is lost to a reset, and closes everything.
func (l *Leader) hangUp(last msg) {
	defer close(l.hungUp)
	l.ending.Store(true)
	var wg sync.WaitGroup
	for _, p := range l.peers {
		wg.Go(func() { _ = p.c.send(last) })
	}
	wg.Wait()
	done := make(chan struct{})
	go func() { l.reads.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(goodbye):
	}
	close(l.stop)
	for _, p := range l.peers {
		p.c.close()
	}
}

// Close ends the rendezvous (telling the shards it is over, if nothing
// ended it yet) and waits until every shard was told.
func (l *Leader) Close() {
	l.end(func() {}, msg{Type: msgAbort, Reason: "shard 0 closed the rendezvous"})
	<-l.hungUp
}

// Failed is closed when the run ended for every shard; Err says why.
func (l *Leader) Failed() <-chan struct{} { return l.failed }

// Err is why the run ended for every shard; nil while it goes on.
func (l *Leader) Err() error {
	select {
	case <-l.failed:
		return l.err
	default:
		return nil
	}
}

// Abort ends the run for every shard because shard 0's own part ended.
func (l *Leader) Abort(reason string, interrupted bool) {
	l.fail(&Error{Msg: "shard 0: " + reason, Interrupted: interrupted})
}

// Publish sends what shard 0's pre-flight learned to every shard.
func (l *Leader) Publish(data []byte) error {
	for _, p := range l.peers {
		if err := p.c.send(msg{Type: msgFacts, Data: data}); err != nil {
			e := lost(fmt.Sprintf("shard %d", p.index), err)
			l.fail(e)
			return e
		}
	}
	return nil
}

// Start waits until every shard is ready for step (one that is not within
// Timeout+Straggle of the first fails the run) and returns the instant, on
// this machine's clock, at which every shard starts it.
func (l *Leader) Start(ctx context.Context, step int, id string) (time.Time, error) {
	first, limit := time.Now(), l.cfg.Timeout+l.cfg.Straggle
	timer := time.NewTimer(limit)
	defer timer.Stop()
	ready := map[int]bool{}
	for len(ready) < len(l.peers) {
		select {
		case e := <-l.events:
			if e.kind != msgReady || e.step != step {
				l.fail(&Error{Msg: fmt.Sprintf("shard %d: rendezvous protocol: %s for step %d during the barrier of step %d", e.peer.index, e.kind, e.step, step)})
				return time.Time{}, l.err
			}
			ready[e.peer.index] = true
			if e.at.Before(first) {
				first = e.at
				timer.Reset(limit - time.Since(first))
			}
		case <-timer.C:
			l.fail(&Error{Msg: fmt.Sprintf("%s did not reach stage %s within %s of the first shard",
				l.absent(ready), id, limit)})
			return time.Time{}, l.err
		case <-l.failed:
			return time.Time{}, l.err
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	var slowest time.Duration
	for _, p := range l.peers {
		slowest = max(slowest, p.rtt)
	}
	at := time.Now().Add(startLead + slowest)
	for _, p := range l.peers {
		if err := p.c.send(msg{Type: msgGo, Step: step, ID: id, T: at.UnixNano() + int64(p.offset)}); err != nil {
			l.fail(lost(fmt.Sprintf("shard %d", p.index), err))
			return time.Time{}, l.err
		}
	}
	return at, nil
}

// absent names the shards not in have.
func (l *Leader) absent(have map[int]bool) string {
	var out []string
	for _, p := range l.peers {
		if !have[p.index] {
			out = append(out, fmt.Sprintf("shard %d", p.index))
		}
	}
	return strings.Join(out, ", ")
}

// Collect waits until every shard has sent its results into the inbox. A
// shard that has not begun to send within Timeout+Straggle of the call
// fails the run; one that is sending is bounded by Silence.
func (l *Leader) Collect(ctx context.Context) error {
	limit := l.cfg.Timeout + l.cfg.Straggle
	timer := time.NewTimer(limit)
	defer timer.Stop()
	sending, sent := map[int]bool{}, map[int]bool{}
	for len(sent) < len(l.peers) {
		select {
		case e := <-l.events:
			switch e.kind {
			case msgFile:
				sending[e.peer.index] = true
			case msgSent:
				sent[e.peer.index] = true
			default:
				l.fail(&Error{Msg: fmt.Sprintf("shard %d: rendezvous protocol: %s after the last stage", e.peer.index, e.kind)})
				return l.err
			}
		case <-timer.C:
			for i := range sent {
				sending[i] = true
			}
			if len(sending) < len(l.peers) {
				l.fail(&Error{Msg: fmt.Sprintf("%s did not send results within %s of shard 0's end", l.absent(sending), limit)})
				return l.err
			}
		case <-l.failed:
			return l.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Finish tells every shard the merged outcome and hangs up.
func (l *Leader) Finish(data []byte) {
	l.end(func() {}, msg{Type: msgFinal, Data: data})
	<-l.hungUp
}
