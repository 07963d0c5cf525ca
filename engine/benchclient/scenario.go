package benchclient

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// scenarioYAML writes the scenario of a case. port is the simulator's port
// in process mode. Scraping /metrics is off: it would add the scraper's CPU
// to the client's. Every argument list is written as JSON, which YAML reads.
func (h *harness) scenarioYAML(c benchCase, port int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: bench-client\nmodel: {max_model_len: %d}\n", maxModelLen)
	b.WriteString("api: {timeout: 2m}\n")
	if c.mode == ModeInProcess {
		fmt.Fprintf(&b, "server:\n  builtin: %s\n", c.sim.builtin())
	} else {
		argv, _ := json.Marshal(append(append([]string(nil), h.cfg.SimCommand...), c.sim.flags(port)...))
		fmt.Fprintf(&b, "server:\n  command: %s\n  url: http://127.0.0.1:%d\n", argv, port)
		env, _ := json.Marshal(envMap(h.cfg.SimEnv))
		fmt.Fprintf(&b, "  env: %s\n  ready: {timeout: 30s, interval: 20ms}\n  stop_timeout: 5s\n", env)
	}
	b.WriteString("  metrics: {enabled: false}\nprofiles:\n")
	for i, s := range c.stages {
		fmt.Fprintf(&b, "  p%d: {input: %d, output: %d}\n", i, s.input, s.output)
	}
	b.WriteString("stages:\n")
	for i, s := range c.stages {
		levels, _ := json.Marshal(s.concurrency)
		fmt.Fprintf(&b, "  - {name: %s, profile: p%d, concurrency: %s, requests: %d, warmup: %d}\n",
			s.name, i, levels, s.requests, s.warmup)
	}
	b.WriteString("report: {formats: [json]}\n")
	return []byte(b.String())
}

func (s simSpec) builtin() string {
	if s.zeroLatency {
		return "{zero_latency: true}"
	}
	return fmt.Sprintf("{decode_step: %s, decode_per_seq: 1ns, prefill_per_token: 1ns, max_num_seqs: %d, kv_cache_tokens: %d}",
		s.decodeStep, s.maxNumSeqs, s.kvTokens)
}

// flags are the `servebench sim` flags of the simulator.
func (s simSpec) flags(port int) []string {
	f := []string{"--port", strconv.Itoa(port), "--quiet", "--max-model-len", strconv.Itoa(maxModelLen)}
	if s.zeroLatency {
		return append(f, "--zero-latency")
	}
	return append(f, "--decode-step", s.decodeStep.String(), "--decode-per-seq", "1ns",
		"--prefill-per-token", "1ns", "--max-num-seqs", strconv.Itoa(s.maxNumSeqs),
		"--kv-cache-tokens", strconv.Itoa(s.kvTokens))
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}
