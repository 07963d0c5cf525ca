package server

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/testexec"
	"github.com/servebench/servebench/schema"
)

// defaultServer is the server block of a minimal scenario after schema's
// defaults pass, with url set: every setting the package reads comes from
// schema, as in a real run, and a test overrides only what it is about.
func defaultServer(t testing.TB, url string) schema.Server {
	t.Helper()
	sc, err := schema.LoadBytes("defaults.yaml", []byte("version: 1\nserver: {url: \""+url+"\"}\n"+
		"stages: [{name: s, concurrency: 1, requests: 1}]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sc.Server
}

// The test binary doubles as a fake vLLM server (see testexec): each mode
// below is a helper. The fake listens on 127.0.0.1:SERVEBENCH_FAKE_PORT and
// appends its pid (and its child's) to SERVEBENCH_FAKE_PIDFILE.
//
// Modes:
//
//	ready       serves /health and /v1/models after a short load; GET /die exits with status 3
//	never       listens, but /health answers 503 for ever
//	exit        prints a CUDA error and exits with status 1 during start-up
//	ignoreterm  like ready, but logs and ignores SIGTERM
//	sleep       a worker that only waits (spawned by ready when SERVEBENCH_FAKE_CHILD=1)
//	longline    prints SERVEBENCH_FAKE_SECRET at the end of a line of maxLine-5 bytes, then serves as ready
var fakeModes = []string{"ready", "never", "exit", "ignoreterm", "sleep", "longline"}

func TestMain(m *testing.M) {
	helpers := map[string]testexec.Helper{}
	for _, mode := range fakeModes {
		helpers[mode] = func([]string) int { runFake(mode); return 0 }
	}
	testexec.Main(m, helpers)
}

// runFake runs the fake server of mode and never returns.
func runFake(mode string) {
	writePID(os.Getpid())
	fmt.Println("fake server starting, mode", mode)
	fmt.Fprintln(os.Stderr, "fake stderr line: loading weights")
	if key := os.Getenv("SERVEBENCH_FAKE_SECRET"); key != "" {
		fmt.Printf("non-default args: {'api_key': '%s'}\n", key) // as vLLM does
	}
	switch mode {
	case "sleep":
		select {}
	case "exit":
		time.Sleep(100 * time.Millisecond)
		fmt.Fprintln(os.Stderr, "ERROR: CUDA out of memory. Tried to allocate 20.00 GiB")
		os.Exit(1)
	case "ignoreterm":
		ignoreTerm()
	case "longline":
		// A secret right across the 64 KiB line cut of the old capture.
		fmt.Println(strings.Repeat("x", maxLine-5) + os.Getenv("SERVEBENCH_FAKE_SECRET"))
	}
	if os.Getenv("SERVEBENCH_FAKE_CHILD") == "1" {
		spawnWorker()
	}
	time.Sleep(150 * time.Millisecond) // "loading the model": readiness polls more than once
	serveFake(mode)
}

// ignoreTerm reports every SIGTERM in the log and carries on.
func ignoreTerm() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		for range ch {
			fmt.Println("got SIGTERM, ignoring it")
		}
	}()
}

// spawnWorker starts a child in the fake's process group that shares its
// output pipe, like vLLM's engine core processes.
func spawnWorker() {
	cmd, err := testexec.HelperCommand("sleep")
	if err == nil {
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "spawn worker:", err)
		os.Exit(2)
	}
}

func serveFake(mode string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if mode == "never" {
			http.Error(w, "model still loading", http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"object":"list","data":[{"id":"fake-model","object":"model","root":"/models/fake","max_model_len":2048}]}`)
	})
	mux.HandleFunc("/die", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(os.Stderr, "fatal: engine core died unexpectedly")
		os.Exit(3)
	})
	l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("SERVEBENCH_FAKE_PORT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(2)
	}
	fmt.Println("listening on", l.Addr())
	fmt.Fprintln(os.Stderr, http.Serve(l, mux))
	os.Exit(2)
}

// writePID appends pid to the pid file, one per line.
func writePID(pid int) {
	f, err := os.OpenFile(os.Getenv("SERVEBENCH_FAKE_PIDFILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, strconv.Itoa(pid))
}
