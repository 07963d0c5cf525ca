package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// dialTimeout bounds the check for a listener already on the server's port.
const dialTimeout = time.Second

// checkPort fails when the port the new server will listen on is taken
// already: either something accepts connections there (an old `vllm serve`
// still running would otherwise answer the readiness checks and be measured
// instead), or, for a local address, the port is bound. The error names the
// process holding the port when /proc tells.
func checkPort(ctx context.Context, rawURL string) error {
	u, err := parseURL(rawURL)
	if err != nil {
		return err
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	addr := net.JoinHostPort(host, port)
	inUse := accepting(ctx, addr) || bound(host, port)
	if !inUse {
		return nil
	}
	n, _ := strconv.Atoi(port)
	who := ""
	if holder := portHolder(n); holder != "" {
		who = " by " + holder
	}
	return fmt.Errorf("port %s of server url %s is already in use%s: "+
		"stop that process (is an earlier server still running?) or change the port in server.url and the server's arguments",
		port, rawURL, who)
}

// accepting reports whether a listener answers on addr.
func accepting(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// bound reports whether a local port is bound without accepting (for
// example by a process that is still starting). Remote hosts are not checked.
func bound(host, port string) bool {
	if !isLocal(host) {
		return false
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return errors.Is(err, syscall.EADDRINUSE)
	}
	l.Close()
	return false
}

// isLocal reports whether host names this machine.
func isLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
