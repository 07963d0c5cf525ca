package traffic

import (
	"math"
	"slices"
	"testing"

	"github.com/servebench/servebench/schema"
)

const draws = 10_000

// inputs draws the inputs of requests 0..n-1 of a profile whose input is l.
func inputs(l schema.Length, seed int64, key string) []int {
	src := NewSynthetic(schema.Profile{Input: l, Output: schema.Fixed(1)}, seed, key)
	out := make([]int, draws)
	for i := range out {
		out[i] = src.Spec(i).Input
	}
	return out
}

func meanStd(x []int) (mean, std float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(x)))
}

// The distributions on 10,000 lengths: the mean within four standard
// errors of the specification, the standard deviation within a few
// percent, every length inside [min, max], and the bounds reached.
func TestDistributionsMatchTheirSpecification(t *testing.T) {
	for _, c := range []struct {
		name            string
		l               schema.Length
		mean, std       float64
		stdTol          float64 // relative
		min, max        int
		reachesTheEdges bool
	}{
		{"uniform", schema.Length{Distribution: schema.LengthUniform, Min: 100, Max: 1000},
			550, math.Sqrt((901*901 - 1) / 12.0), 0.03, 100, 1000, true},
		{"normal", schema.Length{Distribution: schema.LengthNormal, Mean: 512, Stddev: 64, Min: 1, Max: 4096},
			512, 64, 0.03, 1, 4096, false},
		{"lognormal", schema.Length{Distribution: schema.LengthLognormal, Mean: 800, Stddev: 400, Min: 1, Max: 1 << 30},
			800, 400, 0.08, 1, 1 << 30, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := inputs(c.l, 42, "s/p")
			mean, std := meanStd(x)
			t.Logf("mean %.2f (spec %.0f), stddev %.2f (spec %.2f), min %d, max %d", mean, c.mean, std, c.std, slices.Min(x), slices.Max(x))
			if se := c.std / math.Sqrt(draws); math.Abs(mean-c.mean) > 4*se {
				t.Errorf("mean %.2f, want %.0f ± %.2f", mean, c.mean, 4*se)
			}
			if math.Abs(std-c.std) > c.stdTol*c.std {
				t.Errorf("stddev %.2f, want %.2f ± %.0f%%", std, c.std, 100*c.stdTol)
			}
			if lo, hi := slices.Min(x), slices.Max(x); lo < c.min || hi > c.max || (c.reachesTheEdges && (lo != c.min || hi != c.max)) {
				t.Errorf("lengths span [%d, %d], want within [%d, %d]", lo, hi, c.min, c.max)
			}
		})
	}
}

// A tight normal is clipped, not redrawn: about P(Z < -0.79) of the
// lengths sit on each bound (draws below 60.5 round to 60 or less).
func TestNormalIsClippedToItsBounds(t *testing.T) {
	x := inputs(schema.Length{Distribution: schema.LengthNormal, Mean: 100, Stddev: 50, Min: 60, Max: 140}, 7, "s/p")
	atMin, atMax := 0, 0
	for _, v := range x {
		switch {
		case v < 60 || v > 140:
			t.Fatalf("length %d outside [60, 140]", v)
		case v == 60:
			atMin++
		case v == 140:
			atMax++
		}
	}
	want := 0.5 * math.Erfc(0.79/math.Sqrt2) // P(Z < -0.79)
	for _, got := range []float64{float64(atMin) / draws, float64(atMax) / draws} {
		if math.Abs(got-want) > 0.02 {
			t.Errorf("%.3f of lengths on a bound, want %.3f ± 0.02", got, want)
		}
	}
	if mean, _ := meanStd(x); math.Abs(mean-100) > 1.5 {
		t.Errorf("a symmetric clip moved the mean to %.2f", mean)
	}
}

// Lengths are a pure function of (seed, key, index): the same for one
// seed, whatever the order of asking; different for another seed or key.
func TestSequencesAreReproducible(t *testing.T) {
	l := schema.Length{Distribution: schema.LengthUniform, Min: 1, Max: 1 << 20}
	a := inputs(l, 1, "sweep/p")
	if !slices.Equal(a, inputs(l, 1, "sweep/p")) {
		t.Fatal("one seed gave two sequences")
	}
	src := NewSynthetic(schema.Profile{Input: l, Output: schema.Fixed(1)}, 1, "sweep/p")
	for i := draws - 1; i >= 0; i -= 997 {
		if got := src.Spec(i).Input; got != a[i] {
			t.Fatalf("request %d: %d asked backwards, %d in order", i, got, a[i])
		}
	}
	for _, other := range [][]int{inputs(l, 2, "sweep/p"), inputs(l, 1, "other/p")} {
		same := 0
		for i := range a {
			if a[i] == other[i] {
				same++
			}
		}
		if same > 5 {
			t.Errorf("another seed or key repeats %d of %d lengths", same, draws)
		}
	}
}

// A mix draws its entries by weight, each entry with its own lengths.
func TestMixFollowsItsWeights(t *testing.T) {
	p := schema.Profile{Mix: []schema.MixEntry{
		{Weight: 70, Input: schema.Fixed(128), Output: schema.Fixed(64)},
		{Weight: 30, Input: schema.Length{Distribution: schema.LengthUniform, Min: 2000, Max: 4000}, Output: schema.Fixed(256)},
	}}
	src := NewSynthetic(p, 3, "s/mix")
	short := 0
	for i := range draws {
		switch sp := src.Spec(i); {
		case sp.Input == 128 && sp.Output == 64:
			short++
		case sp.Input < 2000 || sp.Input > 4000 || sp.Output != 256:
			t.Fatalf("request %d: %+v belongs to no entry", i, sp)
		}
	}
	if got := float64(short) / draws; math.Abs(got-0.7) > 0.02 {
		t.Errorf("%.3f of requests from the 70%% entry", got)
	}
}

// Round robin deals groups in index order, warmup from group 1 again; the
// prefix adds to the input; random assignment spreads evenly and leaves
// the lengths as round robin drew them.
func TestPrefixGroups(t *testing.T) {
	p := schema.Profile{Input: schema.Length{Distribution: schema.LengthUniform, Min: 10, Max: 20}, Output: schema.Fixed(5),
		Prefix: &schema.Prefix{Tokens: 100, Groups: 4, Assign: schema.AssignRoundRobin}}
	rr := NewSynthetic(p, 9, "s/p")
	for i, want := range map[int]int{0: 1, 1: 2, 3: 4, 4: 1, 10: 3, -1: 1, -2: 2, -5: 1} {
		if sp := rr.Spec(i); sp.Group != want || sp.Prefix != 100 || sp.Input < 110 || sp.Input > 120 {
			t.Errorf("request %d: %+v, want group %d and 100 prefix tokens within 110..120", i, sp, want)
		}
	}
	p.Prefix.Assign = schema.AssignRandom
	random := NewSynthetic(p, 9, "s/p")
	counts := make([]int, 5)
	for i := range draws {
		sp := random.Spec(i)
		counts[sp.Group]++
		if sp.Input != rr.Spec(i).Input {
			t.Fatalf("request %d: the assignment changed its length", i)
		}
	}
	for g := 1; g <= 4; g++ {
		if math.Abs(float64(counts[g])/draws-0.25) > 0.02 {
			t.Errorf("group %d has %d of %d requests", g, counts[g], draws)
		}
	}
}

// Summarize covers exactly the warmup and measured requests of a step.
func TestSummarize(t *testing.T) {
	p := schema.Profile{Input: schema.Fixed(100), Output: schema.Fixed(10), Prefix: &schema.Prefix{Tokens: 300, Groups: 1}}
	s := Summarize(NewSynthetic(p, 1, "s/p"), 2, 8)
	if s.Requests != 10 || s.InputTokens != 4000 || s.OutputTokens != 100 || s.PrefixShare() != 0.75 ||
		s.Input.Max != 400 || s.Input.Percentiles["p99"] != 400 {
		t.Fatalf("summary %+v", s)
	}
}

func BenchmarkSpec(b *testing.B) {
	p := schema.Profile{Mix: []schema.MixEntry{
		{Weight: 1, Input: schema.Length{Distribution: schema.LengthLognormal, Mean: 512, Stddev: 256, Min: 1, Max: 4096}, Output: schema.Fixed(64)},
		{Weight: 1, Input: schema.Fixed(128), Output: schema.Length{Distribution: schema.LengthUniform, Min: 1, Max: 512}},
	}, Prefix: &schema.Prefix{Tokens: 64, Groups: 8, Assign: schema.AssignRandom}}
	src := NewSynthetic(p, 1, "s/p")
	for i := 0; b.Loop(); i++ {
		_ = src.Spec(i)
	}
}
