package scrape

import (
	"math"
	"testing"
)

func TestIncreaseSurvivesCounterReset(t *testing.T) {
	tests := []struct {
		name string
		v    []float64
		want float64
	}{
		{"monotone is last minus first", []float64{100, 150, 150, 400}, 300},
		{"restart counts from zero", []float64{100, 150, 20, 50}, 50 + 20 + 30},
		{"single sample", []float64{7}, 0},
	}
	for _, tc := range tests {
		if got := increase(tc.v); got != tc.want {
			t.Errorf("%s: increase(%v) = %v, want %v", tc.name, tc.v, got, tc.want)
		}
	}
}

func TestDownsampleBoundsPointsAndKeepsShape(t *testing.T) {
	const n = 3601 // one hour at 1s, plus the final scrape
	tt, v := make([]float64, n), make([]float64, n)
	for i := range n {
		tt[i], v[i] = float64(i), float64(i%100)
	}
	ot, ov := downsample(tt, v, MaxPoints)
	if len(ot) > MaxPoints || len(ot) != len(ov) || len(ot) < MaxPoints/2 {
		t.Fatalf("%d/%d points, want at most %d and not far fewer", len(ot), len(ov), MaxPoints)
	}
	if ot[0] < 0 || ot[len(ot)-1] > n-1 {
		t.Errorf("time range [%v, %v] outside the samples", ot[0], ot[len(ot)-1])
	}
	for i := 1; i < len(ot); i++ {
		if ot[i] <= ot[i-1] {
			t.Fatalf("T not increasing at %d", i)
		}
	}
	if got, want := meanOf(ov), meanOf(v); math.Abs(got-want) > 1 {
		t.Errorf("downsampled mean %v, raw mean %v", got, want)
	}
	if st, sv := downsample(tt[:10], v[:10], MaxPoints); len(st) != 10 || len(sv) != 10 {
		t.Error("short series was changed")
	}
}

func TestSummaryDownsamplesSeriesButAggregatesEverySample(t *testing.T) {
	var r recorder
	for i := range 2000 {
		r.add(float64(i), snapshot{gauges: map[string]float64{"kv_cache_usage": float64(i%500) / 1000}}, "")
	}
	m := r.summary()
	if len(m.Series) != 1 || len(m.Series[0].T) > MaxPoints {
		t.Fatalf("series %d with %d points", len(m.Series), len(m.Series[0].T))
	}
	if a := m.Gauges["kv_cache_usage"]; a.Max != 0.499 || a.Min != 0 || a.Last != 0.499 {
		t.Errorf("aggregate %+v lost the extremes", a)
	}
}
