package shard

import (
	"context"
	"crypto/hmac"
	"fmt"
	"net"
	"sync"
	"time"
)

// dialRetry is how often a shard tries shard 0 again while it is not up
// yet (its pod not scheduled, its name not yet in DNS).
const dialRetry = 500 * time.Millisecond

// Follower is the side of the rendezvous of every shard but 0.
type Follower struct {
	cfg         Config
	c           *conn
	offset, rtt time.Duration
	gos         chan msg
	facts       chan []byte
	final       chan []byte
	stop        chan struct{}
	failOnce    sync.Once
	shutOnce    sync.Once
	failed      chan struct{}
	err         *Error
	readDone    chan struct{}
}

// Join connects to shard 0 (retrying until cfg.Timeout while it is not
// up yet), proves the key, answers the clock measurement, and returns
// once shard 0 says every shard has joined.
func Join(ctx context.Context, cfg Config) (*Follower, error) {
	c, err := dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	f := &Follower{cfg: cfg, c: c, gos: make(chan msg, 1), facts: make(chan []byte, 1), final: make(chan []byte, 1),
		stop: make(chan struct{}), failed: make(chan struct{}), readDone: make(chan struct{})}
	// A cancelled ctx closes the connection, so a handshake waiting for
	// shard 0 ends at once.
	stop := context.AfterFunc(ctx, c.close)
	err = f.handshake(ctx)
	stop()
	if err != nil {
		c.close()
		if ctx.Err() != nil {
			return nil, &Error{Msg: fmt.Sprintf("shard %d was interrupted while waiting for the other shards", cfg.Index), Interrupted: true}
		}
		return nil, err
	}
	go f.read()
	go c.beat(f.stop)
	return f, nil
}

// dial connects to shard 0, trying again until the timeout.
func dial(ctx context.Context, cfg Config) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	addr := dialAddr(cfg.Addr)
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return newConn(c), nil
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.Canceled {
				return nil, &Error{Msg: fmt.Sprintf("shard %d was interrupted while connecting to shard 0", cfg.Index), Interrupted: true}
			}
			return nil, &Error{Msg: fmt.Sprintf("shard %d: shard 0 did not answer at %s within %s: %v", cfg.Index, addr, cfg.Timeout, err)}
		case <-time.After(dialRetry):
		}
	}
}

// handshake answers shard 0's challenge and clock measurement and waits
// for its welcome, which proves that it knows the key too.
func (f *Follower) handshake(ctx context.Context) error {
	who := fmt.Sprintf("shard %d: shard 0 at %s", f.cfg.Index, f.cfg.Addr)
	ch, err := f.c.expect(msgChallenge, handshakeTimeout)
	if err != nil {
		return lost(who, err)
	}
	if ch.Proto != Proto {
		return &Error{Msg: fmt.Sprintf("%s speaks rendezvous protocol %d, this shard %d: run one servebench version on every shard", who, ch.Proto, Proto)}
	}
	hello := msg{Type: msgHello, Proto: Proto, Index: f.cfg.Index, Count: f.cfg.Count, Plan: f.cfg.Plan,
		Version: f.cfg.Version, Nonce: nonce()}
	hello.MAC = helloMAC(f.cfg.Key, ch.Nonce, hello)
	if err := f.c.send(hello); err != nil {
		return lost(who, err)
	}
	// Until every shard has joined, shard 0 sends pings and heartbeats;
	// the join timeout is shard 0's to enforce, and it says so.
	for ctx.Err() == nil {
		m, err := f.c.recv(Silence)
		if err != nil {
			return lost(who, err)
		}
		switch m.Type {
		case msgPing:
			err = f.c.send(msg{Type: msgPong, Seq: m.Seq, T: time.Now().UnixNano()})
		case msgBeat:
		case msgAbort:
			return abortError(m)
		case msgWelcome:
			if !hmac.Equal(m.MAC, welcomeMAC(f.cfg.Key, hello.Nonce, f.cfg.Index)) {
				return &Error{Msg: fmt.Sprintf("%s does not know the rendezvous key: it is no shard 0 of this run", who)}
			}
			f.offset, f.rtt = time.Duration(m.Offset), time.Duration(m.RTT)
			f.cfg.logf("shard %d of %d: every shard joined (clock offset %+.3f ms ± %.3f)", f.cfg.Index, f.cfg.Count, ms(f.offset), ms(f.rtt/2))
			return nil
		default:
			err = fmt.Errorf("rendezvous protocol: unexpected %q", m.Type)
		}
		if err != nil {
			return lost(who, err)
		}
	}
	return &Error{Msg: fmt.Sprintf("shard %d was interrupted while waiting for the other shards", f.cfg.Index), Interrupted: true}
}

// read handles shard 0's messages until the run ends.
func (f *Follower) read() {
	defer close(f.readDone)
	for {
		m, err := f.c.recv(Silence)
		if err != nil {
			f.fail(lost("shard 0", err))
			return
		}
		switch m.Type {
		case msgBeat:
		case msgGo:
			deliver(f.gos, m, f.stop)
		case msgFacts:
			deliver(f.facts, []byte(m.Data), f.stop)
		case msgFinal:
			deliver(f.final, []byte(m.Data), f.stop)
			return
		case msgAbort:
			f.fail(abortError(m))
			return
		default:
			f.fail(&Error{Msg: fmt.Sprintf("shard 0: rendezvous protocol: unexpected %q", m.Type)})
			return
		}
	}
}

// deliver hands v over unless the follower is shut.
func deliver[T any](ch chan T, v T, stop <-chan struct{}) {
	select {
	case ch <- v:
	case <-stop:
	}
}

// fail ends the run on this shard with e (the first reason wins) and shuts
// the connection.
func (f *Follower) fail(e *Error) {
	f.failOnce.Do(func() {
		f.err = e
		close(f.failed)
	})
	f.shut()
}

// shut ends the heartbeats and closes the connection.
func (f *Follower) shut() {
	f.shutOnce.Do(func() {
		close(f.stop)
		f.c.close()
	})
}

// Failed is closed when the run ended for every shard; Err says why.
func (f *Follower) Failed() <-chan struct{} { return f.failed }

// Err is why the run ended for every shard; nil while it goes on.
func (f *Follower) Err() error {
	select {
	case <-f.failed:
		return f.err
	default:
		return nil
	}
}

// Clock is this shard's clock minus shard 0's, and its uncertainty.
func (f *Follower) Clock() (offset, uncertainty time.Duration) { return f.offset, f.rtt / 2 }

// Abort tells shard 0 that this shard's part ended, which ends the run
// for every shard, and hangs up.
func (f *Follower) Abort(reason string, interrupted bool) {
	if f.Err() != nil {
		return // the run ended already; shard 0 knows
	}
	f.failOnce.Do(func() {
		f.err = &Error{Msg: reason, Interrupted: interrupted}
		close(f.failed)
	})
	_ = f.c.send(msg{Type: msgAbort, Reason: reason, Interrupted: interrupted})
	// Close the sending side and wait (bounded) for shard 0 to close its
	// own, so the abort is read, not lost to a reset.
	if tc, ok := f.c.c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	select {
	case <-f.readDone:
	case <-time.After(goodbye):
	}
	f.shut()
}

// Facts waits for what shard 0's pre-flight learned.
func (f *Follower) Facts(ctx context.Context) ([]byte, error) {
	select {
	case d := <-f.facts:
		return d, nil
	case <-f.failed:
		return nil, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Start says this shard is ready for step and waits for the instant, on
// this machine's clock, at which every shard starts it.
func (f *Follower) Start(ctx context.Context, step int, id string) (time.Time, error) {
	if err := f.c.send(msg{Type: msgReady, Step: step, ID: id}); err != nil {
		f.fail(lost("shard 0", err))
		return time.Time{}, f.err
	}
	select {
	case m := <-f.gos:
		if m.Step != step {
			f.fail(&Error{Msg: fmt.Sprintf("shard 0: rendezvous protocol: go for step %d, want %d", m.Step, step)})
			return time.Time{}, f.err
		}
		return time.Unix(0, m.T), nil
	case <-f.failed:
		return time.Time{}, f.err
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}

// Send sends this shard's results (run.json and requests.jsonl of dir).
func (f *Follower) Send(dir string) error {
	for _, name := range []string{RunFile, RequestsFile} {
		if err := f.c.sendFile(dir, name); err != nil {
			return fmt.Errorf("send %s to shard 0: %w", name, err)
		}
	}
	return f.c.send(msg{Type: msgSent})
}

// Final waits for shard 0's word on the merged run, then hangs up.
func (f *Follower) Final(ctx context.Context) ([]byte, error) {
	select {
	case d := <-f.final:
		f.shut()
		return d, nil
	case <-f.failed:
		return nil, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends the connection without a word (after Final or a failure).
func (f *Follower) Close() { f.shut() }
