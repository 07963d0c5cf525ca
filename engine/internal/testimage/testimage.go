// Package testimage builds servebench's container image for tests that
// need a real container engine: the static binary built on the host and
// the repository's Dockerfile, exactly as the Dockerfile's own comment
// says (no base image is pulled, so it builds without a registry).
package testimage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RequireEnv makes a missing docker engine a failure instead of a skip
// (CI sets it: .ci/run).
const RequireEnv = "SERVEBENCH_REQUIRE_DOCKER"

// RequireDocker skips the test when no docker engine answers, unless
// RequireEnv=1 makes that a failure.
func RequireDocker(t testing.TB) {
	t.Helper()
	out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("no docker engine answers (docker info: %v: %s); .ci/docker installs and starts one",
		err, strings.TrimSpace(string(out)))
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s, and %s=1 requires it", msg, RequireEnv)
	}
	t.Skip(msg + "; " + RequireEnv + "=1 makes this a failure")
}

// Image is a built image and the binary inside it, which a test can also
// run on the host.
type Image struct {
	Tag string
	Bin string
}

// Build builds the static binary and the image (tagged uniquely; removed
// when the test ends). It fails the test on any error.
func Build(t testing.TB, ctx context.Context) Image {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "servebench")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/servebench")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	certs, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	if err != nil {
		t.Fatalf("the image carries the host's CA bundle: %v (install Debian's ca-certificates)", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca-certificates.crt"), certs, 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("servebench-test:%d-%d", os.Getpid(), time.Now().UnixNano())
	Docker(t, ctx, "build", "-q", "-f", filepath.Join(root, "Dockerfile"), "-t", tag, dir)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
	return Image{Tag: tag, Bin: bin}
}

// Docker runs docker with args and returns its stdout; a failure ends the
// test with its stderr.
func Docker(t testing.TB, ctx context.Context, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// Containers lists the containers (running or not) created from image.
func Containers(t testing.TB, image string) []string {
	t.Helper()
	out := Docker(t, context.Background(), "ps", "-aq", "--filter", "ancestor="+image)
	return strings.Fields(out)
}

// repoRoot is the module's root, as the go command finds it from the
// test's working directory (its package directory).
func repoRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		t.Fatalf("testimage: go env GOMOD: %v (%q)", err, mod)
	}
	return filepath.Dir(mod)
}
