package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// A replay whose requests left late says so: the client, when nothing
// held it back (naming the speed it could not keep), the cap when
// max_concurrency was full (naming the trace's schedule), and nothing when
// the requests left on time.
func TestReplayBehindItsScheduleSaysSo(t *testing.T) {
	lag := func(ms float64) schema.Dist {
		v := make([]float64, 100)
		for i := range v {
			v[i] = ms
		}
		return schema.Summarize(v, []float64{50, 99})
	}
	replay := func(p99 float64, concurrency, maxInFlight int) *schema.StageResult {
		st := &schema.StageResult{Concurrency: concurrency, Replay: &schema.ReplayStats{Speed: 10}}
		st.Client.SendLag, st.Client.MaxInFlight = lag(p99), maxInFlight
		return st
	}
	client, warning := bottleneck(replay(30, 0, 500), time.Minute)
	if !strings.Contains(client, "requests left 30.0 ms late (p99) against the trace's schedule: the client could not keep up with the replay at speed 10") || warning != "" {
		t.Errorf("behind, uncapped: client %q, warning %q", client, warning)
	}
	client, warning = bottleneck(replay(30, 8, 8), time.Minute)
	if client != "" || !strings.Contains(warning, "max_concurrency 8 was full") || !strings.Contains(warning, "the trace's schedule at speed 10") {
		t.Errorf("behind, cap full: client %q, warning %q", client, warning)
	}
	if client, warning = bottleneck(replay(1, 0, 500), time.Minute); client != "" || warning != "" {
		t.Errorf("on time: client %q, warning %q", client, warning)
	}
}
