package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
)

// TestMain lets the test binary play a server process: with
// SERVEBENCH_TEST_SIM=<port>:<exit after> it serves the simulator and exits
// with status 1 after that many requests, the way Go's own os/exec tests
// re-execute themselves as helper processes.
func TestMain(m *testing.M) {
	if spec := os.Getenv("SERVEBENCH_TEST_SIM"); spec != "" {
		os.Exit(serveSimChild(spec))
	}
	os.Exit(m.Run())
}

func serveSimChild(spec string) int {
	port, after, _ := strings.Cut(spec, ":")
	n, _ := strconv.Atoi(after)
	cfg := sim.DefaultConfig()
	cfg.Model, cfg.DecodeStep, cfg.DecodePerSeq, cfg.PrefillPerToken = "child", time.Millisecond, time.Microsecond, time.Microsecond
	cfg.Faults.ExitAfter = n
	err := sim.ListenAndServe(context.Background(), "127.0.0.1:"+port, cfg, os.Stdout)
	if errors.Is(err, sim.ErrExited) {
		fmt.Println("child: exiting after", n, "requests")
		return 1
	}
	return 2
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
