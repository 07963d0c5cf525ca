package stats

import (
	"time"

	"github.com/servebench/servebench/schema"
)

// Request is one measured request as the interval machinery reads it: the
// engine builds one per finished request, compare and a shard merge build
// them from requests.jsonl with FromRecord.
type Request struct {
	// Start and End are milliseconds in the time base of requests.jsonl
	// (since the level began); End is Start + E2EL, for a failure Start
	// plus the time until the client saw it fail (0 when unknown).
	Start, End float64
	TTFT, E2EL float64 // ms, completed requests only
	// TPOT is schema.TPOT of the request (ms); HasTPOT is false when the
	// request measured none (one output token, or all in one chunk).
	TPOT    float64
	HasTPOT bool
	// ITL are the gaps between the request's chunks (ms); float32 keeps a
	// long level in memory (a gap is known to far better than 0.01%).
	ITL                       []float32
	InputTokens, OutputTokens int
	Failed                    bool
}

// FromRecord is the request behind one line of requests.jsonl; false for a
// warmup request or one cancelled by an interrupt, which are not measured.
func FromRecord(r *schema.RequestRecord) (Request, bool) {
	if r.Warmup || r.Error != nil && r.Error.Kind == schema.FailCanceled {
		return Request{}, false
	}
	q := Request{Start: r.StartMS, End: r.StartMS + r.E2ELMS, InputTokens: r.InputTokens, OutputTokens: r.OutputTokens}
	if r.Error != nil {
		q.Failed = true
		return q, true
	}
	q.TTFT, q.E2EL = r.TTFTMS, r.E2ELMS
	q.TPOT, q.HasTPOT = schema.TPOT(r.TTFTMS, r.E2ELMS, r.OutputTokens, len(r.ITLMS))
	if len(r.ITLMS) > 0 {
		q.ITL = make([]float32, len(r.ITLMS))
		for i, v := range r.ITLMS {
			q.ITL[i] = float32(v)
		}
	}
	return q, true
}

// good reports whether a completed request met the SLO.
func (q *Request) good(slo *schema.SLO) bool {
	if q.Failed {
		return false
	}
	tpot := 0.0
	if q.HasTPOT {
		tpot = q.TPOT
	}
	return slo.Meets(msDur(q.TTFT), msDur(tpot), msDur(q.E2EL))
}

func msDur(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// Size is the memory a stored Request takes, for the engine's budget.
func (q *Request) Size() int { return 96 + 4*len(q.ITL) }
