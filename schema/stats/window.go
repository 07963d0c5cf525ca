package stats

import (
	"fmt"
	"slices"
)

// window is a level's steady-state window: the requests of its latency
// set (indexes into the start-ordered requests) and the time span its
// throughputs are measured over.
type window struct {
	found       bool
	from, to    float64 // ms
	set         []int
	ramp, drain int
	note        string
}

// WindowMethod describes how the steady-state window is found, for reports.
const WindowMethod = "ramp: until the first completion, longer where MSER-5 finds TTFT or requests in flight still settling; " +
	"drain: from the first completion after the last send"

// findWindow finds the steady-state window of requests sorted by Start.
// The ramp lasts at least until the first request completes: before that
// no request has been replaced and every send is one more in flight (a
// closed loop's burst of C requests that wait for one another's prefill).
// It lasts longer where MSER-5 cuts a transient from the TTFT series or,
// in an open loop, from the series of requests in flight at each send
// (the queue filling up); the latest cut wins. A closed loop's number in
// flight is the loop's own, C from the first send: it has no transient
// to find there, only the client's scheduling noise. The drain
// begins at the first completion after the last send: from there no
// request is replaced and the load only falls. Latencies are of the
// requests sent from the ramp's end up to the first one still running when
// the drain began, so every request sent in that span is counted, slow or
// fast (selecting by end time would favour the fast ones).
//
// live is the form of a check while the level runs: nothing has drained
// yet, so the window ends at the last completion and keeps every request
// sent after the ramp.
func findWindow(rs []Request, openLoop, live bool) window {
	n := len(rs)
	if n < MinMSER {
		return window{note: fmt.Sprintf("too few requests (%d) to find a steady state: MSER-5 needs at least %d", n, MinMSER)}
	}
	var ttft, ttftStart []float64
	for _, q := range rs {
		if !q.Failed {
			ttft, ttftStart = append(ttft, q.TTFT), append(ttftStart, q.Start)
		}
	}
	if len(ttft) < MinMSER {
		return window{note: fmt.Sprintf("too few completed requests (%d) to find a steady state: MSER-5 needs at least %d", len(ttft), MinMSER)}
	}
	cutT, steadyT := mser5(ttft)
	cutF, steadyF := 0, true
	if openLoop {
		cutF, steadyF = mser5(inFlightAtSend(rs))
	}
	switch {
	case !steadyT:
		return window{note: "no steady state: TTFT kept changing past the middle of the level (MSER-5); the level may be overloaded or too short"}
	case !steadyF:
		return window{note: "no steady state: requests in flight kept changing past the middle of the level (MSER-5): the queue grew to the end, the level is likely overloaded"}
	}
	w := window{found: true, from: max(firstEnd(rs), ttftStart[cutT], rs[cutF].Start)}
	w.to, w.set = drainCut(rs, w.from, live)
	if len(w.set) < MinSamples || w.to <= w.from {
		return window{note: fmt.Sprintf("no steady state: only %d requests between the ramp and the drain", len(w.set))}
	}
	first, last := w.set[0], w.set[len(w.set)-1]
	w.ramp, w.drain = first, n-1-last
	return w
}

// drainCut returns where the drain begins and the latency set: requests
// sent at or after from and before the first request that ended after it.
func drainCut(rs []Request, from float64, live bool) (to float64, set []int) {
	lastStart := rs[len(rs)-1].Start
	to = -1.0
	for _, q := range rs {
		if live {
			to = max(to, q.End)
		} else if q.End >= lastStart && (to < 0 || q.End < to) {
			to = q.End
		}
	}
	for i, q := range rs {
		if q.Start < from {
			continue
		}
		if !live && q.End > to {
			break // the first request still running when the drain began
		}
		set = append(set, i)
	}
	return to, set
}

// firstEnd is when the first request ended.
func firstEnd(rs []Request) float64 {
	t := rs[0].End
	for _, q := range rs {
		t = min(t, q.End)
	}
	return t
}

// inFlightAtSend is, for each request in start order, how many requests
// were in flight when it was sent, itself included.
func inFlightAtSend(rs []Request) []float64 {
	ends := make([]float64, len(rs))
	for i, q := range rs {
		ends[i] = q.End
	}
	slices.Sort(ends)
	out := make([]float64, len(rs))
	done := 0
	for i, q := range rs {
		for done < len(ends) && ends[done] <= q.Start {
			done++
		}
		out[i] = float64(i + 1 - done)
	}
	return out
}
