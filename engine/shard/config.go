package shard

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// DefaultPort is shard 0's rendezvous port when --rendezvous names no
// port (`servebench kube` uses the same).
const DefaultPort = 7077

// DefaultTimeout is how long shard 0 waits for every shard to join, and
// for the last shard to reach a stage's barrier after the first.
const DefaultTimeout = 5 * time.Minute

// Config is one shard's side of a rendezvous.
type Config struct {
	Index, Count int
	// Addr is shard 0's host:port. Shard 0 listens on its port (on every
	// interface, or on the loopback address when Addr names one).
	Addr string
	// Key is the shared secret (Key of the scenario file and token).
	Key []byte
	// Plan is the fingerprint of the plan; every shard must run the same.
	Plan string
	// Version is servebench's version; every shard must run the same.
	Version string
	// Timeout bounds the join (every shard connected and admitted), and,
	// with Straggle added, each stage's barrier (from the first shard's
	// arrival to the last's) and shard 0's wait for the results (from its
	// own end).
	Timeout time.Duration
	// Straggle is how much later than the others a live shard may finish a
	// stage: the longest its last request may take (api.timeout).
	Straggle time.Duration
	// Inbox is where shard 0 stores the results the others send, one
	// directory per shard (Inbox/1, Inbox/2, ...).
	Inbox string
	// Logf receives progress lines; nil drops them.
	Logf func(format string, args ...any)
}

func (c *Config) logf(format string, args ...any) {
	if c.Logf != nil {
		c.Logf(format, args...)
	}
}

// SplitAddr splits a rendezvous address HOST:PORT; a missing port is
// DefaultPort.
func SplitAddr(addr string) (host string, port int, err error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: the whole is the host.
		h, p = addr, strconv.Itoa(DefaultPort)
		if _, _, again := net.SplitHostPort(net.JoinHostPort(h, p)); again != nil || h == "" {
			return "", 0, fmt.Errorf("rendezvous address %q is not HOST:PORT", addr)
		}
	}
	port, perr := strconv.Atoi(p)
	if h == "" || perr != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("rendezvous address %q is not HOST:PORT (a host name or address, and a port from 1 to 65535)", addr)
	}
	return h, port, nil
}

// Loopback reports whether the rendezvous host is this machine only
// (localhost or a loopback address): then every shard runs here.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// listenAddr is where shard 0 listens: the loopback address itself when
// the rendezvous is on this machine, else the port on every interface
// (the rendezvous name, a pod's DNS name, resolves to one of them).
func listenAddr(addr string) string {
	host, port, _ := SplitAddr(addr)
	if Loopback(host) {
		return net.JoinHostPort(host, strconv.Itoa(port))
	}
	return ":" + strconv.Itoa(port)
}

// dialAddr is addr with the default port filled in.
func dialAddr(addr string) string {
	host, port, _ := SplitAddr(addr)
	return net.JoinHostPort(host, strconv.Itoa(port))
}
