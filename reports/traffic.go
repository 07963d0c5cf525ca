package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/reports/internal/chart"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// The reports of traffic from files and from replies: what each level
// took from its dataset, how its conversations went turn by turn, and how
// a replay kept the trace's schedule. Every renderer shows the same lines
// (sections); the HTML page adds charts of TTFT by turn and of the
// schedule against the sends.

// datasetLines says, per level of a dataset profile, which file it read,
// how many records it sent and which it left out on the way, and how their
// lengths were counted.
func datasetLines(run *schema.Run) []string {
	var out []string
	for i := range run.Stages {
		st := &run.Stages[i]
		d := st.Dataset
		if d == nil {
			continue
		}
		l := fmt.Sprintf("%s: %s (%s): %d records sent of %d usable, lengths %s", st.ID, d.File, d.Format, d.Used, d.Entries, measuredWords(d.Measured))
		if len(d.Skipped) > 0 {
			var parts []string
			for _, r := range slices.Sorted(maps.Keys(d.Skipped)) {
				parts = append(parts, fmt.Sprintf("%d %s", d.Skipped[r], strings.ReplaceAll(r, "_", " ")))
			}
			l += "; left out on the way: " + strings.Join(parts, ", ")
		}
		out = append(out, l)
	}
	return out
}

func measuredWords(m string) string {
	if m == schema.MeasuredTokenizer {
		return "counted by the server's tokenizer"
	}
	return "counted in words (the server has no tokenizer: an approximation)"
}

// sessionLines says, per conversation level, how its sessions went and its
// TTFT and prompt tokens by turn.
func sessionLines(run *schema.Run) []string {
	var out []string
	for i := range run.Stages {
		st := &run.Stages[i]
		s := st.Sessions
		if s == nil {
			continue
		}
		l := fmt.Sprintf("%s: %d sessions, %d completed every turn, %s turns each on average, duration p50 %s ms",
			st.ID, s.Started, s.Completed, format.DistStat(s.Turns, "mean"), format.DistStat(s.Duration, "p50"))
		if s.HistoryCut > 0 {
			l += fmt.Sprintf("; %d ended early: their replies outgrew the client's bound on history", s.HistoryCut)
		}
		ttft, in := make([]string, len(s.ByTurn)), make([]string, len(s.ByTurn))
		for j, t := range s.ByTurn {
			ttft[j] = fmt.Sprintf("%d: %s (%d)", t.Turn, format.DistStat(t.TTFT, "p50"), t.Completed)
			in[j] = fmt.Sprintf("%d: %s", t.Turn, format.DistStat(t.InputTokens, "mean"))
		}
		out = append(out, l,
			st.ID+": TTFT p50 by turn (ms, completed turns): "+strings.Join(ttft, ", "),
			st.ID+": prompt tokens by turn (mean, history included): "+strings.Join(in, ", "))
	}
	return out
}

// replayLines says, per replay level, the trace it sent, how late its
// requests left against the schedule, and the trace's block reuse beside
// the server's prefix-cache hit rate.
func replayLines(run *schema.Run) []string {
	var out []string
	for i := range run.Stages {
		st := &run.Stages[i]
		r := st.Replay
		if r == nil {
			continue
		}
		lag := st.Client.SendLag
		l := fmt.Sprintf("%s: %d records of %s at ×%s over %s s; send lag against the schedule p50 %s ms, p99 %s ms, max %s ms",
			st.ID, r.Records, r.File, format.Float(r.Speed), strconv.FormatFloat(r.SpanS, 'f', 1, 64),
			format.DistStat(lag, "p50"), format.DistStat(lag, "p99"), distMax(lag))
		if st.Client.Bottleneck != "" {
			l += " (behind: " + st.Client.Bottleneck + ")"
		}
		l += fmt.Sprintf("; blocks shared in the trace %.1f%% of prompt tokens", 100*r.BlockReuse)
		if rate, ok := st.Server.PrefixCacheHitRate(); ok {
			l += fmt.Sprintf(", prefix cache hit rate %.1f%%", 100*rate)
		}
		out = append(out, l)
	}
	return out
}

// trafficSections are the datasets, conversations and replays sections,
// in the order every report shows them.
func trafficSections(run *schema.Run) []section {
	return []section{{"Datasets", datasetLines(run)}, {"Conversations", sessionLines(run)}, {"Replays", replayLines(run)}}
}

// maxTrafficCharts bounds the charts of one kind on a page.
const maxTrafficCharts = 24

// trafficCharts draws TTFT and prompt tokens by turn for each conversation
// level, and the schedule against the sends for each replay level.
func trafficCharts(run *schema.Run) []chartView {
	var out []chartView
	for i := range run.Stages {
		st := &run.Stages[i]
		if len(out) >= maxTrafficCharts {
			break
		}
		if s := st.Sessions; s != nil && len(s.ByTurn) > 0 {
			out = appendChart(out, turnSpec(st.ID, s))
		}
		if r := st.Replay; r != nil && len(r.Timeline.Sent) > 0 {
			out = appendChart(out, replayTimelineSpec(st.ID, r))
		}
	}
	return out
}

// turnSpec is TTFT p50 and p99 by turn index.
func turnSpec(id string, s *schema.SessionStats) chart.Spec {
	spec := chart.Spec{Title: id + ": TTFT by turn (ms)", XTitle: "turn", YTitle: "ms",
		Series: []chart.Series{{Name: "p50"}, {Name: "p99"}}}
	for _, t := range s.ByTurn {
		spec.X = append(spec.X, strconv.Itoa(t.Turn))
		spec.Series[0].Values = append(spec.Series[0].Values, format.P(t.TTFT, 50))
		spec.Series[1].Values = append(spec.Series[1].Values, format.P(t.TTFT, 99))
	}
	return spec
}

// replayTimelineSpec is the requests the trace scheduled and those sent, per
// interval of the schedule: a replay that keeps up draws two equal bars.
func replayTimelineSpec(id string, r *schema.ReplayStats) chart.Spec {
	t := r.Timeline
	n := min(len(t.Scheduled), len(t.Sent))
	spec := chart.Spec{Title: fmt.Sprintf("%s: requests per %s s, scheduled and sent", id, format.Float(t.StepS)),
		XTitle: "s from the first scheduled send", YTitle: "requests", Bar: true, X: make([]string, n),
		Series: []chart.Series{{Name: "scheduled", Values: make([]float64, n)}, {Name: "sent", Values: make([]float64, n)}}}
	for i := range n {
		spec.X[i] = format.Float(float64(i) * t.StepS)
		spec.Series[0].Values[i], spec.Series[1].Values[i] = float64(t.Scheduled[i]), float64(t.Sent[i])
	}
	return spec
}

// distMax is a distribution's maximum, or n/a when nothing was measured.
func distMax(d schema.Dist) string {
	if !d.Measured() {
		return format.NA
	}
	return format.Num(d.Max)
}
