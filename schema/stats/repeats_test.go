package stats

import (
	"math"
	"testing"
)

// Reference quantiles from Student-t tables (scipy.stats.t.ppf).
func TestTQuantile(t *testing.T) {
	tests := []struct {
		p, df, want float64
	}{
		{0.975, 1, 12.706204736174707},
		{0.975, 4, 2.7764451051977987},
		{0.975, 30, 2.0422724563012373},
		{0.995, 10, 3.169272667175838},
		{0.95, 2, 2.919985580353726},
		{0.975, 1e6, 1.959966},
	}
	for _, tt := range tests {
		if got := TQuantile(tt.p, tt.df); !near(got, tt.want, 1e-6) {
			t.Errorf("t(%v, df=%v) = %v, want %v", tt.p, tt.df, got, tt.want)
		}
	}
}

func TestMeanCI(t *testing.T) {
	got := MeanCI([]float64{1, 2, 3, 4, 5}, 0.95)
	// mean 3, s = sqrt(2.5), half width t(0.975, 4)·s/sqrt(5)
	h := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if !near(got.Mean, 3, 1e-12) || !near(got.Lo, 3-h, 1e-9) || !near(got.Hi, 3+h, 1e-9) {
		t.Errorf("MeanCI = %+v, want 3 ± %v", got, h)
	}
	if one := MeanCI([]float64{7}, 0.95); one.Lo != 7 || one.Hi != 7 || one.Mean != 7 {
		t.Errorf("single value: %+v", one)
	}
	if none := MeanCI(nil, 0.95); none != (MeanCI(nil, 0.95)) || none.Mean != 0 {
		t.Errorf("empty: %+v", none)
	}
	// A wider level gives a wider interval.
	if w90, w99 := MeanCI([]float64{1, 2, 3, 4, 5}, 0.9), MeanCI([]float64{1, 2, 3, 4, 5}, 0.99); w99.Hi-w99.Lo <= w90.Hi-w90.Lo {
		t.Errorf("99%% interval %+v not wider than 90%% %+v", w99, w90)
	}
}

func TestMeanCIShrinksWithN(t *testing.T) {
	prev := math.Inf(1)
	for _, n := range []int{3, 10, 100, 1000} {
		v := make([]float64, n)
		for i := range v {
			v[i] = 100 + 10*math.Sin(float64(i)*1.7) // same spread at every n
		}
		ci := MeanCI(v, 0.95)
		w := ci.Hi - ci.Lo
		if !(w < prev) || ci.Lo > ci.Mean || ci.Hi < ci.Mean {
			t.Errorf("n=%d: width %v, previous %v (%+v)", n, w, prev, ci)
		}
		prev = w
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }
