package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// trafficRun is the fixture with a dataset level, a conversation level and
// a replay level that fell behind its schedule.
func trafficRun() *schema.Run {
	run := fixtureRun()
	ms := func(vals ...float64) schema.Dist { return schema.Summarize(vals, []float64{50, 99}) }
	run.Stages[0].Dataset = &schema.DatasetUsage{File: "data/chat.jsonl", Format: "jsonl", Entries: 60, Used: 42,
		Skipped: map[string]int{"input_too_long": 20, "over_max_model_len": 1}, Measured: schema.MeasuredTokenizer}
	run.Stages[1].Sessions = &schema.SessionStats{Started: 12, Completed: 11, Duration: ms(400, 600, 800), Turns: ms(3, 3, 2), HistoryCut: 1,
		LaterTTFT: ms(10, 12), ByTurn: []schema.TurnStats{
			{Turn: 1, Sent: 12, Completed: 12, TTFT: ms(50, 60), E2EL: ms(90), InputTokens: ms(300, 310)},
			{Turn: 2, Sent: 12, Completed: 11, TTFT: ms(11, 13), E2EL: ms(70), InputTokens: ms(700)},
		}}
	run.Stages[1].Lengths = &schema.LengthStats{RequestedOutput: ms(5, 6), Output: ms(5, 6)}
	rp := &run.Stages[2]
	rp.Replay = &schema.ReplayStats{File: "data/mooncake.jsonl", Speed: 2, Records: 80, SpanS: 20.5, BlockReuse: 0.343,
		Timeline: schema.Timeline{StepS: 0.5, Scheduled: []int{3, 4, 0}, Sent: []int{2, 4, 1}}}
	rp.Client.SendLag = ms(0.5, 1, 30)
	rp.Client.Bottleneck = "requests left 29.4 ms late (p99) against the trace's schedule"
	rp.Server = &schema.ServerMetrics{Available: true,
		Counters: map[string]float64{schema.CounterPrefixCacheQueries: 1000, schema.CounterPrefixCacheHits: 340}}
	return run
}

// Every renderer says what each level took from its dataset, how its
// conversations went by turn and how its replay kept the schedule; the
// HTML page draws TTFT by turn and the schedule against the sends.
func TestTrafficSections(t *testing.T) {
	run := trafficRun()
	want := map[string][]string{
		"dataset": {"sweep/safe/c1: data/chat.jsonl (jsonl): 42 records sent of 60 usable, lengths counted by the server's tokenizer; " +
			"left out on the way: 20 input too long, 1 over max model len"},
		"sessions": {
			"sweep/safe/c4: 12 sessions, 11 completed every turn, 2.67 turns each on average, duration p50 600.0 ms; 1 ended early: their replies outgrew the client's bound on history",
			"sweep/safe/c4: TTFT p50 by turn (ms, completed turns): 1: 55.00 (12), 2: 12.00 (11)",
			"sweep/safe/c4: prompt tokens by turn (mean, history included): 1: 305.0, 2: 700.0"},
		"replay": {"sweep/safe/c8: 80 records of data/mooncake.jsonl at ×2 over 20.5 s; send lag against the schedule p50 1.00 ms, p99 29.42 ms, max 30.00 ms " +
			"(behind: requests left 29.4 ms late (p99) against the trace's schedule); blocks shared in the trace 34.3% of prompt tokens, prefix cache hit rate 34.0%"},
	}
	for name, got := range map[string][]string{"dataset": datasetLines(run), "sessions": sessionLines(run), "replay": replayLines(run)} {
		if strings.Join(got, "\n") != strings.Join(want[name], "\n") {
			t.Errorf("%s lines:\n%s\nwant:\n%s", name, strings.Join(got, "\n"), strings.Join(want[name], "\n"))
		}
	}
	var term, md, page bytes.Buffer
	if err := Terminal(&term, run, "", false); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, run); err != nil {
		t.Fatal(err)
	}
	if err := HTML(&page, run); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"terminal": term.String(), "markdown": md.String(), "html": page.String()} {
		for _, w := range []string{"Datasets", "Conversations", "Replays", "42 records sent", "TTFT p50 by turn", "blocks shared in the trace"} {
			if !strings.Contains(out, w) {
				t.Errorf("%s report lacks %q", name, w)
			}
		}
	}
	for _, w := range []string{"Conversations and replays", "sweep/safe/c4: TTFT by turn (ms)", "sweep/safe/c8: requests per 0.5 s, scheduled and sent"} {
		if !strings.Contains(page.String(), w) {
			t.Errorf("html report lacks %q", w)
		}
	}
	if !strings.Contains(term.String(), "sweep/safe/c4: output asked") || strings.Contains(term.String(), "sweep/safe/c4: input") {
		t.Error("a conversation level's token lengths should show its outputs, not compare a turn's message with its whole prompt")
	}
}
