// Package shard runs one scenario as N cooperating processes (shards) that
// together generate exactly the load one client would: the arithmetic that
// splits a level, a rate or a request count into parts, and the
// rendezvous, a small versioned TCP protocol through which the shards
// agree on each stage's start instant, measure their clock offsets and hand
// their results to shard 0. It knows nothing of the engine: it moves
// counts, instants and files.
package shard

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxShards bounds the number of shards. Shard 0 holds one connection and,
// while merging, one open requests.jsonl per shard, so the bound keeps it
// within an ordinary file-descriptor limit.
const MaxShards = 1000

// Split divides n into count parts that differ by at most one, the larger
// ones first, so the parts add up to n: 10 over 3 is 4, 3, 3 and 2 over 4
// is 1, 1, 0, 0.
func Split(n, count int) []int {
	out := make([]int, count)
	if count <= 0 {
		return out
	}
	q, r := n/count, n%count
	for i := range out {
		out[i] = q
		if i < r {
			out[i]++
		}
	}
	return out
}

// Share divides n in proportion to weights with the largest-remainder
// method (ties go to the lower index), so the parts add up to n exactly:
// 100 requests over closed-loop levels 4, 3, 3 are 40, 30, 30, and a part
// of weight 0 gets nothing. All weights 0 give all parts 0.
func Share(n int, weights []int) []int {
	out := make([]int, len(weights))
	total := 0
	for _, w := range weights {
		total += w
	}
	if total <= 0 || n <= 0 {
		return out
	}
	given := 0
	rem := make([]int, len(weights))
	for i, w := range weights {
		out[i] = n * w / total
		rem[i] = n * w % total
		given += out[i]
	}
	for ; given < n; given++ {
		best := -1
		for i, r := range rem {
			if weights[i] > 0 && (best < 0 || r > rem[best]) {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

// Sum adds up the parts before index i: the first request index of part i
// when parts are consecutive blocks.
func Sum(parts []int, i int) int {
	s := 0
	for _, p := range parts[:i] {
		s += p
	}
	return s
}

// Seed derives the seed of part index from a run's seed: part 0 keeps the
// seed itself, so a run of one shard is the unsharded run, and the others
// get SplitMix64-scrambled seeds, far apart for neighbouring indexes.
func Seed(seed int64, index int) int64 {
	if index == 0 {
		return seed
	}
	z := uint64(seed) + uint64(index)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return int64(z ^ (z >> 31))
}

// ParseSpec reads the --shard value "I/N": shard I (0-based) of N.
func ParseSpec(s string) (index, count int, err error) {
	i, n, ok := strings.Cut(s, "/")
	index, ierr := strconv.Atoi(strings.TrimSpace(i))
	count, nerr := strconv.Atoi(strings.TrimSpace(n))
	if !ok || ierr != nil || nerr != nil {
		return 0, 0, fmt.Errorf("%q is not I/N (shard I of N, I from 0, e.g. 0/4)", s)
	}
	return index, count, CheckIndex(index, count)
}

// CheckIndex checks a shard index against a shard count.
func CheckIndex(index, count int) error {
	switch {
	case count < 1 || count > MaxShards:
		return fmt.Errorf("%d shards: give 1 to %d", count, MaxShards)
	case index < 0 || index >= count:
		return fmt.Errorf("shard %d of %d: the index runs from 0 to %d", index, count, count-1)
	}
	return nil
}
