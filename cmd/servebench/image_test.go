package main

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/kube"
)

// requireDocker skips the test when no docker engine answers, unless
// SERVEBENCH_REQUIRE_DOCKER=1 (CI) makes that a failure.
func requireDocker(t *testing.T) {
	t.Helper()
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no docker engine answers (docker info: %v: %s); .ci/docker installs and starts one", err, strings.TrimSpace(string(out)))
	if os.Getenv("SERVEBENCH_REQUIRE_DOCKER") == "1" {
		t.Fatalf("%s, and SERVEBENCH_REQUIRE_DOCKER=1 requires it", msg)
	}
	t.Skip(msg + "; SERVEBENCH_REQUIRE_DOCKER=1 makes this a failure")
}

// command runs a command with a deadline and returns its stdout; a failure
// ends the test with the command's stderr.
func command(t *testing.T, ctx context.Context, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TestContainerImage builds the image exactly as the Dockerfile says (a
// static binary built on the host, FROM scratch), then checks that it runs
// as the non-root user, carries only the binary and the CA bundle, and runs
// a benchmark on the built-in simulator with no network and a read-only
// root file system, as the pods of `servebench kube` do.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and an image")
	}
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	build := t.TempDir()
	bin := filepath.Join(build, "servebench")
	goBuild := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	goBuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := goBuild.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	checkStatic(t, bin)
	certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("the image carries the host's CA bundle: %v (install Debian's ca-certificates)", err)
	}
	if err := os.WriteFile(filepath.Join(build, "ca-certificates.crt"), certs, 0o644); err != nil {
		t.Fatal(err)
	}

	tag := fmt.Sprintf("servebench-test:%d-%d", os.Getpid(), time.Now().UnixNano())
	command(t, ctx, "docker", "build", "-q", "-f", "../../Dockerfile", "-t", tag, build)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })

	want := command(t, ctx, bin, "version")
	if got := command(t, ctx, "docker", "run", "--rm", "--network", "none", tag, "version"); got != want || !strings.HasPrefix(got, "servebench ") {
		t.Errorf("docker run %s version printed %q, the binary prints %q", tag, got, want)
	}
	if user := strings.TrimSpace(command(t, ctx, "docker", "image", "inspect", "-f", "{{.Config.User}}", tag)); user != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532", user)
	}
	if files := imageFiles(t, ctx, tag); !slices.Equal(files, []string{"etc/ssl/certs/ca-certificates.crt", "servebench"}) {
		t.Errorf("image files %v, want the binary and the CA bundle", files)
	}
	runInImage(t, ctx, tag)
}

// checkStatic fails unless bin is an ELF file without a program
// interpreter, i.e. it needs no libc from the image.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary is dynamically linked (it has a PT_INTERP header); build it with CGO_ENABLED=0")
		}
	}
}

// imageFiles lists the regular files of the image's file system, taken
// from a container created (not started) from it.
func imageFiles(t *testing.T, ctx context.Context, tag string) []string {
	t.Helper()
	id := strings.TrimSpace(command(t, ctx, "docker", "create", tag))
	defer exec.Command("docker", "rm", "-f", id).Run()
	tarball := command(t, ctx, "docker", "export", id)
	var files []string
	tr := tar.NewReader(strings.NewReader(tarball))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		// docker adds empty mount points (/etc/hosts, /dev, ...) to every container.
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			files = append(files, h.Name)
		}
	}
	slices.Sort(files)
	return files
}

// runInImage runs a small scenario on the built-in simulator inside the
// image as the pods of `servebench kube` run: no capabilities, no privilege
// escalation, a read-only root with a writable /tmp, the scenario mounted
// read-only at kube.ScenarioDir and results written to kube.ResultsDir, as
// the non-root user. (The sharded flags of those pods are not used here.)
func runInImage(t *testing.T, ctx context.Context, tag string) {
	t.Helper()
	scenarios, results := t.TempDir(), t.TempDir()
	if err := os.Chmod(results, 0o777); err != nil { // writable for uid 65532, as fsGroup makes a volume
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scenarios, "s.yaml"), []byte(fastScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	command(t, ctx, "docker", "run", "--rm", "--network", "none", "--read-only", "--tmpfs", "/tmp",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
		"-v", scenarios+":"+kube.ScenarioDir+":ro", "-v", results+":"+kube.ResultsDir,
		tag, "run", "--quiet", "--results-dir", kube.ResultsDir, kube.ScenarioDir+"/s.yaml")
	runs, _ := filepath.Glob(filepath.Join(results, "fast", "*", "run.json"))
	if len(runs) != 1 {
		t.Fatalf("want one run.json under %s/fast, found %v", results, runs)
	}
	fi, err := os.Stat(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 65532 {
		t.Errorf("run.json written by uid %d, want 65532", uid)
	}
}
