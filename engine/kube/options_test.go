package kube

import (
	"strings"
	"testing"
)

func TestOptionsValidate(t *testing.T) {
	valid := func(f func(*Options)) Options {
		o := DefaultOptions()
		o.Shards, o.Image = 4, "servebench:dev"
		f(&o)
		return o
	}
	cases := []struct {
		name string
		opts Options
		want string // "" means valid
	}{
		{"defaults", valid(func(*Options) {}), ""},
		{"everything set", valid(func(o *Options) {
			o.Name, o.Namespace, o.Secret, o.CPU, o.Memory, o.Port, o.ResultsSize = "b", "bench", "keys.v1", "500m", "256Mi", 9000, "2Gi"
		}), ""},
		{"pvc", valid(func(o *Options) { o.ResultsPVC = "results" }), ""},
		{"no shards", valid(func(o *Options) { o.Shards = 0 }), `--shards 0: give the number of pods, at least 1`},
		{"too many shards", valid(func(o *Options) { o.Shards = MaxShards + 1 }), `--shards 1001: a sharded run has at most 1000 shards`},
		{"no image", valid(func(o *Options) { o.Image = "" }), `--image "": name the container image`},
		{"image with space", valid(func(o *Options) { o.Image = "a b" }), `--image "a b": an image reference has no spaces`},
		{"name upper case", valid(func(o *Options) { o.Name = "Bench" }), `--name "Bench": a DNS-1035 label must consist of lower case`},
		{"name starts with digit", valid(func(o *Options) { o.Name = "1bench" }), `--name "1bench": a DNS-1035 label`},
		{"name too long for the shards", valid(func(o *Options) { o.Shards, o.Name = 100, strings.Repeat("a", 61) }),
			`at most 60 characters with 100 shards, so that the pod hostnames`},
		{"namespace", valid(func(o *Options) { o.Namespace = "Bench" }), `--namespace "Bench": a lowercase RFC 1123 label`},
		{"secret", valid(func(o *Options) { o.Secret = "my_keys" }), `--secret "my_keys": a lowercase RFC 1123 subdomain`},
		{"port zero is not a default", valid(func(o *Options) { o.Port = 0 }), `--port 0: use a TCP port from 1 to 65535`},
		{"port too big", valid(func(o *Options) { o.Port = 70000 }), `--port 70000`},
		{"cpu", valid(func(o *Options) { o.CPU = "two" }), `--cpu "two": not a Kubernetes quantity: use e.g. 2, 500m, 512Mi or 4Gi`},
		{"memory zero", valid(func(o *Options) { o.Memory = "0" }), `--memory "0": must be more than zero`},
		{"empty memory is not a default", valid(func(o *Options) { o.Memory = "" }), `--memory "": not a Kubernetes quantity`},
		{"results size", valid(func(o *Options) { o.ResultsSize = "-1Gi" }), `--results-size "-1Gi": must be more than zero`},
		{"pvc name", valid(func(o *Options) { o.ResultsPVC = "My PVC" }), `--results-pvc "My PVC": a lowercase RFC 1123 subdomain`},
		{"pvc and size", valid(func(o *Options) { o.ResultsPVC, o.ResultsSize = "r", "1Gi" }), `give one of them`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.opts.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("valid options rejected: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v\nwant an error containing %q", err, c.want)
			}
		})
	}
}

// TestOptionsValidateReportsAllAtOnce: one call names every bad flag.
func TestOptionsValidateReportsAllAtOnce(t *testing.T) {
	err := Options{Name: "X", CPU: "x", Memory: "1Gi"}.Validate()
	if err == nil {
		t.Fatal("invalid options accepted")
	}
	for _, flag := range []string{"--shards 0", `--image ""`, `--name "X"`, "--port 0", `--cpu "x"`} {
		if !strings.Contains(err.Error(), flag) {
			t.Errorf("%q not reported in:\n%v", flag, err)
		}
	}
	if strings.Contains(err.Error(), "--memory") {
		t.Errorf("a valid --memory reported:\n%v", err)
	}
}

func TestDeriveName(t *testing.T) {
	cases := []struct {
		scenario string
		shards   int
		want     string
	}{
		{"quickstart", 4, "quickstart"},
		{"vLLM Llama 8B / sweep", 4, "vllm-llama-8b-sweep"},
		{"gpt-oss-120b_TP4", 32, "gpt-oss-120b-tp4"},
		{"42", 1, ""},
		{"--ci--gate--", 2, "ci-gate"},
		{"2024 modèle", 2, "mod-le"},
		{strings.Repeat("ab-", 40), 10, strings.Repeat("ab-", 20) + "a"}, // 61 = 63 - len("-9")
		{strings.Repeat("ab-", 40), 100, strings.Repeat("ab-", 20)},      // cut at 60, trailing "-" dropped
		{strings.Repeat("x", 100), 1000, strings.Repeat("x", 59)},
	}
	for _, c := range cases {
		got := DeriveName(c.scenario, c.shards)
		if got != strings.TrimRight(c.want, "-") {
			t.Errorf("DeriveName(%q, %d) = %q, want %q", c.scenario, c.shards, got, c.want)
		}
		if got != "" {
			if err := checkName(got, c.shards); err != nil {
				t.Errorf("DeriveName(%q, %d) = %q is not a valid name: %v", c.scenario, c.shards, got, err)
			}
		}
	}
}

// FuzzDeriveName: whatever the scenario is called, the derived name is ""
// or a name Kubernetes accepts for every pod of the Job.
func FuzzDeriveName(f *testing.F) {
	for _, s := range []string{"quickstart", "vLLM / 8B", "42", "--", strings.Repeat("é-", 50)} {
		f.Add(s, 7)
	}
	f.Fuzz(func(t *testing.T, s string, shards int) {
		shards = 1 + abs(shards)%MaxShards
		if got := DeriveName(s, shards); got != "" {
			if err := checkName(got, shards); err != nil {
				t.Fatalf("DeriveName(%q, %d) = %q: %v", s, shards, got, err)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
