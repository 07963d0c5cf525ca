package engine

import (
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/servebench/servebench/schema"
)

// Client self-check limits. A client that lags its own schedule or burns
// every core is measuring itself, and the stage result must say so.
const (
	maxSendLagP99MS   = 10.0 // open loop: p99 of scheduled-to-actual send delay
	minConcurrencyPct = 0.75 // closed loop: achieved / target concurrency (the tail of a stage drains below target)
	maxCPUShare       = 0.90 // client CPU seconds / (wall seconds * cores)
)

// bottleneck explains when the client, not the server, limited a stage. An
// open loop whose requests left late because its own max_concurrency cap
// was full was held by the cap and the server behind it, not by the client:
// that gets a warning instead, so a slow server is never blamed on the client.
func bottleneck(st *schema.StageResult, window time.Duration) (client, warning string) {
	c := st.Client
	if window <= 0 {
		return "", ""
	}
	if share := c.CPUSeconds / (window.Seconds() * float64(runtime.NumCPU())); share > maxCPUShare {
		return fmt.Sprintf("client CPU was %.0f%% of all cores: numbers include client overhead", share*100), ""
	}
	if st.Rate > 0 || st.Replay != nil {
		p99, ok := c.SendLag.P(99)
		switch {
		case !ok || p99 <= maxSendLagP99MS:
			return "", ""
		case capFull(st):
			pace := fmt.Sprintf("%g req/s", st.Rate)
			if st.Replay != nil {
				pace = fmt.Sprintf("the trace's schedule at speed %g", st.Replay.Speed)
			}
			return "", fmt.Sprintf("requests left %.1f ms late (p99) because max_concurrency %d was full: "+
				"the server did not finish requests fast enough to keep %s under this cap (the client kept up)",
				p99, st.Concurrency, pace)
		}
		if st.Replay != nil {
			return fmt.Sprintf("requests left %.1f ms late (p99) against the trace's schedule: the client could not keep up with the replay at speed %g", p99, st.Replay.Speed), ""
		}
		return fmt.Sprintf("requests left %.1f ms late (p99) against their schedule: the client could not keep the rate", p99), ""
	}
	want := float64(min(c.TargetConcurrency, st.Metrics.Sent))
	if want > 0 && c.AchievedConcurrency < want*minConcurrencyPct && st.Metrics.Sent >= 4*c.TargetConcurrency {
		return fmt.Sprintf("achieved concurrency %.1f of %d: the client could not keep requests in flight",
			c.AchievedConcurrency, c.TargetConcurrency), ""
	}
	return "", ""
}

// capFull reports whether an open loop's max_concurrency cap was reached:
// then a request could wait for a free slot, and its send lag is the cap's.
func capFull(st *schema.StageResult) bool {
	return st.Concurrency > 0 && st.Client.MaxInFlight >= st.Concurrency
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
