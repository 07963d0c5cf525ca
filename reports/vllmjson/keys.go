package vllmjson

import (
	"strconv"
	"strings"
)

// The metrics vLLM summarises, with the attribute name it uses in keys
// (mean_ttft_ms, p99_itl_ms, ...).
var metricNames = []string{"ttft", "tpot", "itl", "e2el"}

// pWord is vLLM's spelling of a percentile in a key: 99 -> "99", 99.9 -> "99.9"
// (Python: str(int(p)) if int(p) == p else str(p)).
func pWord(p float64) string {
	if p == float64(int64(p)) {
		return strconv.FormatInt(int64(p), 10)
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// schemaKey turns a vLLM percentile word into servebench's key ("99.9" -> "p99_9").
func schemaKey(word string) string { return "p" + strings.ReplaceAll(word, ".", "_") }

// percentileOf reads servebench's percentile key back ("p99_9" -> 99.9).
func percentileOf(key string) (float64, bool) {
	if !strings.HasPrefix(key, "p") {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(key[1:], "_", "."), 64)
	return v, err == nil
}
