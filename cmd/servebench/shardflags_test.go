package main

import (
	"strings"
	"testing"
)

// TestShardFlagsAreCheckedFirst: every problem of the shard flags, and of a
// scenario that cannot run sharded as asked, exits 2 before anything
// listens or connects, each with what would be valid.
func TestShardFlagsAreCheckedFirst(t *testing.T) {
	builtin := writeScenario(t, "version: 1\nname: b\nstages:\n  - {name: s, profile: dev, concurrency: 10, requests: 10}\n")
	loopback := writeScenario(t, "version: 1\nname: u\nserver: {url: http://127.0.0.1:9}\nmodel: {name: m}\n"+
		"stages:\n  - {name: s, profile: dev, concurrency: 10, requests: 10}\n  - {name: cap, profile: dev, slo: {ttft: 1s}, search: {concurrency: {from: 1, to: 4}}, requests: 4}\n")
	matrix := writeScenario(t, "version: 1\nname: m\nserver: {url: http://127.0.0.1:9}\nmodel: {name: m}\n"+
		"matrix: {axes: {model.max_model_len: [2048, 4096]}}\n"+
		"stages:\n  - {name: conv, profile: dev, concurrency: 4, requests: 2000, until: {ttft.p50: 5%}}\n")
	turns := writeScenario(t, "version: 1\nname: t\nserver: {url: http://127.0.0.1:9}\nmodel: {name: m}\napi: {endpoint: chat}\n"+
		"stages:\n  - {name: chat, profile: dev, concurrency: 4, requests: 20, conversation: {turns: 3}}\n")
	cases := []struct {
		name string
		env  string // JOB_COMPLETION_INDEX, "-" for unset
		args []string
		want []string
	}{
		{"index out of range", "-", []string{"run", builtin, "--shard", "4/4"}, []string{"--shard shard 4 of 4: the index runs from 0 to 3"}},
		{"not I/N", "-", []string{"run", builtin, "--shard", "two"}, []string{`--shard "two" is not I/N`}},
		{"both", "-", []string{"run", builtin, "--shard", "0/2", "--shards", "2"}, []string{"--shard and --shards exclude each other"}},
		{"no job index", "-", []string{"run", builtin, "--shards", "3"}, []string{"--shards 3: JOB_COMPLETION_INDEX is not set"}},
		{"bad job index", "x", []string{"run", builtin, "--shards", "3"}, []string{`JOB_COMPLETION_INDEX="x" is not a shard index`}},
		{"job index out of range", "3", []string{"run", builtin, "--shards", "3"}, []string{"shard 3 of 3: the index runs from 0 to 2"}},
		{"rendezvous alone", "-", []string{"run", builtin, "--rendezvous", "h:1"}, []string{"--rendezvous: give --shard I/N or --shards N too"}},
		{"bad rendezvous", "-", []string{"run", builtin, "--shard", "1/2", "--rendezvous", "h:0"}, []string{`rendezvous address "h:0" is not HOST:PORT`}},
		{"builtin across machines", "-", []string{"run", builtin, "--shard", "1/2", "--rendezvous", "bench-0.bench:7077"},
			[]string{"the built-in simulator listens on 127.0.0.1 of shard 0, which the shards at the rendezvous bench-0.bench:7077 cannot reach"}},
		{"builtin apart", "-", []string{"run", builtin, "--shard", "1/2"}, []string{"a shard run apart (--shard without --rendezvous) attaches to a shared server"}},
		{"loopback url across machines", "1", []string{"run", loopback, "--shards", "2", "--rendezvous", "10.0.0.5"}, []string{
			"server.url http://127.0.0.1:9 is a loopback address, which the other shards (rendezvous 10.0.0.5) cannot reach",
			`stage "cap" is a capacity search`,
		}},
		{"matrix and until", "-", []string{"run", matrix, "--shard", "1/2"}, []string{
			"a matrix of 2 variants cannot be sharded yet",
			`stage "conv": until: cannot be sharded yet`,
		}},
		{"conversation", "-", []string{"run", turns, "--shard", "1/2"}, []string{
			`stage "chat" is a conversation, which cannot be sharded yet`,
		}},
		{"plan: no shards", "-", []string{"plan", builtin, "--shards", "0"}, []string{"--shards: 0 shards: give 1 to 1000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.env != "-" {
				t.Setenv(jobIndexEnv, c.env)
			}
			code, _, stderr := runCLI(t, c.args...)
			for _, w := range c.want {
				if code != ExitInvalid || !strings.Contains(stderr, w) {
					t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, w)
				}
			}
		})
	}
}

// TestPlanShowsTheSplit: plan --shards N prints each step's parts.
func TestPlanShowsTheSplit(t *testing.T) {
	path := writeScenario(t, "version: 1\nname: p\nstages:\n  - {name: s, profile: dev, concurrency: [2, 10], requests: 100, warmup: 4}\n"+
		"  - {name: o, profile: dev, rate: 9, requests: 30}\n")
	code, stdout, stderr := runCLI(t, "plan", path, "--shards", "3")
	for _, want := range []string{"c 1+1+-, requests 50+50+0, warmup 2+2+0", "c 4+3+3, requests 40+30+30, warmup 2+1+1",
		"rate 3+3+3/s, requests 10+10+10", "split over 3 shards"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("plan --shards 3: exit %d, want %q in:\n%s%s", code, want, stdout, stderr)
		}
	}
}
