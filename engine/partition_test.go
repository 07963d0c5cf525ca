package engine

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/load"
)

// TestPartitionAddsUp splits every kind of step over 1 to 5 shards and
// checks that the parts add up to the step exactly: levels, rates, request
// and warmup counts, and request indexes that are disjoint and together
// are the unsharded step's.
func TestPartitionAddsUp(t *testing.T) {
	sc := scenario(t, `
version: 1
name: split
stages:
  - {name: closed, profile: dev, concurrency: [1, 2, 10], requests: 100, warmup: 5}
  - {name: closed-timed, profile: dev, concurrency: 7, duration: 1s, warmup: 3}
  - {name: open, profile: dev, rate: 10, requests: 3, warmup: 2, max_concurrency: 3}
  - {name: open-timed, profile: dev, rate: 9, duration: 2s, distribution: constant}
`)
	whole, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 5; n++ {
		parts := make([]*Plan, n)
		for i := range n {
			if parts[i], err = whole.Partition(i, n); err != nil {
				if !strings.Contains(err.Error(), "max_concurrency 3 cannot be split over 4 shards") {
					t.Fatalf("%d shards: %v", n, err)
				}
				parts = nil
				break
			}
		}
		if parts == nil {
			continue
		}
		for s, step := range whole.Steps {
			checkSplit(t, n, step, func(i int) Step { return parts[i].Steps[s] })
		}
	}
}

func checkSplit(t *testing.T, n int, whole Step, part func(int) Step) {
	t.Helper()
	var level, reqs, warm int
	var rate float64
	seen, seenWarm := map[int]int{}, map[int]int{}
	for i := range n {
		p := part(i)
		if p.ID != whole.ID {
			t.Fatalf("shard %d renamed step %s to %s", i, whole.ID, p.ID)
		}
		if p.Part.Idle() {
			continue
		}
		level, reqs, warm, rate = level+p.Concurrency, reqs+p.Requests, warm+p.Warmup, rate+p.Rate
		count := p.Requests
		if count == 0 {
			count = 50 // a duration-bound part: its first 50 requests
		}
		for j := range count {
			seen[p.Part.Request(j)]++
		}
		for j := range p.Warmup {
			seenWarm[p.Part.Warmup(j)]++
		}
	}
	id := whole.ID
	if whole.OpenLoop() {
		if math.Abs(rate-whole.Rate) > 1e-9 {
			t.Errorf("%s over %d: rates add up to %g, want %g", id, n, rate, whole.Rate)
		}
		if whole.Concurrency > 0 && level != whole.Concurrency {
			t.Errorf("%s over %d: caps add up to %d, want %d", id, n, level, whole.Concurrency)
		}
	} else if level != whole.Concurrency {
		t.Errorf("%s over %d: levels add up to %d, want %d", id, n, level, whole.Concurrency)
	}
	if reqs != whole.Requests || warm != whole.Warmup {
		t.Errorf("%s over %d: %d requests and %d warmup, want %d and %d", id, n, reqs, warm, whole.Requests, whole.Warmup)
	}
	for idx, k := range seen {
		if k > 1 {
			t.Errorf("%s over %d: request %d is sent by %d shards", id, n, idx, k)
		}
	}
	if whole.Requests > 0 && !sameKeys(seen, whole.Requests) {
		t.Errorf("%s over %d: request indexes %v, want 0..%d", id, n, keys(seen), whole.Requests-1)
	}
	if !sameKeys(seenWarm, whole.Warmup) {
		t.Errorf("%s over %d: warmup indexes %v, want 0..%d", id, n, keys(seenWarm), whole.Warmup-1)
	}
}

func sameKeys(m map[int]int, n int) bool {
	return slices.Equal(keys(m), func() []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}())
}

func keys(m map[int]int) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestPartitionExamples pins the splits the README promises.
func TestPartitionExamples(t *testing.T) {
	sc := scenario(t, `
version: 1
name: split
stages:
  - {name: c, profile: dev, concurrency: 10, requests: 100}
  - {name: s, profile: dev, concurrency: {from: 1, to: 32}, requests: 10}
`)
	whole, _ := NewPlan(sc)
	var levels, reqs []int
	for i := range 3 {
		p, err := whole.Partition(i, 3)
		if err != nil {
			t.Fatal(err)
		}
		levels, reqs = append(levels, p.Steps[0].Concurrency), append(reqs, p.Steps[0].Requests)
	}
	if !slices.Equal(levels, []int{4, 3, 3}) || !slices.Equal(reqs, []int{40, 30, 30}) {
		t.Errorf("c=10, 100 requests over 3 shards: levels %v requests %v, want [4 3 3] [40 30 30]", levels, reqs)
	}
	p, _ := whole.Partition(3, 4)
	if s := p.Steps[1]; s.ID != "s/dev/c1" || !s.Part.Idle() {
		t.Errorf("shard 3 of 4 at concurrency 1: %+v, want idle", s)
	}
}

// TestPartitionRefuses: a capacity search and a cap below the number of
// sending shards cannot be split exactly, and say so.
func TestPartitionRefuses(t *testing.T) {
	sc := scenario(t, `
version: 1
name: refuse
slo: {ttft: 1s}
stages:
  - {name: cap, profile: dev, search: {concurrency: {from: 1, to: 8}}, requests: 10}
  - {name: open, profile: dev, rate: 5, max_concurrency: 2, duration: 1s}
`)
	whole, _ := NewPlan(sc)
	_, err := whole.Partition(0, 3)
	for _, want := range []string{
		`the plan cannot be split over 3 shards`,
		`stage "cap" is a capacity search`,
		`stage "open": max_concurrency 2 cannot be split over 3 shards (each needs at least 1)`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Partition error %v, want it to contain %q", err, want)
		}
	}
	if _, err := whole.Partition(3, 3); err == nil || !strings.Contains(err.Error(), "shard 3 of 3: the index runs from 0 to 2") {
		t.Errorf("shard 3 of 3: %v", err)
	}
}

// TestPartPacersSumToTheRate: the parts of a constant open loop interleave
// into the whole schedule exactly, and the parts of a Poisson one send as
// many requests over a long window as the whole rate does.
func TestPartPacersSumToTheRate(t *testing.T) {
	const rate, n = 12.0, 3
	var union []time.Duration
	for i := range n {
		p, err := load.NewPartPacer("constant", rate, 1, 7, i, n)
		if err != nil {
			t.Fatal(err)
		}
		for j := range 4 {
			union = append(union, p.Offset(j))
		}
	}
	slices.Sort(union)
	whole, _ := load.NewPacer("constant", rate, 1, 7)
	for k, got := range union {
		if want := whole.Offset(k); absDur(got-want) > time.Microsecond {
			t.Fatalf("constant over %d shards: arrival %d at %v, the whole schedule has it at %v", n, k, got, want)
		}
	}
	const window = 1000 * time.Second
	count := 0
	for i := range n {
		p, _ := load.NewPartPacer("poisson", rate, 1, 7+int64(i), i, n)
		for j := 0; p.Offset(j) < window; j++ {
			count++
		}
	}
	// Poisson count over 1000 s at 12/s: mean 12000, sd ~110.
	if want := rate * window.Seconds(); math.Abs(float64(count)-want) > 5*math.Sqrt(want) {
		t.Errorf("poisson over %d shards: %d arrivals in %v, want about %.0f", n, count, window, want)
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
