package server

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// life is what every kind of server shares once it is ready: a death that
// is announced once (Died, ExitErr), however it was found out, and Check,
// which tells a server that is gone from a request that failed.
//
// Without Check an attached server that went away would look like a
// stream of connection_refused failures, averaged into a "completed"
// stage; and a started process would be blamed on the next stage, because
// its remaining requests fail faster than its exit is reaped.
type life struct {
	url  string
	died chan struct{}
	once sync.Once
	err  error // set before died closes
	// settle is how long Check waits, once the server refuses connections,
	// for its own exit to be seen (a process reaped, with its status and
	// log), before declaring it gone with gone(). 0 for kinds whose exit
	// is not a separate event.
	settle time.Duration
	gone   func() error
}

func newLife(rawURL string, settle time.Duration, gone func() error) *life {
	return &life{url: rawURL, died: make(chan struct{}), settle: settle, gone: gone}
}

// declare announces the death once; later calls change nothing.
func (l *life) declare(err error) {
	l.once.Do(func() {
		l.err = err
		close(l.died)
	})
}

func (l *life) Died() <-chan struct{} { return l.died }

func (l *life) ExitErr() error {
	select {
	case <-l.died:
		return l.err
	default:
		return nil
	}
}

func (l *life) Check(ctx context.Context) error {
	if err := l.ExitErr(); err != nil {
		return err
	}
	if !refuses(ctx, l.url) {
		return nil
	}
	if l.settle > 0 {
		t := time.NewTimer(l.settle)
		defer t.Stop()
		select {
		case <-l.died:
			return l.err
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
	l.declare(l.gone())
	return l.ExitErr()
}

// checkDialTimeout bounds Check's connection attempt. Only a refusal
// counts as gone: a server too busy to accept in time is still there.
const checkDialTimeout = 2 * time.Second

// refuses reports whether nothing accepts connections at the URL's host and
// port any more (connection refused, or the host is unreachable).
func refuses(ctx context.Context, rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	d := net.Dialer{Timeout: checkDialTimeout}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}
