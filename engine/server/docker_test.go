package server

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func TestDockerArgsGolden(t *testing.T) {
	cases := []struct {
		name string
		d    schema.Docker
		env  map[string]string
	}{
		{name: "image only", d: schema.Docker{Image: "vllm/vllm-openai:latest"}},
		{
			name: "gpt-oss tp4",
			d: schema.Docker{
				Image:   "vllm/vllm-openai:v0.11.2",
				Args:    []string{"--model", "openai/gpt-oss-120b", "--tensor-parallel-size", "4", "--max-model-len", "896"},
				GPUs:    "all",
				Ports:   []string{"8000:8000", "127.0.0.1:9000:9000"},
				Volumes: []string{"/data/hf:/root/.cache/huggingface", "/models:/models:ro"},
				IPC:     "host",
				Options: []string{"--shm-size", "16g", "--pull=never"},
			},
			env: map[string]string{"VLLM_LOGGING_LEVEL": "INFO", "HF_TOKEN": "hf_secret_value", "A": "value-of-a"},
		},
		{name: "gpu list", d: schema.Docker{Image: "img", GPUs: `"device=0,1"`}},
	}
	var b strings.Builder
	for _, c := range cases {
		args := DockerArgs("servebench-test", c.d, c.env)
		fmt.Fprintf(&b, "== %s\n%s\n", c.name, strings.Join(args, "\n"))
		for _, v := range c.env {
			if strings.Contains(strings.Join(args, " "), v) {
				t.Errorf("%s: env value %q leaked into argv", c.name, v)
			}
		}
	}
	golden := filepath.Join("testdata", "docker_args.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("DockerArgs differ from %s (run go test -update if intended):\ngot:\n%s\nwant:\n%s", golden, b.String(), want)
	}
}

func TestContainerNamesAreUnique(t *testing.T) {
	a, b := containerName(), containerName()
	if a == b || !strings.HasPrefix(a, containerPrefix) {
		t.Errorf("container names %q, %q", a, b)
	}
}

// TestDockerServerRealContainer runs busybox httpd as a tiny server with
// /health and /v1/models, when a Docker engine and the image are present
// locally (it never pulls: tests talk to 127.0.0.1 only).
func TestDockerServerRealContainer(t *testing.T) {
	if err := exec.Command("docker", "info").Run(); err != nil {
		t.Skipf("no Docker engine (docker info: %v); the docker lifecycle is covered by DockerArgs only", err)
	}
	image := os.Getenv("SERVEBENCH_TEST_DOCKER_IMAGE")
	if image == "" {
		image = "busybox:latest"
	}
	if err := exec.Command("docker", "image", "inspect", image).Run(); err != nil {
		t.Skipf("image %s is not present locally; pull it or set SERVEBENCH_TEST_DOCKER_IMAGE", image)
	}
	www := t.TempDir()
	os.MkdirAll(filepath.Join(www, "v1"), 0o755)
	os.WriteFile(filepath.Join(www, "health"), []byte("ok\n"), 0o644)
	os.WriteFile(filepath.Join(www, "v1", "models"), []byte(`{"data":[{"id":"m","max_model_len":1024}]}`), 0o644)
	port := freePort(t)
	s := defaultServer(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	s.Docker = &schema.Docker{
		Image:   image,
		Args:    []string{"httpd", "-f", "-v", "-p", "8000", "-h", "/www"},
		Ports:   []string{fmt.Sprintf("127.0.0.1:%d:8000", port)},
		Volumes: []string{www + ":/www:ro"},
		Options: []string{"--pull=never"},
	}
	s.Env = map[string]string{"SECRET": "not-in-argv"}
	s.Ready.Timeout, s.Ready.Interval = schema.Duration(time.Minute), schema.Duration(100*time.Millisecond)
	s.StopTimeout = schema.Duration(5 * time.Second)
	o := Options{Server: s, RunDir: t.TempDir(), Logf: t.Logf}
	h, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	info := h.Info()
	name := info.Command[4] // docker run --rm --name NAME
	if info.Kind != schema.ServerDocker || !strings.HasPrefix(name, containerPrefix) {
		t.Fatalf("Info() = %+v", info)
	}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "name="+name).Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Errorf("container %s still exists after Stop", name)
	}
}
