package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/engine/testexec"
)

// TestMain lets the test binary play a server process (see testexec): the
// "sim" helper serves the simulator and exits with status 1 after a number
// of requests.
func TestMain(m *testing.M) {
	testexec.Main(m, map[string]testexec.Helper{"sim": serveSimChild, "execute": executeChild,
		"matrixsim": serveMatrixChild, "crash": crashChild})
}

// serveSimChild serves the simulator on 127.0.0.1:args[0] and exits after
// args[1] requests.
func serveSimChild(args []string) int {
	if len(args) != 2 {
		fmt.Println("sim helper: want PORT EXIT_AFTER, got", args)
		return 2
	}
	n, _ := strconv.Atoi(args[1])
	cfg := sim.DefaultConfig()
	cfg.Model, cfg.DecodeStep, cfg.DecodePerSeq, cfg.PrefillPerToken = "child", time.Millisecond, time.Microsecond, time.Microsecond
	cfg.Faults.ExitAfter = n
	err := sim.ListenAndServe(context.Background(), "127.0.0.1:"+args[0], cfg, os.Stdout)
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
