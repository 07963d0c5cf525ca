package shard

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/internal/testimage"
	"github.com/servebench/servebench/schema"
)

// containerScenario is what the shards run; %s is the simulator's name on
// the network.
const containerScenario = `version: 1
name: shards-in-containers
server: {url: "http://%s:8000"}
model: {name: m, max_model_len: 1024}
stages:
  - {name: sweep, profile: dev, concurrency: [2, 8], requests: 40, warmup: 2}
  - {name: poisson, profile: dev, rate: 30, requests: 30, max_concurrency: 4}
thresholds:
  - expr: error_rate == 0
`

// TestShardsAsContainers runs a sharded run as 4 containers of the real
// image on a user-defined network, shard 0 reached by its container name:
// the topology of an Indexed Job behind a headless Service (the index in
// JOB_COMPLETION_INDEX, `--shards 4 --rendezvous NAME-0:7077`), against a
// simulator container. Every container exits 0 and shard 0's results hold
// the merged run of the 4 parts.
func TestShardsAsContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image and runs 5 containers")
	}
	testimage.RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	img := testimage.Build(t, ctx)
	name := fmt.Sprintf("sbshards-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	testimage.Docker(t, ctx, "network", "create", name)
	var containers []string
	t.Cleanup(func() {
		for _, c := range containers {
			_ = exec.Command("docker", "rm", "-f", c).Run()
		}
		_ = exec.Command("docker", "network", "rm", name).Run()
	})
	start := func(cname string, args ...string) {
		t.Helper()
		containers = append(containers, cname)
		testimage.Docker(t, ctx, append([]string{"run", "-d", "--name", cname, "--network", name}, args...)...)
	}
	start(name+"-sim", img.Tag, "sim", "--host", "0.0.0.0", "--port", "8000", "--model", "m",
		"--decode-step", "3ms", "--max-num-seqs", "64", "--quiet")

	scenarios := t.TempDir()
	if err := os.WriteFile(filepath.Join(scenarios, "s.yaml"), []byte(fmt.Sprintf(containerScenario, name+"-sim")), 0o644); err != nil {
		t.Fatal(err)
	}
	results := make([]string, 4)
	for i := range results {
		results[i] = t.TempDir()
		if err := os.Chmod(results[i], 0o777); err != nil { // writable for the image's uid 65532
			t.Fatal(err)
		}
		start(fmt.Sprintf("%s-%d", name, i), "-e", fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i),
			"-v", scenarios+":/scenario:ro", "-v", results[i]+":/results", img.Tag,
			"run", "--shards", "4", "--rendezvous", name+"-0:7077", "--results-dir", "/results", "--quiet", "/scenario/s.yaml")
	}
	for i := range 4 {
		c := fmt.Sprintf("%s-%d", name, i)
		if code := strings.TrimSpace(testimage.Docker(t, ctx, "wait", c)); code != "0" {
			logs, _ := exec.Command("docker", "logs", c).CombinedOutput()
			t.Errorf("shard %d (container %s) exited %s:\n%s", i, c, code, logs)
		}
	}
	if t.Failed() {
		return
	}
	runs, _ := filepath.Glob(filepath.Join(results[0], "shards-in-containers", "*", schema.RunFile))
	if len(runs) != 1 {
		t.Fatalf("shard 0 wrote %v, want one merged run", runs)
	}
	run, err := schema.ReadRun(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != schema.StatusCompleted || !run.Passed || run.Shard == nil || !run.Shard.Merged || len(run.Shard.Parts) != 4 {
		t.Fatalf("merged run: status %s passed %v shard %+v", run.Status, run.Passed, run.Shard)
	}
	hosts := map[string]bool{}
	for _, p := range run.Shard.Parts {
		hosts[p.Hostname] = true
	}
	if len(hosts) != 4 {
		t.Errorf("the parts ran on hosts %v, want 4 containers", hosts)
	}
	for _, st := range run.Stages {
		if st.Metrics.Sent != st.PlannedRequests || st.Metrics.Failed != 0 {
			t.Errorf("stage %s: sent %d failed %d, planned %d", st.ID, st.Metrics.Sent, st.Metrics.Failed, st.PlannedRequests)
		}
	}
}
