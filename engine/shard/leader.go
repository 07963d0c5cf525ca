package shard

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// clockRounds is how many round trips measure a shard's clock offset;
// the one with the shortest round trip wins (its offset is the least
// disturbed by queueing), as NTP's clock filter does.
const clockRounds = 8

// Leader is shard 0's side of the rendezvous: it admits the other
// shards, starts every stage at one instant, receives their results, and
// ends the run for all when any shard fails.
type Leader struct {
	cfg    Config
	peers  []*peer // admitted shards, by index
	events chan event
	stop   chan struct{} // closed when the leader is done: heartbeats and readers end
	once   sync.Once
	failed chan struct{}
	err    *Error
	ending atomic.Bool // the run is over: a closed connection is no failure
	reads  sync.WaitGroup
	hungUp chan struct{} // closed once every shard was told the run is over
}

// peer is one admitted shard.
type peer struct {
	index  int
	c      *conn
	offset time.Duration // its clock minus shard 0's
	rtt    time.Duration
	nonce  []byte // its hello's, which shard 0's welcome proves the key over
}

// event is what a peer's reader tells the leader's goroutine.
type event struct {
	kind string // msgReady, msgFile (a result is arriving), msgSent
	peer *peer
	step int
	at   time.Time
}

// Lead listens at cfg.Addr and returns once every other shard has joined
// (proved the key, runs the same plan and version, clock measured), or
// fails naming the shards that did not join within cfg.Timeout.
func Lead(ctx context.Context, cfg Config) (*Leader, error) {
	ln, err := net.Listen("tcp", listenAddr(cfg.Addr))
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("shard 0: listen for the rendezvous at %s: %v", listenAddr(cfg.Addr), err)}
	}
	defer ln.Close()
	l := &Leader{cfg: cfg, events: make(chan event, 4*cfg.Count), stop: make(chan struct{}), failed: make(chan struct{}),
		hungUp: make(chan struct{})}
	cfg.logf("shard 0 of %d: waiting for %d shards at %s", cfg.Count, cfg.Count-1, ln.Addr())
	if err := l.admit(ctx, ln); err != nil {
		l.fail(err)
		l.Close()
		return nil, err
	}
	for _, p := range l.peers {
		if err := p.c.send(msg{Type: msgWelcome, Offset: int64(p.offset), RTT: int64(p.rtt),
			MAC: welcomeMAC(cfg.Key, p.nonce, p.index)}); err != nil {
			e := lost(fmt.Sprintf("shard %d", p.index), err)
			l.fail(e)
			l.Close()
			return nil, e
		}
		l.reads.Add(1)
		go l.read(p)
	}
	cfg.logf("shard 0 of %d: every shard joined", cfg.Count)
	return l, nil
}

// joined is the outcome of one connection's handshake.
type joined struct {
	p      *peer
	claim  int // the index a refused connection that proved the key claimed; 0: none
	reason string
}

// admit accepts connections until every shard has joined, the timeout
// passes or ctx is cancelled. A connection is admitted only after its
// handshake; one that fails it is refused and told why, and does not end
// the run (a stray connection must not), but its reason is kept for the
// error if its shard never joins.
func (l *Leader) admit(ctx context.Context, ln net.Listener) *Error {
	results := make(chan joined)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				j := l.handshake(newConn(c))
				select {
				case results <- j:
				case <-l.stop:
					if j.p != nil {
						j.p.c.close()
					}
				}
			}()
		}
	}()
	timer := time.NewTimer(l.cfg.Timeout)
	defer timer.Stop()
	l.peers = make([]*peer, 0, l.cfg.Count-1)
	refused := map[int]string{}
	for len(l.peers) < l.cfg.Count-1 {
		select {
		case j := <-results:
			l.take(j, refused)
		case <-timer.C:
			return l.missing(refused)
		case <-ctx.Done():
			return &Error{Msg: "shard 0 was interrupted while waiting for the other shards", Interrupted: true}
		}
	}
	slices.SortFunc(l.peers, func(a, b *peer) int { return a.index - b.index })
	return nil
}

// take admits a shard that passed its handshake, unless its index is taken.
func (l *Leader) take(j joined, refused map[int]string) {
	switch {
	case j.p == nil:
		if j.claim > 0 {
			refused[j.claim] = j.reason
		}
		l.cfg.logf("shard 0: refused a rendezvous connection: %s", j.reason)
	case slices.ContainsFunc(l.peers, func(p *peer) bool { return p.index == j.p.index }):
		j.p.c.abort(&Error{Msg: fmt.Sprintf("shard 0 refused a second shard %d: shard %d has joined already", j.p.index, j.p.index)})
	default:
		l.peers = append(l.peers, j.p)
		go j.p.c.beat(l.stop) // keeps the shard waiting for the others from giving shard 0 up
		l.cfg.logf("shard 0: shard %d joined (clock offset %+.3f ms ± %.3f)", j.p.index, ms(j.p.offset), ms(j.p.rtt/2))
	}
}

// missing is the error of a join that timed out: which shards are missing
// and why a connection claiming to be one of them was refused.
func (l *Leader) missing(refused map[int]string) *Error {
	var miss []string
	for i := 1; i < l.cfg.Count; i++ {
		if !slices.ContainsFunc(l.peers, func(p *peer) bool { return p.index == i }) {
			s := fmt.Sprintf("shard %d", i)
			if r := refused[i]; r != "" {
				s += " (refused: " + r + ")"
			}
			miss = append(miss, s)
		}
	}
	const most = 10
	if len(miss) > most {
		miss = append(miss[:most], fmt.Sprintf("and %d more", len(miss)-most))
	}
	return &Error{Msg: fmt.Sprintf("%s of %d did not join the rendezvous at %s within %s",
		strings.Join(miss, ", "), l.cfg.Count, l.cfg.Addr, l.cfg.Timeout)}
}

// handshake challenges a new connection: it must prove the key over a
// fresh nonce and run the same protocol, shard count, plan and version;
// then its clock offset is measured.
func (l *Leader) handshake(c *conn) joined {
	refuse := func(claim int, format string, args ...any) joined {
		reason := fmt.Sprintf(format, args...)
		c.abort(&Error{Msg: "shard 0 refused this shard: " + reason})
		return joined{claim: claim, reason: reason}
	}
	ch := nonce()
	if err := c.send(msg{Type: msgChallenge, Proto: Proto, Nonce: ch}); err != nil {
		c.close()
		return joined{reason: err.Error()}
	}
	m, err := c.expect(msgHello, handshakeTimeout)
	cfg := &l.cfg
	switch {
	case err != nil:
		return refuse(0, "from %s: %v", c.c.RemoteAddr(), err)
	case m.Proto != Proto:
		return refuse(0, "it speaks rendezvous protocol %d, shard 0 speaks %d: run one servebench version on every shard", m.Proto, Proto)
	case !hmac.Equal(m.MAC, helloMAC(cfg.Key, ch, m)):
		return refuse(0, "from %s: it does not know the rendezvous key: a different scenario file or --rendezvous-token", c.c.RemoteAddr())
	case m.Count != cfg.Count:
		return refuse(m.Index, "shard %d is one of %d shards, shard 0 of %d", m.Index, m.Count, cfg.Count)
	case m.Index < 1 || m.Index >= cfg.Count:
		return refuse(0, "shard index %d is not between 1 and %d", m.Index, cfg.Count-1)
	case m.Plan != cfg.Plan:
		return refuse(m.Index, "shard %d runs plan %s, shard 0 plan %s: give every shard the same scenario, overrides and seed", m.Index, m.Plan, cfg.Plan)
	case m.Version != cfg.Version:
		return refuse(m.Index, "shard %d runs servebench %s, shard 0 runs %s: run one version on every shard", m.Index, m.Version, cfg.Version)
	}
	p := &peer{index: m.Index, c: c, nonce: m.Nonce}
	if p.offset, p.rtt, err = measure(c); err != nil {
		return refuse(m.Index, "shard %d: clock measurement: %v", m.Index, err)
	}
	return joined{p: p}
}

// measure finds the peer's clock offset: over clockRounds round trips, the
// peer's clock at the midpoint of the shortest one, minus shard 0's.
func measure(c *conn) (offset, rtt time.Duration, err error) {
	rtt = time.Duration(1<<63 - 1)
	for seq := 1; seq <= clockRounds; seq++ {
		t0 := time.Now()
		if err := c.send(msg{Type: msgPing, Seq: seq}); err != nil {
			return 0, 0, err
		}
		m, err := c.expect(msgPong, handshakeTimeout)
		if err != nil {
			return 0, 0, err
		}
		if m.Seq != seq {
			return 0, 0, errors.New("pong out of order")
		}
		if d := time.Since(t0); d < rtt {
			rtt, offset = d, time.Duration(m.T-t0.Add(d/2).UnixNano())
		}
	}
	return offset, rtt, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
