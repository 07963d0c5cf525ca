package schema

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/servebench/servebench/schema/dataset"
)

// The checks of datasets, conversations and replays. A file a scenario
// names is read here, as the run will read it: `validate` says that it
// exists, that every record parses (FILE:LINE of each broken one), and
// that every stage finds the records it needs, before a server starts.
// Lengths are counted in words (dataset.WordLengths), the built-in
// simulator's tokens; the run measures them again with the server's
// tokenizer.

// dataContext is the context of file reads during validation.
func (v *validator) dataContext() context.Context {
	if v.r.ctx != nil {
		return v.r.ctx
	}
	return context.Background()
}

// datasetProfile checks a profile that reads a dataset: no length key
// beside it, bounds that agree, and the file.
func (v *validator) datasetProfile(path, name string, p Profile) {
	for _, k := range []string{"input", "output", "mix", "prefix"} {
		if v.r.present(path + "." + k) {
			v.r.errorf(path+"."+k, "profile %q reads its prompts from a dataset, so %s does not apply: each record gives its prompt "+
				"and output length (dataset.output_tokens is the output of a jsonl record without one)", name, k)
		}
	}
	d := p.Dataset
	dp := path + ".dataset"
	for _, b := range []struct {
		key      string
		min, max int
	}{{"input", d.MinInput, d.MaxInput}, {"output", d.MinOutput, d.MaxOutput}} {
		if b.min > 0 && b.max > 0 && b.min > b.max {
			v.r.errorf(dp+".min_"+b.key, "%s: min_%s %d is above max_%s %d: no record would fit", dp, b.key, b.min, b.key, b.max)
		}
	}
	if c := p.Conversation; c != nil && d.Format == string(dataset.JSONL) {
		v.r.errorf(path+".conversation", "profile %q: a conversation replays the human turns of sharegpt records; "+
			"a jsonl record is one request (its messages are sent as they are): drop conversation or use a sharegpt file", name)
	}
	if !slices.Contains(dataset.PromptFormats, dataset.Format(d.Format)) || d.File == "" {
		return // the shape check reported the format or the file
	}
	prompts, err := OpenDataset(v.dataContext(), v.sc.DataPath(d.File), d.Options())
	if err != nil {
		v.dataErrors(dp+".file", fmt.Sprintf("profile %q: ", name), err)
		return
	}
	if v.datasets == nil {
		v.datasets = map[string]*dataset.Prompts{}
	}
	v.datasets[name] = prompts
}

// dataErrors reports a file's problems: one diagnostic per broken record,
// each with the record's FILE:LINE in its message.
func (v *validator) dataErrors(path, prefix string, err error) {
	var list *dataset.ErrorList
	if !errors.As(err, &list) {
		v.r.errorf(path, "%s%v", prefix, err)
		return
	}
	for _, e := range list.List {
		v.r.errorf(path, "%s%v", prefix, e)
	}
	if list.More > 0 {
		v.r.errorf(path, "%s%s: and %d more broken records", prefix, list.List[0].File, list.More)
	}
}

// conversationShape checks what a conversation needs wherever it is
// written: chat messages to carry its history.
func (v *validator) conversationShape(path string) {
	if v.sc.API.Endpoint != EndpointChat {
		v.r.errorf(path, "a conversation sends its history as chat messages: set api.endpoint: chat (it is %q)", v.sc.API.Endpoint)
	}
}

// stageData checks a stage's replay, and the datasets and conversations of
// its profiles against what the stage sends.
func (v *validator) stageData(p string, st *Stage) {
	if st.Replay != nil {
		v.replay(p, st)
	}
	if st.Conversation != nil {
		v.conversationShape(p + ".conversation")
	}
	for j, name := range st.Profile {
		prof, ok := v.sc.ProfileFor(name)
		if !ok {
			continue // reported by stageProfiles
		}
		path := p + ".profile"
		if len(st.Profile) > 1 || v.r.nodes[index(path, j)] != nil {
			path = index(path, j)
		}
		conv := v.sc.ConversationFor(st, name)
		if conv != nil {
			v.conversationLength(path, st, name, prof, conv)
		}
		if prof.Dataset != nil {
			v.datasetNeeds(path, st, name, prof)
		}
	}
}

// conversationLength checks that a synthetic conversation says how many
// turns it has, and that its last turn, which carries every earlier one,
// fits the context.
func (v *validator) conversationLength(path string, st *Stage, name string, prof Profile, c *Conversation) {
	if prof.Dataset != nil {
		if st.Conversation != nil && prof.Dataset.Format == string(dataset.JSONL) {
			v.r.errorf(path, "stage %q: a conversation replays the human turns of sharegpt records, but profile %q reads a jsonl file, "+
				"whose records are one request each", st.Name, name)
		}
		return
	}
	if c.Turns == 0 {
		v.r.errorf(path, "stage %q: the conversation of profile %q needs turns, how many turns a session has (e.g. conversation: {turns: 5})", st.Name, name)
		return
	}
	limit := v.sc.MaxModelLen()
	prefix, in, out := prof.Worst()
	need := prefix + c.Turns*(in+out)
	if limit <= 0 || need <= limit {
		return
	}
	sum := fmt.Sprintf("%d × (%d + %d) = %d", c.Turns, in, out, need)
	if prefix > 0 {
		sum = fmt.Sprintf("%d + %d × (%d + %d) = %d (the prefix is sent once)", prefix, c.Turns, in, out, need)
	}
	v.r.errorf(path, "stage %q: a conversation of %d turns of profile %q carries every earlier turn, so its last turn needs up to %s tokens, "+
		"but max_model_len is %d (the server would answer: This model's maximum context length is %d tokens); "+
		"lower turns, the profile's input or output, or raise max_model_len", st.Name, c.Turns, name, sum, limit, limit)
}

// datasetNeeds walks the stage's records as the run will (in words) and
// reports a stage that would run out of them, a record the over-length
// policy stops at, and chat records the completions endpoint cannot send.
func (v *validator) datasetNeeds(path string, st *Stage, name string, prof Profile) {
	d := prof.Dataset
	prompts := v.datasets[name]
	if prompts == nil {
		return // the file's problems are reported
	}
	need := st.Warmup + st.Requests
	if st.Requests == 0 && !d.Wrap {
		v.r.errorf(path, "stage %q ends by duration, so it may take more records of profile %q's dataset than the %d it has: "+
			"set dataset.wrap: true to start over, or end the stage by requests", st.Name, name, prompts.Len())
		return
	}
	if d.Wrap {
		// One pass visits every record and later passes repeat its choices;
		// a pass finds whether any record fits, and the whole of one checks
		// every record against the over-length policy "fail".
		need = max(min(need, prompts.Len()), 1)
		if d.OverLength == OverLengthFail {
			need = prompts.Len()
		}
	}
	s, err := prompts.Sampler(d.Sampling(v.sc.Seed, v.sc.MaxModelLen()), DatasetStage(st.Name, name), dataset.WordLengths(d.OutputTokens))
	if err != nil {
		v.r.errorf(path, "stage %q: %v", st.Name, err)
		return
	}
	chat := v.sc.API.Endpoint == EndpointChat
	for i := 0; i < need; i++ {
		smp, err := s.Next(v.dataContext())
		var ex *dataset.ExhaustedError
		switch {
		case errors.As(err, &ex):
			v.r.errorf(path, "stage %q needs %d records of profile %q (%s), but %v", st.Name, st.Warmup+st.Requests, name, needWords(st), err)
			return
		case err != nil:
			v.r.errorf(path, "stage %q: profile %q: %v", st.Name, name, err)
			return
		case smp.Messages != nil && !chat:
			v.r.errorf(path, "stage %q: %s:%d holds chat messages, which the completions endpoint cannot send: set api.endpoint: chat",
				st.Name, prompts.File(), smp.Line)
			return
		}
	}
}

// needWords says what a stage's count of records is made of.
func needWords(st *Stage) string {
	what := "requests"
	if st.Conversation != nil {
		what = "sessions"
	}
	if st.Warmup == 0 {
		return fmt.Sprintf("%d %s", st.Requests, what)
	}
	return fmt.Sprintf("%d warmup and %d measured %s", st.Warmup, st.Requests, what)
}

// replay checks a replay stage: nothing that sets another load, speeds
// that ascend, and the trace's window, every record of which must fit the
// context (a replay sends the trace as it is, so none is left out).
func (v *validator) replay(p string, st *Stage) {
	r := st.Replay
	rp := p + ".replay"
	for _, k := range []string{"profile", "conversation", "requests", "duration"} {
		if v.r.present(p + "." + k) {
			v.r.errorf(p+"."+k, "stage %q replays a trace, which sets its requests and their lengths: drop %s", st.Name, k)
		}
	}
	if r.Speed != nil {
		v.levels(rp+".speed", r.Speed.IsRange(), r.Speed.From, r.Speed.To, r.Speed.Values)
	}
	if r.To > 0 && r.To <= r.From {
		v.r.errorf(rp+".to", "%s: the window from %s to %s is empty: to must be after from", rp, r.From, r.To)
		return
	}
	if r.Format != TraceMooncake || r.File == "" {
		return // the shape check reported the format or the file
	}
	limit := v.sc.MaxModelLen()
	f := dataset.Filter{MaxModelLen: limit, OverLength: dataset.Skip}
	stats, err := dataset.CheckTrace(v.dataContext(), v.sc.DataPath(r.File), r.TraceOptions(), f)
	if err != nil {
		v.dataErrors(rp+".file", fmt.Sprintf("stage %q: ", st.Name), err)
		return
	}
	switch over := stats.Skipped[dataset.OverMaxModelLen]; {
	case stats.Records > MaxReplayRecords:
		v.r.errorf(rp, "stage %q: the window of the trace holds %d records, more than the %d one replay sends (it is held in memory): "+
			"replay it in parts with from and to, or first", st.Name, stats.Records, MaxReplayRecords)
	case stats.Records == 0:
		v.r.errorf(rp, "stage %q: the window of the trace (from %s to %s) holds no record", st.Name, r.From, durationOrEnd(r.To))
	case over > 0:
		v.r.errorf(rp+".file", "stage %q: %d of the %d records the replay sends need more than max_model_len %d tokens (the largest input + output is %d) "+
			"(the server would answer: This model's maximum context length is %d tokens); a replay sends every record of its window as it is: "+
			"raise max_model_len, or narrow the window with from, to or first", st.Name, over, stats.Records, limit, stats.MaxTotal, limit)
	case st.Warmup >= stats.Records:
		v.r.errorf(p+".warmup", "stage %q: warmup %d takes every one of the %d records the replay sends: warmup takes the first records, "+
			"and at least one must be measured", st.Name, st.Warmup, stats.Records)
	}
}

func durationOrEnd(d Duration) string {
	if d == 0 {
		return "the end"
	}
	return d.String()
}
