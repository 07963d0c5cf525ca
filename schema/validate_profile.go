package schema

import (
	"maps"
	"math"
	"slices"
	"strings"
)

// profiles checks every profile the scenario defines, used or not, for
// what the schema cannot judge: which keys a distribution needs, bounds
// that contradict each other, and a mix written beside input and output.
// Whether a profile fits the context is the stages' check (stageProfiles),
// because it depends on which stage uses it.
func (v *validator) profiles() {
	for _, name := range slices.Sorted(maps.Keys(v.sc.Profiles)) {
		v.profile(join("profiles", name), name, v.sc.Profiles[name])
	}
}

func (v *validator) profile(path, name string, p Profile) {
	if p.Conversation != nil {
		v.conversationShape(path + ".conversation")
	}
	if p.Dataset != nil {
		v.datasetProfile(path, name, p)
		return
	}
	if len(p.Mix) == 0 && !v.r.present(path+".mix") {
		for _, k := range []string{"input", "output"} {
			if l := v.lengthOf(p, k); l.IsZero() && !v.r.present(path+"."+k) {
				v.r.errorf(path, "%s is missing the required field %s (e.g. %s: 256), or give mix: a list of {weight, input, output}", path, k, k)
			}
		}
		v.length(path+".input", p.Input)
		v.length(path+".output", p.Output)
		return
	}
	for _, k := range []string{"input", "output"} {
		if v.r.present(path + "." + k) {
			v.r.errorf(path+"."+k, "profile %q sets both mix and %s: each entry of a mix has its own input and output", name, k)
		}
	}
	for i, e := range p.Mix {
		v.length(index(path+".mix", i)+".input", e.Input)
		v.length(index(path+".mix", i)+".output", e.Output)
	}
}

func (v *validator) lengthOf(p Profile, key string) Length {
	if key == "input" {
		return p.Input
	}
	return p.Output
}

// length checks one length: a distribution has the keys its kind needs,
// and its bounds agree.
func (v *validator) length(path string, l Length) {
	if l.IsFixed() {
		if l.Fixed == 0 && v.r.present(path) {
			v.r.errorf(path, "%s is an empty distribution: give {min, max} (uniform) or {mean, stddev, max} (normal)", path)
		}
		return
	}
	if l.Distribution == LengthUniform {
		v.uniform(path, l)
	} else {
		v.bellShaped(path, l)
	}
	if l.Min > 0 && l.Max > 0 && l.Min > l.Max {
		v.r.errorf(path+".min", "%s: min %d is above max %d: min must not exceed max", path, l.Min, l.Max)
	}
}

// uniform checks a {min, max} length.
func (v *validator) uniform(path string, l Length) {
	for _, k := range []struct {
		key string
		set bool
	}{{"mean", l.Mean != 0}, {"stddev", l.Stddev != 0}} {
		if k.set {
			v.r.errorf(path+"."+k.key, "%s: %s applies to normal and lognormal lengths; a uniform length is {min, max}", path, k.key)
		}
	}
	for _, k := range []struct {
		key string
		val int
	}{{"min", l.Min}, {"max", l.Max}} {
		if k.val == 0 {
			v.r.errorf(path, "%s: a uniform length needs %s: write {min: 128, max: 1024}", path, k.key)
		}
	}
}

// bellShaped checks a normal or lognormal length: a mean and a spread, and
// a max, because the largest length is what must fit the context.
func (v *validator) bellShaped(path string, l Length) {
	d := l.Distribution
	switch {
	case l.Mean == 0 && l.Stddev != 0:
		v.r.errorf(path+".mean", "%s: stddev %v needs a mean: a %s length is {mean, stddev, min, max}", path, l.Stddev, d)
	case l.Mean == 0:
		v.r.errorf(path, "%s: a %s length needs mean and stddev: write {mean: 512, stddev: 128, max: 2048}", path, d)
	case l.Stddev == 0:
		v.r.errorf(path+".mean", "%s: a %s length needs stddev beside mean %v (a length without spread is an integer: %s: %v)",
			path, d, l.Mean, fieldKey(path), math.Round(l.Mean))
	}
	if l.Max == 0 {
		v.r.errorf(path, "%s: a %s length needs max, the longest length it sends (it is clipped there), so that validate can check the context; e.g. max: %d",
			path, d, suggestMax(l))
		return
	}
	if l.Mean != 0 && (l.Mean < float64(l.Min) || l.Mean > float64(l.Max)) && l.Min <= l.Max {
		v.r.errorf(path+".mean", "%s: mean %v lies outside min..max (%d..%d): most lengths would be clipped to a bound", path, l.Mean, l.Min, l.Max)
	}
}

// suggestMax is a max that clips little: three standard deviations above the mean.
func suggestMax(l Length) int {
	return int(min(math.Ceil(max(l.Mean, 1)+3*l.Stddev), math.MaxInt32))
}

// fieldKey is the last key of a path: "input" of "profiles.x.input".
func fieldKey(path string) string { return path[strings.LastIndexAny(path, ".[")+1:] }
