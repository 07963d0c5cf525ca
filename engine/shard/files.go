package shard

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Result files a shard sends to shard 0, and the most each may hold. A
// run.json holds summaries only; requests.jsonl one line per request.
const (
	RunFile          = "run.json"
	RequestsFile     = "requests.jsonl"
	MaxRunBytes      = 256 << 20
	MaxRequestsBytes = 16 << 30
	copyChunk        = 256 << 10
)

// limits bounds each file shard 0 accepts, by name; no other name is
// accepted, so a peer cannot write anywhere else.
var limits = map[string]int64{RunFile: MaxRunBytes, RequestsFile: MaxRequestsBytes}

// receive stores one file of shard p in the inbox (Inbox/<index>/NAME,
// through a temporary file and a rename: a cut transfer leaves nothing).
func (l *Leader) receive(p *peer, m msg) error {
	limit, ok := limits[m.Name]
	switch {
	case !ok:
		return fmt.Errorf("a file named %q: only %s and %s are sent", m.Name, RunFile, RequestsFile)
	case m.Size < 0 || m.Size > limit:
		return fmt.Errorf("%s of %d bytes: the limit is %d", m.Name, m.Size, limit)
	}
	dir := filepath.Join(l.cfg.Inbox, strconv.Itoa(p.index))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+m.Name+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	r := &deadlineReader{c: p.c}
	_, err = io.CopyBuffer(tmp, io.LimitReader(r, m.Size), make([]byte, copyChunk))
	if err == nil && r.n < m.Size {
		err = io.ErrUnexpectedEOF
	}
	if err = errors.Join(err, tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, m.Name))
}

// deadlineReader reads a file's bytes from the connection, each read
// within Silence: a transfer may be long, but not stalled.
type deadlineReader struct {
	c *conn
	n int64
}

func (r *deadlineReader) Read(b []byte) (int, error) {
	_ = r.c.c.SetReadDeadline(time.Now().Add(Silence))
	n, err := r.c.r.Read(b)
	r.n += int64(n)
	return n, err
}

// sendFile sends dir/name as a file message and its bytes. The file is
// sent as it is when the call starts; its size is announced first.
func (c *conn) sendFile(dir, name string) error {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() > limits[name] {
		return fmt.Errorf("%s is %d bytes, more than the %d shard 0 accepts", name, fi.Size(), limits[name])
	}
	if err := c.send(msg{Type: msgFile, Name: name, Size: fi.Size()}); err != nil {
		return err
	}
	c.mu.Lock() // no heartbeat may cut into the file's bytes
	defer c.mu.Unlock()
	w := &deadlineWriter{c: c}
	n, err := io.CopyBuffer(w, io.LimitReader(f, fi.Size()), make([]byte, copyChunk))
	if err == nil && n < fi.Size() {
		err = fmt.Errorf("%s shrank while it was sent", name)
	}
	return err
}

// deadlineWriter writes each chunk within writeTimeout.
type deadlineWriter struct{ c *conn }

func (w *deadlineWriter) Write(b []byte) (int, error) {
	_ = w.c.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	return w.c.c.Write(b)
}
