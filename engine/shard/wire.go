package shard

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Proto is the version of the rendezvous protocol. Shards of another
// version are refused with a message that says so.
const Proto = 1

// Bounds of the protocol. Every read and write has a deadline, so a shard
// that dies, hangs or is cut off ends the run for all within Silence.
const (
	// MaxFrame bounds one control message (a file's bytes are not framed).
	MaxFrame = 1 << 20
	// Heartbeat is how often a shard says it is alive when it has nothing
	// else to say.
	Heartbeat = 2 * time.Second
	// Silence is how long a shard may hear nothing from a peer before it
	// gives the peer up for dead or hung.
	Silence = 15 * time.Second
	// handshakeTimeout bounds the exchange that admits a shard.
	handshakeTimeout = 10 * time.Second
	// writeTimeout bounds one write; a peer that stops reading is gone.
	writeTimeout = 30 * time.Second
)

// Message types.
const (
	msgChallenge = "challenge" // 0 -> i: proto, nonce
	msgHello     = "hello"     // i -> 0: proto, index, count, plan, version, nonce, mac
	msgPing      = "ping"      // 0 -> i: seq
	msgPong      = "pong"      // i -> 0: seq, t (its clock)
	msgWelcome   = "welcome"   // 0 -> i: every shard joined; offset, rtt, mac
	msgBeat      = "beat"      // either way: alive
	msgFacts     = "facts"     // 0 -> i: what pre-flight learned
	msgReady     = "ready"     // i -> 0: ready for step
	msgGo        = "go"        // 0 -> i: step starts at t (its clock)
	msgFile      = "file"      // i -> 0: name, size, then size raw bytes
	msgSent      = "sent"      // i -> 0: every file sent
	msgFinal     = "final"     // 0 -> i: the merged outcome
	msgAbort     = "abort"     // either way: the run ends; reason, interrupted
)

// msg is every message of the protocol; each type uses some fields.
type msg struct {
	Type        string          `json:"type"`
	Proto       int             `json:"proto,omitempty"`
	Index       int             `json:"index,omitempty"`
	Count       int             `json:"count,omitempty"`
	Plan        string          `json:"plan,omitempty"`
	Version     string          `json:"version,omitempty"`
	Nonce       []byte          `json:"nonce,omitempty"`
	MAC         []byte          `json:"mac,omitempty"`
	Seq         int             `json:"seq,omitempty"`
	T           int64           `json:"t,omitempty"` // unix nanoseconds
	Offset      int64           `json:"offset,omitempty"`
	RTT         int64           `json:"rtt,omitempty"`
	Step        int             `json:"step,omitempty"`
	ID          string          `json:"id,omitempty"`
	Name        string          `json:"name,omitempty"`
	Size        int64           `json:"size,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Interrupted bool            `json:"interrupted,omitempty"`
}

// conn is one rendezvous connection: framed JSON messages both ways, one
// writer at a time, a deadline on every read and write.
type conn struct {
	c  net.Conn
	r  *bufio.Reader
	mu sync.Mutex // serialises writers: messages, heartbeats, file bytes
}

func newConn(c net.Conn) *conn { return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10)} }

// send writes one message.
func (c *conn) send(m msg) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if len(body) > MaxFrame {
		return fmt.Errorf("rendezvous message %s is %d bytes, more than %d", m.Type, len(body), MaxFrame)
	}
	frame := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err = c.c.Write(append(frame, body...))
	return err
}

// recv reads one message, waiting at most timeout for it.
func (c *conn) recv(timeout time.Duration) (msg, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(timeout))
	var head [4]byte
	if _, err := io.ReadFull(c.r, head[:]); err != nil {
		return msg{}, err
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > MaxFrame {
		return msg{}, fmt.Errorf("a rendezvous message of %d bytes, more than %d: not a servebench shard", n, MaxFrame)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.r, body); err != nil {
		return msg{}, err
	}
	var m msg
	if err := json.Unmarshal(body, &m); err != nil {
		return msg{}, fmt.Errorf("a rendezvous message that is not JSON: not a servebench shard")
	}
	return m, nil
}

// expect reads one message and fails unless it has type want (an abort
// from the other side is returned as the *Error it carries).
func (c *conn) expect(want string, timeout time.Duration) (msg, error) {
	m, err := c.recv(timeout)
	switch {
	case err != nil:
		return m, err
	case m.Type == msgAbort:
		return m, abortError(m)
	case m.Type != want:
		return m, fmt.Errorf("rendezvous protocol: got %q, want %q", m.Type, want)
	}
	return m, nil
}

// beat sends a heartbeat every Heartbeat until stop closes or a write fails.
func (c *conn) beat(stop <-chan struct{}) {
	t := time.NewTicker(Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if c.send(msg{Type: msgBeat}) != nil {
				return
			}
		}
	}
}

// abort tells the peer why the run ends, best effort, and closes.
func (c *conn) abort(e *Error) {
	_ = c.send(msg{Type: msgAbort, Reason: e.Msg, Interrupted: e.Interrupted})
	c.close()
}

func (c *conn) close() { _ = c.c.Close() }

// Error ends a sharded run for every shard: another shard failed, was
// interrupted, died or fell silent, or the rendezvous could not be made.
type Error struct {
	Msg string
	// Interrupted is set when a shard was interrupted (Ctrl-C, SIGTERM):
	// the run is interrupted everywhere, not failed.
	Interrupted bool
}

func (e *Error) Error() string { return e.Msg }

// maxReason bounds the reason of an abort as it is shown.
const maxReason = 2 << 10

func abortError(m msg) *Error {
	reason := m.Reason
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + " ..."
	}
	return &Error{Msg: reason, Interrupted: m.Interrupted}
}

// lost describes a connection that broke: closed, silent or garbled.
func lost(who string, err error) *Error {
	var ne net.Error
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &ne) && ne.Timeout():
		return &Error{Msg: fmt.Sprintf("%s sent nothing for %s: it hung or the network between the shards failed", who, Silence)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return &Error{Msg: fmt.Sprintf("%s closed the rendezvous connection: it died or was stopped", who)}
	}
	return &Error{Msg: fmt.Sprintf("%s: rendezvous connection lost: %v", who, err)}
}
