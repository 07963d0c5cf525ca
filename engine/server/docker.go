package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// containerPrefix starts the name of every container servebench runs, so a
// leftover one is easy to find (`docker ps --filter name=servebench-`).
const containerPrefix = "servebench-"

// DockerArgs returns the arguments of `docker` (without the program name)
// that run d as container name:
//
//	run --rm --name NAME [--gpus G] [-p P]... [-v V]... [-e K]... [--ipc I] [options...] IMAGE args...
//
// Environment variables are passed as `-e KEY` without a value: docker then
// copies the value from its own environment, where Start puts server.env.
// Values, secrets among them, thus never appear in argv (visible to every
// user in ps) nor in run.json, which records this argv. Keys are sorted so
// the argv is reproducible.
func DockerArgs(name string, d schema.Docker, env map[string]string) []string {
	args := []string{"run", "--rm", "--name", name}
	if d.GPUs != "" {
		args = append(args, "--gpus", d.GPUs)
	}
	for _, p := range d.Ports {
		args = append(args, "-p", p)
	}
	for _, v := range d.Volumes {
		args = append(args, "-v", v)
	}
	for _, k := range sortedKeys(env) {
		args = append(args, "-e", k)
	}
	if d.IPC != "" {
		args = append(args, "--ipc", d.IPC)
	}
	args = append(args, d.Options...)
	args = append(args, d.Image)
	return append(args, d.Args...)
}

// removeTimeout bounds `docker rm -f`, so a hung daemon cannot hang Stop.
const removeTimeout = 30 * time.Second

// containerName is unique per run, so parallel runs never remove each other's container.
func containerName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return containerPrefix + hex.EncodeToString(b)
}

// removeContainer runs `docker rm -f NAME`. A container that is gone
// already (--rm removed it after a clean exit) is not an error.
func removeContainer(ctx context.Context, name string) error {
	// Removal must happen even when the caller's context is already
	// cancelled (Ctrl-C): a leftover container would hold the GPUs.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "rm", "-f", name).CombinedOutput()
	if err == nil || strings.Contains(strings.ToLower(string(out)), "no such container") {
		return nil
	}
	return fmt.Errorf("remove container %q: %w: %s; remove it by hand with `docker rm -f %s`",
		name, err, redact.Excerpt(strings.TrimSpace(string(out)), excerptBytes), name)
}
