package server

import (
	"fmt"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Joined is the handle of a server that another process started and
// checked (shard 0 of a sharded run): it is ready as it is, so nothing is
// polled, it is never stopped, and it is gone when it refuses connections
// (Check), like any attached server.
func Joined(url string) Handle {
	shown := redact.URL(url)
	h := &inproc{info: schema.ServerInfo{Kind: schema.ServerURL, URL: shown}, stop: func() {}, stopped: make(chan struct{})}
	h.life = newLife(url, 0, func() error {
		return fmt.Errorf("the server at %s refuses connections: it went away (shard 0 started or checked it)", shown)
	})
	return h
}
