package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/internal/testimage"
	"github.com/servebench/servebench/schema"
)

// dockerScenario runs servebench's own image as a server.docker server:
// `servebench sim` in a container FROM scratch. The %s are the image, the
// simulator's address and extra arguments, the container's network
// settings, the host port and the stages.
const dockerScenario = `version: 1
name: docker-e2e
server:
  docker:
    image: %s
    args: [sim, %s, --model, m, --decode-step, 2ms%s]
    %s
  url: http://127.0.0.1:%d
  ready: {timeout: 1m, interval: 200ms}
  stop_timeout: 5s
model: {name: m, max_model_len: 1024}
stages:
%s`

// Networks of the simulator's container: published on 127.0.0.1 as users
// do, or on the host's network. A container that dies behind a published
// port can leave docker's userland proxy accepting connections for a
// moment, and the run's liveness check (a refused connection means gone)
// then finds the server alive: the case of a dying server uses the host's
// network, where the port is refused the moment the simulator exits.
const (
	published = "published"
	hostNet   = "host"
)

// TestDockerServerKindEndToEnd runs the server.docker kind against a real
// engine with an image built from the repository's Dockerfile around the
// static binary, serving `servebench sim`: it becomes ready, its output
// reaches server.log, Stop removes the container, and no container is
// left after a run that succeeds, a server that cannot start, a server
// that dies mid-stage, or Ctrl-C (SIGINT to a real servebench process).
func TestDockerServerKindEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and an image")
	}
	testimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	img := testimage.Build(t, ctx)
	t.Cleanup(func() { // whatever a failed check left behind
		for _, id := range testimage.Containers(t, img.Tag) {
			_ = exec.Command("docker", "rm", "-f", id).Run()
		}
	})
	noContainer := func(t *testing.T) {
		t.Helper()
		if ids := testimage.Containers(t, img.Tag); len(ids) > 0 {
			t.Errorf("containers of %s left behind: %v", img.Tag, ids)
		}
	}
	scenario := func(t *testing.T, network, simArgs, stages string) string {
		port := freePort(t)
		addr := `--host, 0.0.0.0, --port, "8000"`
		netw := fmt.Sprintf(`ports: ["127.0.0.1:%d:8000"]`+"\n    options: [--pull=never]", port)
		if network == hostNet {
			addr = fmt.Sprintf(`--host, 127.0.0.1, --port, "%d"`, port)
			netw = "options: [--pull=never, --network, host]"
		}
		src := fmt.Sprintf(dockerScenario, img.Tag, addr, simArgs, netw, port, stages)
		path := filepath.Join(t.TempDir(), "s.yaml")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("lifecycle", func(t *testing.T) {
		sc, err := schema.Load(ctx, scenario(t, published, "", "  - {name: s, profile: dev, concurrency: 1, requests: 1}\n"))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		h, err := Start(ctx, Options{Server: sc.Server, RunDir: dir, Logf: t.Logf})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		ids, _, err := listModels(ctx, h.URL(), nil)
		if err != nil || len(ids) != 1 || ids[0] != "m" {
			t.Errorf("a ready container serves models %v (%v), want [m]", ids, err)
		}
		if len(testimage.Containers(t, img.Tag)) != 1 {
			t.Errorf("want one running container of %s", img.Tag)
		}
		if err := h.Stop(context.Background()); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		noContainer(t)
		log, _ := os.ReadFile(filepath.Join(dir, sc.Server.Log))
		for _, want := range []string{`simulator serving model "m"`, "GET /v1/models 200"} {
			if !strings.Contains(string(log), want) {
				t.Errorf("server.log lacks the container's %q:\n%s", want, log)
			}
		}
	})

	run := func(t *testing.T, path string) (int, string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, img.Bin, "run", path, "--results-dir", t.TempDir(), "--quiet")
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	stage := "  - {name: s, profile: dev, concurrency: 2, requests: 10}\n"
	for _, c := range []struct {
		name, network, simArgs, stages string
		signal                         os.Signal
		code                           int
		want                           string
	}{
		{"a run that succeeds", published, "", stage, nil, 0, ""},
		{"a server that cannot start", published, ", --max-num-seqs, \"0\"", stage, nil, 3, "exited with status"},
		{"a server that dies mid-stage", hostNet, ", --exit-after, \"12\"", "  - {name: s, profile: dev, concurrency: 2, requests: 400}\n", nil, 3,
			`stage s/dev/c2: server process "docker"`},
		{"ctrl-c mid-stage", published, "", "  - {name: long, profile: dev, concurrency: 2, duration: 5m}\n", syscall.SIGINT, 130, "interrupt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := scenario(t, c.network, c.simArgs, c.stages)
			code, stderr := 0, ""
			if c.signal != nil {
				code, stderr = runProgress(t, ctx, img.Bin, path, "long/dev/c2 started", c.signal)
			} else {
				code, stderr = run(t, path)
			}
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("servebench run exited %d, want %d with %q in:\n%s", code, c.code, c.want, stderr)
			}
			noContainer(t)
		})
	}
}

// runProgress runs servebench with its progress lines on stderr, sends
// signal once a line contains ready, and returns the exit code and stderr.
func runProgress(t *testing.T, ctx context.Context, bin, path, ready string, signal os.Signal) (int, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "run", path, "--results-dir", t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	text := readUntil(t, stderr, ready)
	if err := cmd.Process.Signal(signal); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	_ = cmd.Wait()
	return cmd.ProcessState.ExitCode(), text + string(rest)
}

// readUntil reads r until a line contains want and returns what it read;
// it fails the test at the end of r.
func readUntil(t *testing.T, r io.Reader, want string) string {
	t.Helper()
	var b strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), want) {
			return b.String()
		}
	}
	t.Fatalf("no %q on stderr:\n%s", want, b.String())
	return ""
}
