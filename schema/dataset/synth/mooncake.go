package synth

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Mooncake writes n records of a trace in the Mooncake FAST'25 format,
// one JSON object per line spelled as the published traces spell it:
// timestamp (ms from the trace's start, non-decreasing, some equal),
// input_length, output_length and hash_ids, one id per block of
// blockSize tokens (the last block partial). Half the records start with
// one of three shared system prompts (1, 2 or 4 blocks), three in ten
// continue an earlier record (its full blocks, then blocks of their own),
// the rest share nothing: the prefix-cache structure a replay exercises.
// Only integer arithmetic is used, so every platform writes the same bytes.
func Mooncake(w io.Writer, seed uint64, n, blockSize int) error {
	r := New(seed)
	bw := bufio.NewWriter(w)
	next := 0
	fresh := func(k int) []int {
		ids := make([]int, k)
		for i := range ids {
			ids[i] = next
			next++
		}
		return ids
	}
	systems := [][]int{fresh(1), fresh(2), fresh(4)}
	var recent [][]int
	ts := 0
	for i := 0; i < n; i++ {
		if i > 0 && !r.Chance(0.15) {
			ts += r.Skewed(1, 2000)
		}
		var ids []int
		switch {
		case len(recent) > 0 && r.Chance(0.3):
			prev := Pick(r, recent)
			ids = append(append([]int{}, prev[:len(prev)-1]...), fresh(r.Between(1, 4))...)
		case r.Chance(0.5):
			ids = append(append([]int{}, Pick(r, systems)...), fresh(r.Skewed(1, 12))...)
		default:
			ids = fresh(r.Skewed(1, 16))
		}
		input := (len(ids)-1)*blockSize + r.Between(1, blockSize)
		fmt.Fprintf(bw, `{"timestamp": %d, "input_length": %d, "output_length": %d, "hash_ids": [%s]}`+"\n",
			ts, input, r.Skewed(1, 800), joinInts(ids))
		if recent = append(recent, ids); len(recent) > 16 {
			recent = recent[1:]
		}
	}
	return bw.Flush()
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}
