package kube

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// plantedKey is the API key of the test environment: it must reach no manifest.
const plantedKey = "planted-key-value-7c1e"

// testEnv is the environment the tests read the scenario with: the key is
// set, TENANT and VLLM_URL are not.
func testEnv(name string) (string, bool) {
	if name == "OPENAI_API_KEY" {
		return plantedKey, true
	}
	return "", false
}

func attachOptions() Options {
	o := DefaultOptions()
	o.Shards, o.Image, o.Namespace = 4, "registry.example.com/servebench:1.0", "bench"
	return o
}

// render reads testdata/attach.yaml with the two prompt files and renders it.
func render(t *testing.T, opts Options) (*Manifests, []byte) {
	t.Helper()
	src, err := Read("testdata/attach.yaml", []string{"prompts/short.jsonl", "prompts/tokens.bin"}, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Build(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.YAML()
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

// TestGolden pins the whole stream for a scenario that attaches to a server
// with an API key, a header from a variable and two files (text and binary).
func TestGolden(t *testing.T) {
	_, out := render(t, attachOptions())
	golden := filepath.Join("testdata", "attach.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("manifests differ from %s (go test ./engine/kube -update rewrites it):\n%s", golden, out)
	}
}

// decoded is a stream decoded strictly into the k8s.io/api types.
type decoded struct {
	cm  corev1.ConfigMap
	svc corev1.Service
	job batchv1.Job
}

// decodeStrict splits a stream and decodes each document with unknown
// fields and duplicate keys rejected, into the type its kind names.
func decodeStrict(t *testing.T, stream []byte) decoded {
	t.Helper()
	var d decoded
	docs := strings.Split(string(stream), "\n---\n")
	if len(docs) != 3 {
		t.Fatalf("want 3 documents, got %d", len(docs))
	}
	targets := map[string]any{"ConfigMap": &d.cm, "Service": &d.svc, "Job": &d.job}
	var kinds []string
	for _, doc := range docs {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatal(err)
		}
		target, ok := targets[tm.Kind]
		if !ok {
			t.Fatalf("unexpected kind %q", tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			t.Fatalf("%s does not decode strictly: %v", tm.Kind, err)
		}
		kinds = append(kinds, tm.APIVersion+"/"+tm.Kind)
	}
	if want := []string{"v1/ConfigMap", "v1/Service", "batch/v1/Job"}; !slices.Equal(kinds, want) {
		t.Errorf("documents in order %v, want %v", kinds, want)
	}
	return d
}

// TestStrictDecodeRejectsUnknownFields shows that the decoding the other
// tests rely on does reject a misspelt field.
func TestStrictDecodeRejectsUnknownFields(t *testing.T) {
	var job batchv1.Job
	err := yaml.UnmarshalStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completionMod: Indexed\n"), &job)
	if err == nil || !strings.Contains(err.Error(), "completionMod") {
		t.Fatalf("a misspelt field decoded: %v", err)
	}
}

// TestManifestsDecodeStrictly decodes the printed stream into the API
// types and checks that it says what the sharded run needs: the round trip
// is lossless, and the pieces that must agree do.
func TestManifestsDecodeStrictly(t *testing.T) {
	for name, opts := range map[string]Options{
		"attach": attachOptions(),
		"one pvc": func() Options {
			o := attachOptions()
			o.Shards, o.ResultsPVC, o.Name = 1, "bench-results", "b"
			return o
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			m, out := render(t, opts)
			d := decodeStrict(t, out)
			if !equality.Semantic.DeepEqual(&d.cm, m.ConfigMap) || !equality.Semantic.DeepEqual(&d.svc, m.Service) ||
				!equality.Semantic.DeepEqual(&d.job, m.Job) {
				t.Error("the decoded objects differ from the built ones")
			}
			checkJob(t, d, opts)
			checkConfigMap(t, d)
		})
	}
}

func checkJob(t *testing.T, d decoded, opts Options) {
	t.Helper()
	spec := d.job.Spec
	pod := spec.Template.Spec
	n := int32(opts.Shards)
	if *spec.CompletionMode != batchv1.IndexedCompletion || *spec.Completions != n || *spec.Parallelism != n || *spec.BackoffLimit != 0 {
		t.Errorf("job spec: mode %v completions %v parallelism %v backoffLimit %v", *spec.CompletionMode, *spec.Completions, *spec.Parallelism, *spec.BackoffLimit)
	}
	if d.svc.Spec.ClusterIP != corev1.ClusterIPNone || pod.Subdomain != d.svc.Name {
		t.Errorf("service %q (clusterIP %q) is not the headless subdomain %q", d.svc.Name, d.svc.Spec.ClusterIP, pod.Subdomain)
	}
	for k, v := range d.svc.Spec.Selector {
		if spec.Template.Labels[k] != v {
			t.Errorf("the service selects %s=%s, the pods do not carry it", k, v)
		}
	}
	c := pod.Containers[0]
	args := strings.Join(c.Args, " ")
	rendezvous := d.job.Name + "-0." + d.svc.Name + ":7077"
	if !strings.Contains(args, "--rendezvous "+rendezvous) || !strings.HasPrefix(args, "run --shards "+strconv.Itoa(opts.Shards)) ||
		!strings.HasSuffix(args, "--results-dir /results /scenario/attach.yaml") {
		t.Errorf("args %q", args)
	}
	if c.Ports[0].ContainerPort != 7077 || d.svc.Spec.Ports[0].Port != 7077 || d.svc.Spec.Ports[0].TargetPort.IntValue() != 7077 {
		t.Errorf("ports: container %v service %v", c.Ports, d.svc.Spec.Ports)
	}
	var names []string
	for _, e := range c.Env {
		ref := e.ValueFrom.SecretKeyRef
		if e.Value != "" || ref.Name != d.job.Name+"-secrets" || ref.Key != e.Name || !*ref.Optional {
			t.Errorf("env %s is not an optional reference to the Secret: %+v", e.Name, e)
		}
		names = append(names, e.Name)
	}
	if want := []string{"OPENAI_API_KEY", "TENANT", "VLLM_URL", TokenEnv}; !slices.Equal(names, want) {
		t.Errorf("env %v, want %v (no comment, no $$ escape)", names, want)
	}
	if c.Resources.Requests.Cpu().String() != "2" || c.Resources.Limits.Memory().String() != "1Gi" {
		t.Errorf("resources %v", c.Resources)
	}
	results := pod.Volumes[1].VolumeSource
	if (opts.ResultsPVC == "") != (results.EmptyDir != nil) || opts.ResultsPVC != "" && results.PersistentVolumeClaim.ClaimName != opts.ResultsPVC {
		t.Errorf("results volume %+v for --results-pvc %q", results, opts.ResultsPVC)
	}
	for _, o := range []metav1.Object{&d.cm, &d.svc, &d.job} {
		if o.GetNamespace() != "bench" {
			t.Errorf("%s in namespace %q", o.GetName(), o.GetNamespace())
		}
	}
}

// checkConfigMap: the scenario is carried byte for byte, the binary file
// goes to binaryData, and every item of the volume names a key that exists.
func checkConfigMap(t *testing.T, d decoded) {
	t.Helper()
	scen, _ := os.ReadFile("testdata/attach.yaml")
	bin, _ := os.ReadFile("testdata/prompts/tokens.bin")
	if d.cm.Data["attach.yaml"] != string(scen) || !bytes.Equal(d.cm.BinaryData["prompts_tokens.bin"], bin) {
		t.Error("the ConfigMap does not carry the files byte for byte")
	}
	paths := map[string]string{}
	for _, it := range d.job.Spec.Template.Spec.Volumes[0].ConfigMap.Items {
		paths[it.Path] = it.Key
		_, text := d.cm.Data[it.Key]
		_, binary := d.cm.BinaryData[it.Key]
		if !text && !binary {
			t.Errorf("volume item %s names the missing key %s", it.Path, it.Key)
		}
	}
	if paths["attach.yaml"] == "" || paths["prompts/short.jsonl"] != "prompts_short.jsonl" || paths["prompts/tokens.bin"] == "" {
		t.Errorf("volume items %v", paths)
	}
}

// TestNoSecretValueInManifests: the key set in the environment reaches
// neither the manifests nor the notes; only its name does.
func TestNoSecretValueInManifests(t *testing.T) {
	m, out := render(t, attachOptions())
	all := string(out) + strings.Join(m.Notes, "\n")
	if strings.Contains(all, plantedKey) {
		t.Fatal("the API key's value is in the output")
	}
	if !strings.Contains(all, "name: OPENAI_API_KEY") || !strings.Contains(all, "--from-literal=OPENAI_API_KEY=...") {
		t.Errorf("the variable is not referenced by name:\n%s", all)
	}
}

// TestNotes: the notes say where results go, which Secret to create (in
// the right namespace), and when plain kubectl apply would fail.
func TestNotes(t *testing.T) {
	m, _ := render(t, attachOptions())
	notes := strings.Join(m.Notes, "\n")
	for _, want := range []string{
		"results go to an emptyDir volume, which cannot be copied out of a finished pod",
		`the pods read OPENAI_API_KEY, TENANT, VLLM_URL from the Secret "vllm-llama-8b-sweep-secrets"; create it first: ` +
			"kubectl create secret generic vllm-llama-8b-sweep-secrets -n bench --from-literal=OPENAI_API_KEY=... --from-literal=TENANT=... --from-literal=VLLM_URL=...",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "--server-side") {
		t.Errorf("a small ConfigMap needs no server-side apply:\n%s", notes)
	}

	opts := attachOptions()
	opts.ResultsPVC = "bench-results"
	big := scenarioDir(t, minimal, map[string][]byte{"big.txt": bytes.Repeat([]byte("x"), 300<<10)})
	src, err := Read(big, []string{"big.txt"}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	m, err = Build(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	notes = strings.Join(m.Notes, "\n")
	for _, want := range []string{`every shard mounts the claim "bench-results" at /results`, "apply with kubectl apply --server-side -f -"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "emptyDir") || strings.Contains(notes, "Secret") {
		t.Errorf("notes of a PVC run without variables:\n%s", notes)
	}
}

// TestYAMLRefusesCredentials: the last check sees the whole stream, so a
// credential arriving through a flag is refused too, and nothing printed.
func TestYAMLRefusesCredentials(t *testing.T) {
	src, err := Read("testdata/attach.yaml", nil, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	opts := attachOptions()
	opts.Image = "registry.example.com/sk-abcdefghijkl:1"
	m, err := Build(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.YAML()
	if err == nil || out != nil || !strings.Contains(err.Error(), "looks like a credential") {
		t.Errorf("got %q, %v", out, err)
	}
}

// TestBuildNeedsAName: a scenario name with nothing DNS-safe in it asks for
// --name instead of inventing one.
func TestBuildNeedsAName(t *testing.T) {
	src, err := Read(scenarioDir(t, strings.Replace(minimal, "name: tiny", `name: "42"`, 1), nil), nil, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	opts := attachOptions()
	if _, err := Build(src, opts); err == nil || !strings.Contains(err.Error(), `the scenario name "42" leaves nothing to name the Job after: give --name`) {
		t.Errorf("got %v", err)
	}
	opts.Name = "bench-42"
	if _, err := Build(src, opts); err != nil {
		t.Errorf("with --name: %v", err)
	}
}
