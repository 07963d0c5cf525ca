package vllmjson

import (
	"strconv"
	"strings"
)

// pWord is vLLM's spelling of a percentile in a key: 99 -> "99", 99.9 -> "99.9"
// (Python: str(int(p)) if int(p) == p else str(p)).
func pWord(p float64) string {
	if p == float64(int64(p)) {
		return strconv.FormatInt(int64(p), 10)
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// percentileWord reads pWord back: plain decimal digits with at most one
// point, strictly between 0 and 100 ("99.9" -> 99.9; not "1e2", "inf", "0x1p6").
func percentileWord(w string) (float64, bool) {
	if w == "" || len(w) > 32 || strings.Trim(w, "0123456789.") != "" || strings.Count(w, ".") > 1 {
		return 0, false
	}
	p, err := strconv.ParseFloat(w, 64)
	return p, err == nil && p > 0 && p < 100
}
