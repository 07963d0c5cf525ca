package main

import (
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/servebench/servebench/engine/testexec"
)

// The hostile servers of TestPlantedSecretThroughEveryErrorPath: each echoes
// the planted key into one path by which server text reaches servebench.

// leakKey is the planted secret. It holds every character JSON, HTML, XML
// and URLs escape ('/' for "\/"), and between them runs of eight letters
// and digits that no escaping changes: whichever escaped form a leak takes,
// one of its 8-character substrings is also one of the raw key's. It
// starts with '"' so that the generic "Bearer ..." pattern, which would
// hide a token of 8 plain characters, never hides it: only the funnel's
// knowledge of the key does.
const leakKey = `"Kq7Zr2Wx/Pm4Ns8Vt\Hb3Jc6Yd<Lf5Gk9Qe&Tw1Xa8Uo'Rz2Bv+Cy4Dg`

// leakKeyEnv carries the key into the scenario (api_key: ${TEST_LEAK_KEY}).
const leakKeyEnv = "TEST_LEAK_KEY"

// Where servebench cuts the text it quotes: engine/server's 200-byte body
// excerpt and engine/client's 512-byte failure message. Both end a cut
// text in "…" (3 bytes), so the text itself is cut 3 bytes earlier.
const (
	excerptCut = 200 - 3
	messageCut = 512 - 3
)

// escapeSlash is the JSON escaping some servers (PHP, Java's Jackson with
// a setting, old Python) use: every "/" as "\/".
func escapeSlash(s string) string { return strings.ReplaceAll(s, "/", `\/`) }

// jsonString is s as the inside of a JSON string, "/" written "\/".
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return escapeSlash(string(b[1 : len(b)-1]))
}

// echo is what a careless server answers: a marker naming the path, the
// Authorization header it got, and the key it knows (a server started with
// --api-key has it), raw and JSON-escaped.
func echo(mark string, r *http.Request) string {
	return fmt.Sprintf("%s: rejected authorization %s; expected key %s (escaped %s)",
		mark, r.Header.Get("Authorization"), leakKey, jsonString(leakKey))
}

// place is head, dots, then key starting shift bytes before byte cut of
// the text it ends up in (head's own offset there counted in cut), so that
// a cut there would split the key shift bytes in.
func place(head string, cut, shift int, key string) string {
	dots := cut - shift - len(head)
	if dots < 0 {
		panic(fmt.Sprintf("place: head of %d bytes does not fit before byte %d", len(head), cut-shift))
	}
	return head + strings.Repeat(".", dots) + key + " (end)"
}

// jsonError answers status with an OpenAI error body whose message is msg.
func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":"%s","type":"invalid_request_error","code":%d}}`, jsonString(msg), status)
}

// okAPI answers health, the model list and streaming completions.
var okAPI = fakeOpenAI("leak-model", func(http.ResponseWriter, *http.Request) bool { return false })

// leakServer is okAPI on 127.0.0.1 with the row's routes in front of it
// (a pattern such as "GET /health" is more specific than okAPI's "/").
func leakServer(t *testing.T, routes map[string]http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", okAPI)
	for pattern, h := range routes {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// counter counts answers.
type counter struct{ n atomic.Int64 }

func (c *counter) next() int { return int(c.n.Add(1)) }

// atLeast checks that the server gave at least n hostile answers.
func atLeast(c *counter, n int, what string) func() error {
	return func() error {
		if got := int(c.n.Load()); got < n {
			return fmt.Errorf("%d %s, want at least %d", got, what, n)
		}
		return nil
	}
}

// healthServer answers the health check with a 500 echoing the key (raw,
// across the excerpt cut, shifted by one more byte on every poll), for the
// first failures polls or for ever (failures 0).
func healthServer(t *testing.T, failures int) leakSetup {
	var c counter
	srv := leakServer(t, map[string]http.HandlerFunc{"GET /health": func(w http.ResponseWriter, r *http.Request) {
		n := c.next()
		if failures > 0 && n > failures {
			return
		}
		body := place("MARK-health ", excerptCut, 1+n%len(leakKey), leakKey) + " " + echo("MARK-health", r)
		http.Error(w, body, 500)
	}})
	return leakSetup{block: urlBlock(srv.URL), driven: atLeast(&c, failures+1, "health answers")}
}

// preflightServer answers the model list without credentials (readiness)
// and fails it with them (the pre-flight check): an OpenAI error body,
// quoted raw, with the key JSON-escaped across the excerpt cut and the
// echo (which JSON-escapes the escaped key once more) after it.
func preflightServer(t *testing.T) leakSetup {
	srv := leakServer(t, map[string]http.HandlerFunc{"GET /v1/models": func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			okAPI.ServeHTTP(w, r)
			return
		}
		const open = `{"error":{"message":"`
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		fmt.Fprintf(w, `%s %s"}}`, place(open+"MARK-models ", excerptCut, 9, jsonString(leakKey)), jsonString(echo("MARK-models", r)))
	}})
	return leakSetup{block: urlBlock(srv.URL)}
}

// errorBody is one way requestErrorServer words a failed completion: what
// the client's failure message shows after "HTTP NNN: " is head, the text
// passed through enc, then tail. A json body is an OpenAI error carrying
// that, which the client decodes; any other is that text as it is.
type errorBody struct {
	head, tail string
	enc        func(string) string
	json       bool
	typ        string
}

var errorBodies = []errorBody{
	{enc: func(s string) string { return s }, json: true},
	{enc: func(s string) string { return s }, typ: "text/plain"},
	{enc: jsonString, typ: "text/plain"},
	{enc: jsonString, json: true},
	{head: "<html><body><h1>Bad Gateway</h1><p>", tail: "</p></body></html>", enc: html.EscapeString, typ: "text/html"},
}

// requestErrorServer answers the probe request, then fails completions
// with a 4xx or 5xx in every errorBodies way, the key placed so that the
// 512-byte message cut falls on each byte of it in turn, and (every
// len(errorBodies)+1-th) with pieces of the key cut at that offset, as a
// server that shortens what it echoes does. /version echoes the key too.
func requestErrorServer(t *testing.T) leakSetup {
	var c counter
	statuses := []int{400, 422, 429, 500, 502, 503}
	variants := len(errorBodies) + 1
	srv := leakServer(t, map[string]http.HandlerFunc{
		"GET /version": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"version":"0.1 %s"}`, jsonString(leakKey))
		},
		"POST /v1/completions": func(w http.ResponseWriter, r *http.Request) {
			n := c.next()
			if n == 1 {
				okAPI.ServeHTTP(w, r)
				return
			}
			status, shift := statuses[n%len(statuses)], 1+(n/variants)%requestShifts
			if n%variants == len(errorBodies) {
				cut := min(shift, len(leakKey))
				jsonError(w, status, fmt.Sprintf("MARK-request: key %s… or …%s", leakKey[:cut], leakKey[cut-1:]))
				return
			}
			b := errorBodies[n%variants]
			prefix := fmt.Sprintf("HTTP %d: ", status)
			shown := place(prefix+b.head+b.enc(echo("MARK-request", r)+" "), messageCut, shift, b.enc(leakKey))[len(prefix):] + b.tail
			if b.json {
				jsonError(w, status, shown)
				return
			}
			w.Header().Set("Content-Type", b.typ)
			w.WriteHeader(status)
			fmt.Fprint(w, shown)
		},
	})
	return leakSetup{block: urlBlock(srv.URL), driven: atLeast(&c, variants*requestShifts, "failed completions")}
}

// requestShifts covers every offset of the longest form of the key a
// failure message carries.
var requestShifts = len(html.EscapeString(jsonString(leakKey))) + 1

// streamErrorServer answers the probe request, then sends two tokens and
// an error inside the stream: an OpenAI error object or vLLM's top-level
// one, whose escaped message the client quotes as it is, with the escaped
// key across the message cut; or a chunk that is not JSON, with the key
// across its 200-byte excerpt.
func streamErrorServer(t *testing.T) leakSetup {
	var c counter
	srv := leakServer(t, map[string]http.HandlerFunc{"POST /v1/completions": func(w http.ResponseWriter, r *http.Request) {
		n := c.next()
		if n == 1 {
			okAPI.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for range 2 {
			fmt.Fprint(w, "data: {\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\" t\",\"finish_reason\":null}]}\n\n")
		}
		shift := 1 + (n/3)%(len(jsonString(leakKey))+1)
		const prefix = "error in stream: "
		msg := place(prefix+jsonString(echo("MARK-stream", r)+" "), messageCut, shift, jsonString(leakKey))[len(prefix):]
		switch n % 3 {
		case 0:
			fmt.Fprintf(w, "data: {\"error\":{\"message\":\"%s\",\"code\":500}}\n\n", msg)
		case 1:
			fmt.Fprintf(w, "data: {\"object\":\"error\",\"message\":\"%s\",\"code\":500}\n\n", msg)
		default:
			fmt.Fprintf(w, "data: %s\n\n", place("MARK-chunk ", excerptCut, 1+shift%len(leakKey), leakKey))
		}
	}})
	return leakSetup{block: urlBlock(srv.URL), driven: atLeast(&c, 3*(len(jsonString(leakKey))+1), "broken streams")}
}

// vllmMetrics is a /metrics answer with one metric servebench knows.
const vllmMetrics = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"leak-model\"} 1\n"

// metricsServer answers /metrics with text the Prometheus parser rejects,
// quoting a value token that holds the key (near, not exactly at, the
// excerpt cut: the parser's wording comes first), after good answers for
// the first good scrapes, alternating with 500s echoing the key.
func metricsServer(t *testing.T, good int) leakSetup {
	var c counter
	srv := leakServer(t, map[string]http.HandlerFunc{"GET /metrics": func(w http.ResponseWriter, r *http.Request) {
		switch n := c.next(); {
		case n <= good:
			fmt.Fprint(w, vllmMetrics)
		case (n-good)%2 == 1:
			fmt.Fprintf(w, "%svllm:x %s\n", vllmMetrics, place("v", 120, 1+n%len(leakKey), leakKey))
		default:
			http.Error(w, echo("MARK-metrics", r), 500)
		}
	}})
	return leakSetup{block: urlBlock(srv.URL), driven: atLeast(&c, good+1, "metrics answers")}
}

// urlServer fails its first health check and every third completion,
// echoing the credentials it got (Basic, from the URL's password) and the
// password itself.
func urlServer(t *testing.T) string {
	var health, n counter
	srv := leakServer(t, map[string]http.HandlerFunc{
		"GET /health": func(w http.ResponseWriter, r *http.Request) {
			if health.next() == 1 {
				http.Error(w, echo("MARK-url", r), 500)
			}
		},
		"POST /v1/completions": func(w http.ResponseWriter, r *http.Request) {
			if n.next()%3 == 0 {
				jsonError(w, 500, echo("MARK-url", r))
				return
			}
			okAPI.ServeHTTP(w, r)
		},
	})
	return srv.URL
}

// urlWithKey is base with user "u" and the key as password.
func urlWithKey(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	u.User = url.UserPassword("u", leakKey)
	return u.String()
}

func urlBlock(u string) string { return "\n  url: " + strconv.Quote(u) }

// Server log modes of the "leaky" helper.
const (
	logWhole = "whole" // the key on lines of its own, raw and escaped
	logCut   = "cut"   // the key across the 64 KiB line cut
)

// logLineCut is engine/server's maxLine: longer lines are split there.
const logLineCut = 64 << 10

// serveLeaky is the command server of the server-log rows: it serves the
// OpenAI API on 127.0.0.1:args[0] and prints the key it got on its command
// line (args[2]) the way vLLM prints its non-default arguments, or at the
// end of lines that the 64 KiB line cut splits inside the key, a few bytes
// from either end and in its middle (each line costs the redaction of 64
// KiB, which -race makes slow).
func serveLeaky(args []string) int {
	if len(args) < 3 {
		fmt.Println("leaky helper: want PORT MODE KEY")
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+args[0])
	if err != nil {
		fmt.Println(err)
		return 2
	}
	key := args[2]
	switch args[1] {
	case logWhole:
		fmt.Printf("non-default args: {'api_key': '%s'}\n", key)
		fmt.Fprintf(os.Stderr, "{\"level\":\"info\",\"msg\":\"started\",\"key\":\"%s\"}\n", jsonString(key))
		fmt.Printf("argv %q\n", os.Args)
	case logCut:
		for _, shift := range []int{1, 7, 8, 9, len(key) / 2, len(key) - 8, len(key) - 1} {
			fmt.Println(strings.Repeat("x", logLineCut-shift) + key)
		}
	}
	_ = http.Serve(ln, okAPI)
	return 2
}

// leakyCommand is the server block that starts the leaky helper in mode,
// with the key on its command line as vLLM's --api-key would be.
func leakyCommand(t *testing.T, mode string) leakSetup {
	port := strconv.Itoa(freeTCPPort(t))
	return leakSetup{block: fmt.Sprintf(`
  command: %s
  env: {%s: leaky}
  url: http://127.0.0.1:%s
  stop_timeout: 2s`, yamlArgv(t, port, mode, "${"+leakKeyEnv+"}"), testexec.Env, port)}
}
