package compare

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/servebench/servebench/schema"
)

// synthRun simulates one run of a closed-loop stage at each level: requests
// with log-normal TTFT and normal TPOT, from a seeded generator. ttftScale
// injects a slowdown.
func synthRun(name string, seed uint64, ttftScale float64, levels []int, n int) (*schema.Run, []schema.RequestRecord) {
	rng := rand.New(rand.NewPCG(seed, 7))
	run := &schema.Run{Name: name, Status: schema.StatusCompleted, Passed: true, Source: "servebench",
		StartedAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC), Server: schema.ServerInfo{Model: "m"}}
	var recs []schema.RequestRecord
	for _, c := range levels {
		st := schema.StageResult{ID: "sweep/safe/c" + itoa(c), Stage: "sweep", Profile: "safe", Concurrency: c,
			Status: schema.StatusCompleted}
		var ttft, tpot, e2el []float64
		failed := 0
		for i := range n {
			r := schema.RequestRecord{Stage: st.ID, Index: i, RequestedOutput: 128, OutputTokens: 128}
			if rng.Float64() < 0.01 {
				r.Error = &schema.RequestFailure{Kind: schema.FailServerError, Status: 500, Message: "boom"}
				failed++
			} else {
				r.TTFTMS = ttftScale * (20 + 10*float64(c)) * math.Exp(0.3*rng.NormFloat64())
				t := 30 + float64(c) + 2*rng.NormFloat64()
				r.E2ELMS = r.TTFTMS + t*127
				r.ITLMS = []float64{t} // streamed: the tokens arrived apart
				ttft, tpot, e2el = append(ttft, r.TTFTMS), append(tpot, t), append(e2el, r.E2ELMS)
			}
			recs = append(recs, r)
		}
		dur := mean(e2el) * float64(n) / float64(c) / 1000
		st.Metrics = schema.Metrics{Sent: n, Completed: n - failed, Failed: failed, ErrorRate: float64(failed) / float64(n),
			DurationS: dur, RequestThroughput: float64(n-failed) / dur, OutputThroughput: float64((n-failed)*128) / dur,
			TotalTokenThroughput: float64((n-failed)*384) / dur, Goodput: float64(n-failed) / dur,
			TTFT: distOf(ttft), TPOT: distOf(tpot), ITL: distOf(tpot), E2EL: distOf(e2el)}
		run.Stages = append(run.Stages, st)
	}
	return run, recs
}

func distOf(v []float64) schema.Dist {
	s := slices.Clone(v)
	slices.Sort(s)
	d := schema.Dist{Count: len(s), Mean: mean(s), Median: quantile(50)(s), Min: s[0], Max: s[len(s)-1],
		Percentiles: map[string]float64{}}
	for _, p := range schema.DefaultPercentiles {
		d.Percentiles[schema.PercentileKey(p)] = quantile(p)(s)
	}
	return d
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
