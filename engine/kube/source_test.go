package kube

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// scenarioDir writes a scenario and other files into a fresh directory and
// returns the scenario's path.
func scenarioDir(t *testing.T, scenario string, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(p, []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const minimal = `version: 1
name: tiny
stages:
  - {name: s, concurrency: 1, requests: 4}
`

func noEnv(string) (string, bool) { return "", false }

func TestReadFilesBudget(t *testing.T) {
	big := bytes.Repeat([]byte("x"), MaxConfigMapBytes/2)
	path := scenarioDir(t, minimal, map[string][]byte{"a.txt": big, "b.txt": big, "huge.bin": make([]byte, 3<<20)})

	if _, err := Read(path, []string{"a.txt"}, noEnv); err != nil {
		t.Fatalf("half a MiB fits: %v", err)
	}
	_, err := Read(path, []string{"a.txt", "b.txt"}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "b.txt does not fit in the ConfigMap: Kubernetes holds at most 1048576 bytes in one") {
		t.Errorf("two halves plus the scenario: %v", err)
	}
	_, err = Read(path, []string{"huge.bin"}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "huge.bin does not fit") || !strings.Contains(err.Error(), "put it into the image or a volume") {
		t.Errorf("3 MiB file: %v", err)
	}
}

func TestReadFilesRejected(t *testing.T) {
	path := scenarioDir(t, minimal, map[string][]byte{"a/b.txt": []byte("1"), "a_b.txt": []byte("2"), "..hidden": []byte("3")})
	cases := map[string]string{
		"../outside.txt":   `--file "../outside.txt": give the path as the scenario writes it, relative to its directory and below it`,
		"/etc/hostname":    `--file "/etc/hostname": give the path as the scenario writes it`,
		"missing.txt":      `read missing.txt: open `,
		"a_b.txt,a/b.txt":  `--file "a/b.txt": it would share the ConfigMap key "a_b.txt" with "a_b.txt": rename one of them`,
		"../x.txt,nope.md": `read nope.md:`,
		"..hidden":         `..hidden: Kubernetes cannot hold it under the key "..hidden" (must not start with '..'): rename it`,
	}
	for files, want := range cases {
		t.Run(files, func(t *testing.T) {
			_, err := Read(path, strings.Split(files, ","), noEnv)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v\nwant %q", err, want)
			}
		})
	}
	// Every problem at once: the bad path and the missing file together.
	_, err := Read(path, []string{"../x.txt", "nope.md"}, noEnv)
	if err == nil || !strings.Contains(err.Error(), "../x.txt") || !strings.Contains(err.Error(), "nope.md") {
		t.Errorf("not all problems reported: %v", err)
	}
}

// TestReadVars: the variables are the ones the scenario loader looks up, so
// comments and $$ escapes do not count, and a variable used twice is listed
// once, whether it is set here or not.
func TestReadVars(t *testing.T) {
	path := scenarioDir(t, `# api_key: ${COMMENTED_OUT}
version: 1
name: vars
description: "$${ESCAPED} and ${DESC:-x}"
server:
  command: [vllm, serve, "--api-key", "${HF_TOKEN}"]
  url: http://127.0.0.1:8000
  env: {HF_TOKEN: "${HF_TOKEN}"}
  secrets: [HF_TOKEN]
api:
  api_key: ${OPENAI_API_KEY}
stages:
  - {name: s, concurrency: 1, requests: 4}
`, nil)
	env := func(name string) (string, bool) {
		if name == "HF_TOKEN" {
			return "hf-value-set-here", true
		}
		return "", false
	}
	src, err := Read(path, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"DESC", "HF_TOKEN", "OPENAI_API_KEY"}; !slices.Equal(src.Vars, want) {
		t.Errorf("vars %v, want %v", src.Vars, want)
	}
}

// TestReadUnsetVariableHint: a variable not set here is validated as empty;
// when that makes the scenario invalid, the error says so.
func TestReadUnsetVariableHint(t *testing.T) {
	path := scenarioDir(t, `version: 1
name: timeout
api: {timeout: "${TIMEOUT}"}
stages:
  - {name: s, concurrency: 1, requests: 4}
`, nil)
	_, err := Read(path, nil, noEnv)
	var diags *schema.Diagnostics
	if !errors.As(err, &diags) || !strings.Contains(err.Error(), "variables not set here were validated as empty strings: TIMEOUT") {
		t.Fatalf("got %v", err)
	}
	if _, err := Read(path, nil, func(string) (string, bool) { return "90s", true }); err != nil {
		t.Errorf("with the variable set: %v", err)
	}
}

func TestReadRejectsDockerServer(t *testing.T) {
	path := scenarioDir(t, `version: 1
name: d
server:
  docker: {image: vllm/vllm-openai}
  url: http://127.0.0.1:8000
stages:
  - {name: s, concurrency: 1, requests: 4}
`, nil)
	_, err := Read(path, nil, noEnv)
	if err == nil || !strings.Contains(err.Error(), "server.docker cannot run inside a pod") {
		t.Errorf("got %v", err)
	}
}

// TestReadRejectsInlinedSecrets: a secret written into the scenario (or a
// file it reads) would land in the ConfigMap in clear; Read refuses it,
// names the field or the line, and says nothing of the value.
func TestReadRejectsInlinedSecrets(t *testing.T) {
	withServer := func(server string) string {
		return strings.Replace(minimal, "stages:", server+"\nstages:", 1)
	}
	cases := map[string]struct {
		scenario string
		files    map[string][]byte
		extra    []string
		want     string
	}{
		"literal api key": {scenario: minimal + "api:\n  api_key: literal-key-4711\n", want: "s.yaml: secret fields written in clear (api.api_key)"},
		"literal headers": {scenario: minimal + "api:\n  headers: {X-Token: tok-4711-abc, X-Ok: \"${OK}\", A: \"$${NOT_A_REF}\"}\n",
			want: "s.yaml: secret fields written in clear (api.headers.A, api.headers.X-Token)"},
		"through an anchor": {scenario: "x-key: &k literal-key-4711\n" + minimal + "api: {api_key: *k}\n", want: "(api.api_key)"},
		"server secret": {scenario: withServer("server:\n  command: [vllm]\n  url: http://127.0.0.1:8000\n  env: {HF_TOKEN: hf-4711-literal, LOG: info}\n  secrets: [HF_TOKEN]"),
			want: "(server.env.HF_TOKEN)"},
		"url password": {scenario: withServer("server: {url: \"http://u:pw-4711-xyz@127.0.0.1:8000\"}"), want: "(the password of server.url)"},
		"bearer in a comment": {scenario: "# Authorization: Bearer abcdefgh12345678\n" + minimal,
			want: "s.yaml:1: holds what looks like a credential (a bearer token, an API key)"},
		"key in a data file": {scenario: minimal, files: map[string][]byte{"d.jsonl": []byte("{}\n{\"k\": \"sk-abcdefghijk\"}\n")},
			extra: []string{"d.jsonl"}, want: "d.jsonl:2: holds what looks like a credential"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := scenarioDir(t, c.scenario, c.files)
			_, err := Read(path, c.extra, noEnv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %q", err, c.want)
			}
			for _, secret := range []string{"4711", "abcdefgh", "sk-abc"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error repeats the secret: %v", err)
				}
			}
		})
	}
}

// TestReadAcceptsReferences: references are fine, whatever the values set
// in this environment are, even a word the file also holds elsewhere.
func TestReadAcceptsReferences(t *testing.T) {
	path := scenarioDir(t, "# the team benchmark\n"+minimal+"api:\n  api_key: ${KEY}\n  headers: {Authorization: \"Bearer ${TOKEN}\", X-Team: \"${TEAM}\"}\n", nil)
	env := map[string]string{"KEY": "value-set-here-4711", "TOKEN": "abcdefgh12345678", "TEAM": "team"}
	if _, err := Read(path, nil, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Errorf("references rejected: %v", err)
	}
}

// TestConfigMapCarriesAnyText: text that YAML cannot hold as a plain block
// (trailing spaces, CRLF, tabs, no final newline, document markers) still
// round-trips exactly through the printed stream.
func TestConfigMapCarriesAnyText(t *testing.T) {
	odd := []byte("a  \r\n\tb\n---\n...\n  c: [\"x\"]\n#  d")
	path := scenarioDir(t, minimal, map[string][]byte{"odd.txt": odd})
	src, err := Read(path, []string{"odd.txt"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Shards, opts.Image = 2, "i"
	m, err := Build(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.YAML()
	if err != nil {
		t.Fatal(err)
	}
	d := decodeStrict(t, out)
	if d.cm.Data["odd.txt"] != string(odd) || d.cm.Data["s.yaml"] != minimal {
		t.Errorf("text changed on the way: %q", d.cm.Data["odd.txt"])
	}
}
