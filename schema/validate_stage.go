package schema

import (
	"fmt"
	"slices"
	"strings"
)

// stages checks every stage; stage names must be unique because results,
// thresholds and reports refer to stages by name.
func (v *validator) stages() {
	if len(v.sc.Stages) == 0 {
		v.r.errorf("stages", "the scenario needs at least one stage under stages:")
		return
	}
	seen := map[string]int{}
	for i := range v.sc.Stages {
		st := &v.sc.Stages[i]
		p := index("stages", i)
		if st.Name == "" {
			v.r.errorf(p, "%s is missing the required field name", p)
		} else if j, dup := seen[st.Name]; dup {
			v.r.errorf(p+".name", "duplicate stage name %q (also stages[%d]): stage names must be unique", st.Name, j)
		} else {
			seen[st.Name] = i
		}
		v.stageProfiles(p, st)
		v.stageData(p, st)
		v.stageLoad(p, st)
		v.stageEnd(p, st)
		v.until(p, st)
		v.positiveDuration(p+".grace", st.Grace)
		v.slo(p+".slo", st.SLO)
	}
}

// stageProfiles checks that every profile exists and fits the context.
func (v *validator) stageProfiles(p string, st *Stage) {
	if len(st.Profile) == 0 && st.Replay != nil {
		return // a replay's trace gives the lengths
	}
	if len(st.Profile) == 0 {
		v.r.errorf(p+".profile", "%s.profile is empty: name at least one profile", p)
		return
	}
	for j, name := range st.Profile {
		path := p + ".profile"
		if len(st.Profile) > 1 || v.r.nodes[index(path, j)] != nil {
			path = index(path, j)
		}
		prof, ok := v.sc.ProfileFor(name)
		if !ok {
			v.r.errorf(path, "unknown profile %q%s; valid profiles: %s",
				name, didYouMean(name, v.sc.ProfileNames()), strings.Join(v.sc.ProfileNames(), ", "))
			continue
		}
		for _, limit := range v.contextLimits() {
			if !prof.Fits(limit) {
				v.r.errorf(path, "stage %q: %s", st.Name, ContextLengthMessage(name, prof, limit))
				break
			}
		}
	}
}

// contextLimits are the context lengths a request must fit: the model's and,
// when set and different, the simulator's.
func (v *validator) contextLimits() []int {
	var out []int
	if n := v.sc.Model.MaxModelLen; n > 0 {
		out = append(out, n)
	}
	if b := v.sc.Server.Builtin; b != nil && b.MaxModelLen > 0 && !slices.Contains(out, b.MaxModelLen) {
		out = append(out, b.MaxModelLen)
	}
	return out
}

// stageLoad checks that exactly one of concurrency, rate and search is set,
// and the levels it sets.
func (v *validator) stageLoad(p string, st *Stage) {
	var set []string
	if st.Concurrency != nil {
		set = append(set, "concurrency")
		v.levels(p+".concurrency", st.Concurrency.IsRange(), float64(st.Concurrency.From), float64(st.Concurrency.To), ints(st.Concurrency.Values))
	}
	if st.Rate != nil {
		set = append(set, "rate")
		v.levels(p+".rate", st.Rate.IsRange(), st.Rate.From, st.Rate.To, st.Rate.Values)
	}
	if st.Search != nil {
		set = append(set, "search")
		v.search(p+".search", st)
	}
	if st.Replay != nil {
		set = append(set, "replay")
	}
	switch len(set) {
	case 0:
		v.r.errorf(p, "stage %q sets none of concurrency, rate, search or replay: set exactly one", st.Name)
	case 1:
	default:
		v.r.errorf(p+"."+set[1], "stage %q sets %s: set exactly one of concurrency, rate, search or replay",
			st.Name, strings.Join(set, " and "))
	}
	openLoop := st.Rate != nil || (st.Search != nil && st.Search.Rate != nil) || st.Replay != nil
	if !openLoop {
		for _, f := range []struct {
			key string
			set bool
		}{{"distribution", st.Distribution != ""}, {"burstiness", st.Burstiness != 0}, {"max_concurrency", st.MaxConcurrency != 0}} {
			if f.set {
				v.r.errorf(p+"."+f.key, "stage %q: %s applies to rate stages only", st.Name, f.key)
			}
		}
	}
}

// levels checks what the schema cannot: a range ascends, a list ascends
// without repeats. (Every level is positive by the schema.)
func (v *validator) levels(path string, isRange bool, from, to float64, vals []float64) {
	if isRange {
		if from > to {
			v.r.errorf(path, "%s range is descending (from %v to %v): from must not exceed to", path, from, to)
		}
		return
	}
	for i := 1; i < len(vals); i++ {
		if vals[i] <= vals[i-1] {
			v.r.errorf(index(path, i), "%s must be ascending and unique: %v follows %v", path, vals[i], vals[i-1])
		}
	}
}

func ints(vals []int) []float64 {
	out := make([]float64, len(vals))
	for i, x := range vals {
		out[i] = float64(x)
	}
	return out
}

// search checks a capacity search and that something decides pass or fail.
func (v *validator) search(path string, st *Stage) {
	s := st.Search
	switch {
	case s.Concurrency != nil && s.Rate != nil:
		v.r.errorf(path, "%s sets both concurrency and rate: search one dimension", path)
	case s.Concurrency == nil && s.Rate == nil:
		v.r.errorf(path, "%s needs concurrency: {from, to} or rate: {from, to}", path)
	case s.Concurrency != nil:
		v.searchRange(path+".concurrency", s.Concurrency, 1)
	default:
		v.searchRange(path+".rate", s.Rate, 0)
	}
	if len(v.sc.Thresholds) == 0 && len(st.Thresholds) == 0 && st.SLO == nil && v.sc.SLO == nil {
		v.r.errorf(path, "stage %q: a capacity search needs thresholds or an slo to decide which levels pass", st.Name)
	}
}

// searchRange checks that a search range is not empty; min is the
// smallest level (1 for concurrency; rates only need to be positive, which
// the schema checks).
func (v *validator) searchRange(path string, r *SearchRange, min float64) {
	switch {
	case r.From < min:
		v.r.errorf(path+".from", "%s.from must be at least %v, got %v", path, min, r.From)
	case !(r.To > r.From):
		v.r.errorf(path, "%s is empty or descending (from %v to %v): to must exceed from", path, r.From, r.To)
	}
}

// stageEnd checks that a stage ends by requests or by duration, not both.
func (v *validator) stageEnd(p string, st *Stage) {
	hasReq := st.Requests != 0 || v.r.present(p+".requests")
	hasDur := st.Duration != 0 || v.r.present(p+".duration")
	switch {
	case hasReq && hasDur:
		v.r.errorf(p+".duration", "stage %q sets both requests and duration: a stage ends by one of them", st.Name)
	case !hasReq && !hasDur && st.Search == nil && st.Replay == nil:
		v.r.errorf(p, "stage %q sets neither requests nor duration: say how the stage ends, e.g. requests: 100", st.Name)
	}
	if hasDur {
		v.positiveDuration(p+".duration", st.Duration)
	}
}

// MaxSteps bounds the steps of one scenario: every level of every stage,
// times its profiles and repeats, whatever wrote them (a range, a list,
// repeat, or a command-line flag). 10,000 steps of one second each take
// three hours; a bigger plan is a typo (step 0.0001, repeat 2000000000),
// and would only allocate until killed.
const MaxSteps = 10_000

// planSize checks the size of the plan before anything is expanded. One
// message for every cause, so an oversized range, a repeat bomb and an
// override say the same thing.
func (v *validator) planSize() {
	total := 0
	for i := range v.sc.Stages {
		st := &v.sc.Stages[i]
		p := index("stages", i)
		n := stageSteps(st)
		before := total
		total = min(total+n.total, 1<<62)
		if total <= MaxSteps {
			continue
		}
		path := p
		switch {
		case n.repeat > n.levels && n.repeat >= n.profiles:
			path = p + ".repeat"
		case n.profiles > n.levels:
			path = p + ".profile"
		case st.Concurrency != nil:
			path = p + ".concurrency"
		case st.Rate != nil:
			path = p + ".rate"
		}
		bringing := ""
		if before > 0 {
			bringing = fmt.Sprintf(", bringing the scenario to %d", total)
		}
		v.r.errorf(path, "stage %q runs %s × %s × %s = %d steps%s; a scenario runs at most %d steps: narrow the range or list, raise its step, or lower repeat",
			st.Name, plural(n.levels, "level"), plural(n.profiles, "profile"), plural(n.repeat, "repeat"), n.total, bringing, MaxSteps)
		return
	}
}

// stepCount is how many steps one stage runs, and its factors.
type stepCount struct{ levels, profiles, repeat, total int }

// stageSteps counts a stage's steps without expanding it: levels (one for
// a capacity search) × profiles × repeats.
func stageSteps(st *Stage) stepCount {
	n := stepCount{levels: 1, profiles: max(len(st.Profile), 1), repeat: max(st.Repeat, 1)}
	switch {
	case st.Search != nil:
	case st.Concurrency != nil:
		n.levels = st.Concurrency.Len()
	case st.Rate != nil:
		n.levels = st.Rate.Len()
	case st.Replay != nil && st.Replay.Speed != nil:
		n.levels = st.Replay.Speed.Len()
	}
	n.total = satMul(satMul(n.levels, n.profiles), n.repeat)
	return n
}

// satMul multiplies non-negative counts, saturating far below overflow.
func satMul(a, b int) int {
	if a != 0 && b > (1<<62)/a {
		return 1 << 62
	}
	return a * b
}

// plural is "1 level" or "2 levels".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
