package engine

import (
	"context"
	"fmt"
	"strconv"

	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
)

// The sources of the traffic that comes from files and from replies,
// resolved once by the plan: a dataset profile's walk through its file, a
// conversation's sessions, a replay's trace. Their files were read by
// validation (a dataset's index is shared, schema.OpenDataset); the plan
// only builds the sources over them.

// TraceProfile is the Step.Profile of a replay: its lengths are the trace's.
const TraceProfile = "trace"

// newSource is the source of one stage and profile.
func newSource(sc *schema.Scenario, st *schema.Stage, name string, prof schema.Profile) (traffic.Source, error) {
	var data *traffic.Dataset
	if d := prof.Dataset; d != nil {
		p, err := schema.OpenDataset(context.Background(), sc.DataPath(d.File), d.Options())
		if err != nil {
			return nil, fmt.Errorf("stage %q: profile %q: %w", st.Name, name, err)
		}
		data, err = traffic.NewDataset(p, traffic.DatasetOptions{Spec: d, Seed: sc.Seed, Stage: schema.DatasetStage(st.Name, name),
			MaxModelLen: sc.MaxModelLen(), Warmup: st.Warmup, Chat: sc.API.Endpoint == schema.EndpointChat}, traffic.Words{})
		if err != nil {
			return nil, fmt.Errorf("stage %q: profile %q: %w", st.Name, name, err)
		}
	}
	conv := sc.ConversationFor(st, name)
	switch {
	case conv != nil && data != nil:
		return traffic.NewDatasetConversation(data, conv.Turns, conv.ThinkTime.D()), nil
	case conv != nil:
		syn := traffic.NewSynthetic(prof, sc.Seed, st.Name+"/"+name)
		return traffic.NewSyntheticConversation(syn, conv.Turns, conv.ThinkTime.D()), nil
	case data != nil:
		return data, nil
	}
	return traffic.NewSynthetic(prof, sc.Seed, st.Name+"/"+name), nil
}

// replaySteps are a replay stage's steps: one per speed and repeat, all
// sending the one window of the trace read here.
func replaySteps(v *Variant, sc *schema.Scenario, st *schema.Stage) ([]Step, error) {
	r := st.Replay
	t, err := traffic.ReadTrace(context.Background(), sc.DataPath(r.File), r.File, r.TraceOptions(), st.Warmup)
	if err != nil {
		return nil, fmt.Errorf("stage %q: %w", st.Name, err)
	}
	if t.Len() <= st.Warmup {
		return nil, fmt.Errorf("stage %q: the trace's window holds %d records, not more than warmup %d", st.Name, t.Len(), st.Warmup)
	}
	base := Step{Stage: st, Profile: TraceProfile, Lengths: traceLengths(t), Source: t, Trace: t,
		Requests: t.Len() - st.Warmup, Warmup: st.Warmup, Concurrency: st.MaxConcurrency, Variant: v}
	var out []Step
	for _, speed := range r.Speed.Values {
		for rep := 1; rep <= st.Repeat; rep++ {
			s := base
			s.Speed = speed
			if st.Repeat > 1 {
				s.Repeat = rep
			}
			s.ID = v.stepID(ReplayStepID(st.Name, speed, s.Repeat))
			out = append(out, s)
		}
	}
	return out, nil
}

// ReplayStepID names a replay level: "day/trace/x2", "day/trace/x1#2".
func ReplayStepID(stage string, speed float64, repeat int) string {
	id := stage + "/" + TraceProfile + "/x" + strconv.FormatFloat(speed, 'f', -1, 64)
	if repeat > 0 {
		id += "#" + strconv.Itoa(repeat)
	}
	return id
}

// traceLengths describes a trace's lengths as a profile, for the plan's
// tables and progress lines: the range of its inputs and outputs.
// Pre-flight checks the largest record itself (checkProfile).
func traceLengths(t *traffic.Trace) schema.Profile {
	x := t.Extremes()
	return schema.Profile{
		Input:  schema.Length{Distribution: schema.LengthUniform, Min: x.MinInput, Max: x.MaxInput},
		Output: schema.Length{Distribution: schema.LengthUniform, Min: x.MinOutput, Max: x.MaxOutput},
	}
}

// checkProfile is what pre-flight checks a step against the live context:
// its profile, or for a replay the trace's largest record. (A dataset's
// records are checked one by one by its over-length policy.)
func checkProfile(s Step) schema.Profile {
	if s.Trace == nil {
		return s.Lengths
	}
	x := s.Trace.Extremes()
	return schema.Profile{Input: schema.Fixed(x.WorstInput), Output: schema.Fixed(x.WorstOutput)}
}

// IsConversation reports whether the step's requests are turns of
// sessions, so that Requests and Warmup count sessions.
func (s Step) IsConversation() bool {
	_, ok := s.Source.(*traffic.Conversation)
	return ok
}
