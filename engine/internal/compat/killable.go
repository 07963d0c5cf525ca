package compat

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Killable is a server on 127.0.0.1 that can die the way a killed process
// does: its port stops accepting at once and every open connection is cut
// mid-response. (httptest.Server.Close would wait for handlers to finish.)
type Killable struct {
	URL  string
	srv  *httptest.Server
	once sync.Once
}

// StartKillable serves h until the test ends or Kill is called.
func StartKillable(t testing.TB, h http.Handler) *Killable {
	t.Helper()
	k := &Killable{srv: httptest.NewServer(h)}
	k.URL = k.srv.URL
	t.Cleanup(func() { k.Kill(); k.srv.Close() })
	return k
}

// Kill closes the listener and every connection; later calls do nothing.
func (k *Killable) Kill() {
	k.once.Do(func() {
		k.srv.Listener.Close()
		k.srv.CloseClientConnections()
	})
}
