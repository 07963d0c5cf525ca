package compare

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// synthRun simulates one run of a closed-loop stage at each level: c
// workers sending back to back, requests with log-normal TTFT and normal
// TPOT, from a seeded generator; its stage results carry the metrics and
// the analysis the engine would have saved. ttftScale injects a slowdown.
func synthRun(name string, seed uint64, ttftScale float64, levels []int, n int) (*schema.Run, []schema.RequestRecord) {
	return synthRunAt(name, seed, func(int) float64 { return ttftScale }, levels, n)
}

// synthRunAt is synthRun with a TTFT scale per concurrency level.
func synthRunAt(name string, seed uint64, ttftScale func(c int) float64, levels []int, n int) (*schema.Run, []schema.RequestRecord) {
	rng := rand.New(rand.NewPCG(seed, 7))
	run := &schema.Run{Name: name, Status: schema.StatusCompleted, Passed: true, Source: "servebench",
		StartedAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), Server: schema.ServerInfo{Model: "m"}}
	var recs []schema.RequestRecord
	for _, c := range levels {
		st := schema.StageResult{ID: "sweep/safe/c" + itoa(c), Stage: "sweep", Profile: "safe", Concurrency: c,
			Status: schema.StatusCompleted}
		level := synthLevel(rng, st.ID, c, n, ttftScale(c))
		recs = append(recs, level...)
		fillStage(&st, level)
		run.Stages = append(run.Stages, st)
	}
	return run, recs
}

// synthLevel is n requests of one closed-loop level of c workers.
func synthLevel(rng *rand.Rand, id string, c, n int, ttftScale float64) []schema.RequestRecord {
	free := make([]float64, c)
	var recs []schema.RequestRecord
	for i := range n {
		w := 0
		for j := range free {
			if free[j] < free[w] {
				w = j
			}
		}
		r := schema.RequestRecord{Stage: id, Index: i, StartMS: free[w], RequestedOutput: 128, OutputTokens: 128, InputTokens: 256}
		if rng.Float64() < 0.01 {
			r.Error = &schema.RequestFailure{Kind: schema.FailServerError, Status: 500, Message: "boom"}
			r.E2ELMS = 1
		} else {
			r.TTFTMS = ttftScale * (20 + 10*float64(c)) * math.Exp(0.3*rng.NormFloat64())
			t := 30 + float64(c) + 2*rng.NormFloat64()
			r.E2ELMS = r.TTFTMS + t*127
			r.ITLMS = []float64{t} // streamed: the tokens arrived apart
		}
		free[w] = r.StartMS + r.E2ELMS + 0.1
		recs = append(recs, r)
	}
	return recs
}

// fillStage sets a stage's metrics and analysis from its records, as the
// engine does.
func fillStage(st *schema.StageResult, recs []schema.RequestRecord) {
	var reqs []stats.Request
	for i := range recs {
		q, _ := stats.FromRecord(&recs[i])
		reqs = append(reqs, q)
	}
	a := stats.Analyze(reqs, stats.Options{})
	st.Intervals, st.Steady, st.InFlight = a.All, &a.Steady, a.InFlight
	var ttft, tpot, e2el []float64
	var end float64
	failed := 0
	for _, r := range recs {
		end = max(end, r.StartMS+r.E2ELMS)
		if r.Error != nil {
			failed++
			continue
		}
		ttft, e2el = append(ttft, r.TTFTMS), append(e2el, r.E2ELMS)
		if len(r.ITLMS) > 0 {
			tpot = append(tpot, r.ITLMS[0])
		}
	}
	n := len(recs)
	dur := end / 1000
	pct := schema.DefaultPercentiles
	st.Metrics = schema.Metrics{Sent: n, Completed: n - failed, Failed: failed, ErrorRate: float64(failed) / float64(n),
		DurationS: dur, RequestThroughput: float64(n-failed) / dur, OutputThroughput: float64((n-failed)*128) / dur,
		TotalTokenThroughput: float64((n-failed)*384) / dur, Goodput: float64(n-failed) / dur,
		TTFT: schema.Summarize(ttft, pct), TPOT: schema.Summarize(tpot, pct), ITL: schema.Summarize(tpot, pct),
		E2EL: schema.Summarize(e2el, pct)}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
