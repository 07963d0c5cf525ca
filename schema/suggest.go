package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// suggest returns the candidate closest to word by edit distance, or "" when
// none is close enough to be a plausible typo. The cut-off grows with the
// word so that "concurency" finds "concurrency" but "foo" does not find "to".
func suggest(word string, candidates []string) string {
	limit := 1
	if n := len([]rune(word)); n > 3 {
		limit = 2 + (n-1)/6
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		d := levenshtein(strings.ToLower(word), strings.ToLower(c))
		if d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean renders the hint appended to messages about unknown names.
func didYouMean(word string, candidates []string) string {
	if h := percentileHint(word, candidates); h != "" {
		return h
	}
	if s := suggest(word, candidates); s != "" {
		return " (did you mean " + quote(s) + "?)"
	}
	return ""
}

// quote is %q: user values are always shown quoted and escaped.
func quote(s string) string { return strconv.Quote(s) }

// levenshtein is the classic two-row edit distance over runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// percentileHint handles a metric name that asks for a percentile the
// scenario does not compute, such as ttft.p99_9 when report.percentiles
// lacks 99.9: the fix is to add the percentile, not to read the nearest
// name (ttft.p99), so that is what the hint says. It applies when the
// candidates hold the same metric's other percentiles.
func percentileHint(word string, candidates []string) string {
	i := strings.LastIndex(word, ".p")
	if i < 0 {
		return ""
	}
	group, key := word[:i], word[i+2:]
	p, err := strconv.ParseFloat(strings.Replace(key, "_", ".", 1), 64)
	if err != nil || !(p > 0 && p < 100) || strings.ContainsAny(key, "eE+-") {
		return ""
	}
	for _, c := range candidates {
		if strings.HasPrefix(c, group+".p") {
			return fmt.Sprintf(" (add %s to report.percentiles to read %s)", strconv.FormatFloat(p, 'f', -1, 64), word)
		}
	}
	return ""
}
