package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRedirectIsReturned: a 307 comes back to the caller as it is; the
// server it points to sees nothing, and Redirect names the Location.
func TestRedirectIsReturned(t *testing.T) {
	var hits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(target.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/elsewhere", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(Options{MaxConns: 1})
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, ok := Redirect(resp)
	if !ok || loc != target.URL+"/elsewhere" || resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("status %d, Redirect = %q %v", resp.StatusCode, loc, ok)
	}
	if hits.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
	if _, ok := Redirect(&http.Response{StatusCode: 200}); ok {
		t.Fatal("a 200 read as a redirect")
	}
}

// TestTransportRules pins the settings the package doc promises.
func TestTransportRules(t *testing.T) {
	tr := NewTransport(Options{MaxConns: 7})
	if tr.Proxy != nil || !tr.DisableCompression || tr.ForceAttemptHTTP2 || tr.TLSNextProto == nil ||
		len(tr.TLSNextProto) != 0 || tr.MaxResponseHeaderBytes != MaxHeaderBytes ||
		tr.MaxIdleConnsPerHost != 7 || tr.MaxIdleConns != 7 {
		t.Fatalf("transport %+v breaks a rule of the package", tr)
	}
}
