package schema

import (
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
		v.stageLoad(p, st)
		v.stageEnd(p, st)
		v.stageCounts(p, st)
		v.slo(p+".slo", st.SLO)
	}
}

// stageProfiles checks that every profile exists and fits the context.
func (v *validator) stageProfiles(p string, st *Stage) {
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
		v.levels(p+".concurrency", st.Concurrency)
	}
	if st.Rate != nil {
		set = append(set, "rate")
		v.rates(p+".rate", st.Rate)
	}
	if st.Search != nil {
		set = append(set, "search")
		v.search(p+".search", st)
	}
	switch len(set) {
	case 0:
		v.r.errorf(p, "stage %q sets none of concurrency, rate or search: set exactly one", st.Name)
	case 1:
	default:
		v.r.errorf(p+"."+set[1], "stage %q sets %s: set exactly one of concurrency, rate or search",
			st.Name, strings.Join(set, " and "))
	}
	openLoop := st.Rate != nil || (st.Search != nil && st.Search.Rate != nil)
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

// levels checks a concurrency: positive, ascending and unique.
func (v *validator) levels(path string, l *Levels) {
	if l.From != 0 || l.To != 0 || l.Step != 0 {
		v.levelRange(path, float64(l.From), float64(l.To), float64(l.Step), 1, len(l.Values))
		return
	}
	vals := make([]float64, len(l.Values))
	for i, x := range l.Values {
		vals[i] = float64(x)
	}
	v.levelList(path, vals, 1)
}

// rates checks a request rate: positive, ascending and unique.
func (v *validator) rates(path string, l *RateLevels) {
	if l.From != 0 || l.To != 0 || l.Step != 0 {
		v.levelRange(path, l.From, l.To, l.Step, 0, len(l.Values))
		return
	}
	v.levelList(path, l.Values, 0)
}

// levelRange checks {from, to, step}; min is the smallest valid level (1
// for concurrency) or 0 for rates, which must be strictly positive.
func (v *validator) levelRange(path string, from, to, step, min float64, n int) {
	switch {
	case from < min || (min == 0 && from <= 0):
		v.r.errorf(path+".from", "%s range must start at a positive level, got from %v", path, from)
	case !(step > 0):
		v.r.errorf(path+".step", "%s range step must be positive, got %v", path, step)
	case from > to:
		v.r.errorf(path, "%s range is descending (from %v to %v): from must not exceed to", path, from, to)
	case n == 0:
		v.r.errorf(path, "%s range from %v to %v by %v expands to more than %d levels", path, from, to, step, maxLevels)
	}
}

// levelList checks an explicit list of levels.
func (v *validator) levelList(path string, vals []float64, min float64) {
	if len(vals) == 0 {
		v.r.errorf(path, "%s is empty: give at least one level", path)
		return
	}
	for i, x := range vals {
		p := path
		if len(vals) > 1 {
			p = index(path, i)
		}
		switch {
		case x < min || !(x > 0):
			v.r.errorf(p, "%s must be positive, got %v", path, x)
		case i > 0 && x <= vals[i-1]:
			v.r.errorf(p, "%s must be ascending and unique: %v follows %v", path, x, vals[i-1])
		}
	}
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
	if s.Resolution < 0 || (s.Resolution == 0 && v.r.present(path+".resolution")) {
		v.r.errorf(path+".resolution", "%s.resolution must be positive, got %v", path, s.Resolution)
	}
	if s.MaxProbes < 0 || (s.MaxProbes == 0 && v.r.present(path+".max_probes")) {
		v.r.errorf(path+".max_probes", "%s.max_probes must be at least 1, got %d", path, s.MaxProbes)
	}
	if len(v.sc.Thresholds) == 0 && len(st.Thresholds) == 0 && st.SLO == nil && v.sc.SLO == nil {
		v.r.errorf(path, "stage %q: a capacity search needs thresholds or an slo to decide which levels pass", st.Name)
	}
}

func (v *validator) searchRange(path string, r *SearchRange, min float64) {
	switch {
	case r.From < min || !(r.From > 0):
		v.r.errorf(path+".from", "%s.from must be positive, got %v", path, r.From)
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
	case !hasReq && !hasDur && st.Search == nil:
		v.r.errorf(p, "stage %q sets neither requests nor duration: say how the stage ends, e.g. requests: 100", st.Name)
	}
	if hasReq && st.Requests <= 0 {
		v.r.errorf(p+".requests", "%s.requests must be at least 1, got %d", p, st.Requests)
	}
	if hasDur && st.Duration <= 0 {
		v.r.errorf(p+".duration", "%s.duration must be positive, got %s", p, st.Duration)
	}
}

// stageCounts checks the remaining numbers of a stage.
func (v *validator) stageCounts(p string, st *Stage) {
	if st.Warmup < 0 {
		v.r.errorf(p+".warmup", "%s.warmup must not be negative, got %d", p, st.Warmup)
	}
	if st.Repeat < 0 || (st.Repeat == 0 && v.r.present(p+".repeat")) {
		v.r.errorf(p+".repeat", "%s.repeat must be at least 1, got %d", p, st.Repeat)
	}
	if st.MaxConcurrency < 0 {
		v.r.errorf(p+".max_concurrency", "%s.max_concurrency must not be negative, got %d", p, st.MaxConcurrency)
	}
	dists := []string{DistPoisson, DistConstant, DistGamma}
	if st.Distribution != "" && !slices.Contains(dists, st.Distribution) {
		v.r.errorf(p+".distribution", "unknown distribution %q%s; valid distributions: %s",
			st.Distribution, didYouMean(st.Distribution, dists), strings.Join(dists, ", "))
	}
	if st.Burstiness < 0 || (st.Burstiness == 0 && v.r.present(p+".burstiness")) {
		v.r.errorf(p+".burstiness", "%s.burstiness must be positive, got %v", p, st.Burstiness)
	}
	if st.Grace <= 0 && v.r.present(p+".grace") {
		v.r.errorf(p+".grace", "%s.grace must be positive, got %s", p, st.Grace)
	}
}
