package stats

import (
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// TestUntimedRequestsGetNoThroughputInterval: records without send times
// (an import of a vLLM result saved without start_times: every start_ms
// 0) would squeeze the level into its longest request, and a throughput
// interval from that would be nonsense (compare once showed -3540 … +13
// req/s around 12.8). They get "not enough data" and no steady state,
// while the latencies, which need no send times, keep their intervals.
func TestUntimedRequestsGetNoThroughputInterval(t *testing.T) {
	rs := make([]Request, 200)
	for i := range rs {
		e2e := 70 + float64(i%7)
		rs[i] = Request{End: e2e, TTFT: 10 + float64(i%5), E2EL: e2e, OutputTokens: 16, InputTokens: 128}
	}
	a := Analyze(rs, Options{})
	for _, n := range []string{"request_throughput", "output_throughput", "goodput"} {
		if ci := a.All[n]; ci.OK() || !strings.Contains(ci.Missing, "no send times") {
			t.Errorf("%s: %+v, want missing for want of send times", n, ci)
		}
	}
	if ci := a.All["ttft.mean"]; !ci.OK() || ci.Lo > 12 || ci.Hi < 12 {
		t.Errorf("ttft.mean: %+v, want an interval around 12", ci)
	}
	if a.Steady.Found || a.InFlight != nil || !strings.Contains(a.Steady.Note, "no send times") {
		t.Errorf("steady %+v, in flight %v: want none, for want of send times", a.Steady, a.InFlight)
	}
	// The same requests sent one after another keep every interval.
	for i := range rs {
		rs[i].Start = float64(i) * 80
		rs[i].End += rs[i].Start
	}
	if ci := Analyze(rs, Options{}).All["request_throughput"]; !ci.OK() || ci.Method != schema.MethodTimeWindows {
		t.Errorf("timed request_throughput: %+v, want an interval", ci)
	}
}
