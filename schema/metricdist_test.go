package schema

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// The expected values are numpy's: np.mean, np.median, np.std and
// np.percentile(x, p) (method="linear"), worked out by hand.
func TestSummarizeMatchesNumpy(t *testing.T) {
	tests := []struct {
		name              string
		in                []float64
		mean, median, std float64
		min, max          float64
		pct               map[float64]float64
	}{
		{
			name: "one to ten", in: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			mean: 5.5, median: 5.5, std: 2.8722813232690143, min: 1, max: 10,
			pct: map[float64]float64{50: 5.5, 90: 9.1, 95: 9.55, 99: 9.91, 99.9: 9.991, 0: 1, 100: 10, 25: 3.25},
		},
		{
			name: "unsorted odd", in: []float64{3, 1, 2},
			mean: 2, median: 2, std: 0.816496580927726, min: 1, max: 3,
			pct: map[float64]float64{25: 1.5, 50: 2, 90: 2.8},
		},
		{
			name: "even median", in: []float64{4, 1, 3, 2},
			mean: 2.5, median: 2.5, std: 1.118033988749895, min: 1, max: 4,
			pct: map[float64]float64{75: 3.25, 99: 3.97},
		},
		{
			name: "single", in: []float64{7},
			mean: 7, median: 7, std: 0, min: 7, max: 7,
			pct: map[float64]float64{50: 7, 99: 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := slices.Clone(tt.in)
			ps := make([]float64, 0, len(tt.pct))
			for p := range tt.pct {
				ps = append(ps, p)
			}
			d := Summarize(tt.in, ps)
			if !slices.Equal(tt.in, orig) {
				t.Errorf("Summarize modified its input: %v", tt.in)
			}
			if d.Count != len(tt.in) {
				t.Errorf("count %d, want %d", d.Count, len(tt.in))
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{{"mean", d.Mean, tt.mean}, {"median", d.Median, tt.median}, {"std", d.Std, tt.std}, {"min", d.Min, tt.min}, {"max", d.Max, tt.max}} {
				if !near(c.got, c.want, 1e-12) {
					t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				}
			}
			for p, want := range tt.pct {
				got, ok := d.P(p)
				if !ok || !near(got, want, 1e-12) {
					t.Errorf("%s = %v (present %v), want %v", PercentileKey(p), got, ok, want)
				}
			}
		})
	}
}

// TestEmptyDistIsAbsent: no values is "not measured", written as null and
// never as a distribution of zeros (vLLM's np.mean(x or 0) would say 0).
func TestEmptyDistIsAbsent(t *testing.T) {
	d := Summarize(nil, DefaultPercentiles)
	if d.Measured() || d.Count != 0 {
		t.Fatalf("empty summary %+v", d)
	}
	if _, ok := d.P(99); ok {
		t.Error("an absent distribution has a p99")
	}
	b, err := json.Marshal(struct{ D Dist }{d})
	if err != nil || string(b) != `{"D":null}` {
		t.Fatalf("absent dist encodes as %s, %v", b, err)
	}
	var back struct{ D Dist }
	if err := json.Unmarshal(b, &back); err != nil || back.D.Measured() {
		t.Fatalf("null decodes as %+v, %v", back.D, err)
	}
	m, _ := json.Marshal(Summarize([]float64{1, 2}, []float64{50}))
	if string(m) != `{"count":2,"mean":1.5,"median":1.5,"std":0.5,"min":1,"max":2,"percentiles":{"p50":1.5}}` {
		t.Errorf("measured dist encodes as %s", m)
	}
}

func TestPercentileKeyBothWays(t *testing.T) {
	for _, p := range []float64{50, 90, 99, 99.9, 99.99, 0.1, 12.5} {
		k := PercentileKey(p)
		if back, ok := ParsePercentileKey(k); !ok || back != p {
			t.Errorf("%v -> %q -> %v, %v", p, k, back, ok)
		}
	}
	for _, k := range []string{"p", "p0", "p100", "p101", "p099", "p99_90", "p99_", "p_9", "p1e1", "pNaN", "p99.9", "p9_9_9", "99", "p-1", "p+5"} {
		if p, ok := ParsePercentileKey(k); ok {
			t.Errorf("%q parsed as %v", k, p)
		}
	}
}

func TestPercentilesAlwaysHaveTheDefaults(t *testing.T) {
	got := Percentiles([]float64{99.9, 50, 0, 100, -1})
	if !slices.Equal(got, []float64{50, 90, 95, 99, 99.9}) {
		t.Errorf("Percentiles = %v", got)
	}
}

func ExampleSummarize() {
	d := Summarize([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []float64{50, 99})
	p99, _ := d.P(99)
	fmt.Printf("mean %.1f median %.1f std %.4f p99 %.2f\n", d.Mean, d.Median, d.Std, p99)
	// Output: mean 5.5 median 5.5 std 2.8723 p99 9.91
}

func TestKeepPercentiles(t *testing.T) {
	ps := []float64{1, 2, 3, 50, 90, 95, 99, 99.9, 99.99, 99.999}
	if got := KeepPercentiles(ps, 6); !slices.Equal(got, []float64{50, 90, 95, 99, 99.99, 99.999}) {
		t.Errorf("kept %v", got)
	}
	if got := KeepPercentiles([]float64{99, 50, 99}, 6); !slices.Equal(got, []float64{50, 99}) {
		t.Errorf("kept %v", got)
	}
}
