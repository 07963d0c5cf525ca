package schema

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func loadFile(t *testing.T, path string) *Scenario {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := LoadBytes(path, src, testEnv)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return sc
}

func variantNames(sc *Scenario) []string {
	var out []string
	for _, v := range sc.Variants() {
		out = append(out, v.Name)
	}
	return out
}

// TestMatrixVariantsCrossAxes: named variants crossed with two axes, in
// order (variants outermost, the first axis slowest), each with its axis
// values substituted into the command, its args appended and a log of its
// own.
func TestMatrixVariantsCrossAxes(t *testing.T) {
	sc := loadFile(t, "testdata/matrix.good.yaml")
	want := []string{"eager-tp2-seqs128", "eager-tp2-seqs256", "eager-tp4-seqs128", "eager-tp4-seqs256",
		"graphs-tp2-seqs128", "graphs-tp2-seqs256", "graphs-tp4-seqs128", "graphs-tp4-seqs256"}
	if got := variantNames(sc); !slices.Equal(got, want) {
		t.Fatalf("variants %v, want %v", got, want)
	}
	v := sc.Variants()[2] // eager-tp4-seqs128
	wantCmd := []string{"vllm", "serve", "m", "--tensor-parallel-size", "4", "--max-num-seqs", "128", "--enforce-eager"}
	if !slices.Equal(v.Scenario.Server.Command, wantCmd) {
		t.Errorf("%s: command %q, want %q", v.Name, v.Scenario.Server.Command, wantCmd)
	}
	if got := sc.Variants()[7].Scenario.Server.Command; slices.Contains(got, "--enforce-eager") || got[4] != "4" || got[6] != "256" {
		t.Errorf("graphs-tp4-seqs256: command %q", got)
	}
	if !slices.Equal(v.Axes, []AxisSetting{{"tp", "4"}, {"seqs", "128"}}) {
		t.Errorf("axes %v", v.Axes)
	}
	if v.Scenario.Server.Log != "server-eager-tp4-seqs128.log" {
		t.Errorf("log %q", v.Scenario.Server.Log)
	}
	if v.Scenario.Matrix != nil || len(v.Scenario.Variants()) != 1 {
		t.Error("a variant's scenario must not carry the matrix")
	}
	if sc.Server.Command[4] != "${matrix.tp}" {
		t.Errorf("the scenario itself keeps its placeholders as written: %q", sc.Server.Command)
	}
}

// TestMatrixKeyPathAxes: a key path sets a typed setting of every variant,
// and the axes keep the order of the file (the decoder sorts keys).
func TestMatrixKeyPathAxes(t *testing.T) {
	sc := loadFile(t, "testdata/matrix-builtin.good.yaml")
	if got := sc.Matrix.Axes[0].Name; got != "server.builtin.max_num_seqs" {
		t.Fatalf("first axis %q: the file's order was lost", got)
	}
	vs := sc.Variants()
	if len(vs) != 4 || vs[1].Name != "max_num_seqs4-decode_step4ms" {
		t.Fatalf("variants %v", variantNames(sc))
	}
	b := vs[2].Scenario.Server.Builtin
	if b.MaxNumSeqs != 16 || b.DecodeStep.D() != 2*time.Millisecond || b.KVCacheTokens != DefaultSimKVCacheTokens {
		t.Errorf("%s: builtin %+v", vs[2].Name, b)
	}
}

// TestMatrixWrittenBack: a loaded matrix scenario passes again when written
// back (the fuzz target's invariant), and run.json keeps the axes' order.
func TestMatrixWrittenBack(t *testing.T) {
	for _, f := range []string{"testdata/matrix.good.yaml", "testdata/matrix-builtin.good.yaml"} {
		sc := loadFile(t, f)
		if err := Validate(sc); err != nil {
			t.Errorf("%s: written back: %v", f, err)
		}
		js, err := json.Marshal(sc.Matrix)
		if err != nil {
			t.Fatal(err)
		}
		var back Matrix
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		if back.Axes[0].Name != sc.Matrix.Axes[0].Name || len(back.Axes[0].Values) != len(sc.Matrix.Axes[0].Values) {
			t.Errorf("%s: json round trip %s", f, js)
		}
	}
}

// TestMatrixVariantReplacesServerKind: naming a server kind replaces the
// scenario's, so a variant can run another server (or the simulator).
func TestMatrixVariantReplacesServerKind(t *testing.T) {
	sc := loadString(t, `version: 1
server:
  command: [vllm, serve, m]
  url: http://127.0.0.1:8000
  env: {A: b}
matrix:
  variants:
    - name: vllm
    - name: sglang
      server: {command: [python3, -m, sglang.launch_server], env: {C: d}}
    - name: sim
      server: {builtin: {max_num_seqs: 8}}
stages:
  - {name: s, concurrency: 1, requests: 1}
`)
	vs := sc.Variants()
	if got := vs[1].Scenario.Server; got.Command[0] != "python3" || got.Env["A"] != "b" || got.Env["C"] != "d" || got.URL == "" {
		t.Errorf("sglang: %+v (env merges key by key, the command is replaced)", got)
	}
	if got := vs[2].Scenario.Server; got.Kind() != ServerBuiltin || got.URL != "" || got.Env != nil || got.Builtin.MaxNumSeqs != 8 {
		t.Errorf("sim: %+v", got)
	}
}

// TestMatrixStageSelection: --stage keeps the same stages in every variant.
func TestMatrixStageSelection(t *testing.T) {
	path := "testdata/matrix-builtin.good.yaml"
	src := strings.Replace(string(mustRead(t, path)), "stages:\n", "stages:\n  - {name: first, concurrency: 1, requests: 1}\n", 1)
	file := t.TempDir() + "/m.yaml"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := LoadWithOverrides(context.Background(), file, Overrides{Stages: Setting[[]string]{Value: []string{"sweep"}, Origin: "--stage"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range sc.Variants() {
		if len(v.Scenario.Stages) != 1 || v.Scenario.Stages[0].Name != "sweep" {
			t.Errorf("%s: stages %v", v.Name, stageNames(v.Scenario))
		}
	}
}

// TestMatrixVariantSecrets: a variant's api key is hidden like the scenario's.
func TestMatrixVariantSecrets(t *testing.T) {
	sc := loadString(t, `version: 1
matrix:
  variants:
    - name: a
      api: {api_key: "${SB_SET}-variant-key"}
    - name: b
stages:
  - {name: s, concurrency: 1, requests: 1}
`)
	if !slices.Contains(sc.SecretValues(), "value-variant-key") {
		t.Errorf("secrets %q lack the variant's api key", sc.SecretValues())
	}
}

// TestNoMatrixIsOneVariant: without a matrix the scenario is its only
// variant, unnamed.
func TestNoMatrixIsOneVariant(t *testing.T) {
	sc := loadString(t, "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\n")
	vs := sc.Variants()
	if len(vs) != 1 || vs[0].Name != "" || vs[0].Scenario != sc {
		t.Errorf("variants %+v", vs)
	}
}

// TestCapacityIsPerVariant: a threshold on capacity.* reads the answer of
// its own variant's search, never another variant's.
func TestCapacityIsPerVariant(t *testing.T) {
	sc := loadString(t, "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\nthresholds: [{expr: capacity.concurrency >= 8}]\n")
	ths, err := CompileThresholds(sc)
	if err != nil {
		t.Fatal(err)
	}
	run := &Run{Capacity: []CapacityResult{
		{Stage: "cap", Variant: "small", Dimension: "concurrency", Found: true, Value: 4},
		{Stage: "cap", Variant: "big", Dimension: "concurrency", Found: true, Value: 16},
	}}
	for variant, want := range map[string]bool{"small": false, "big": true} {
		res, _ := ths[0].Evaluate(&StageResult{Stage: "cap", Variant: variant}, run)
		if res.Passed != want || res.Values["capacity.concurrency"] != map[string]float64{"small": 4, "big": 16}[variant] {
			t.Errorf("variant %s: %+v", variant, res)
		}
	}
}
