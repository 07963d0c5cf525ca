package load

import (
	"math"
	"testing"
	"time"
)

// gaps returns the n inter-arrival gaps of p in seconds.
func gaps(p Pacer, n int) []float64 {
	g := make([]float64, n)
	prev := p.Offset(0)
	for i := range n {
		o := p.Offset(i + 1)
		g[i] = (o - prev).Seconds()
		prev = o
	}
	return g
}

func meanCV(x []float64) (mean, cv float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss/float64(len(x))) / mean
}

func TestPacerGaps(t *testing.T) {
	const n = 20000
	tests := []struct {
		name       string
		dist       string
		rate, b    float64
		wantCV     float64
		cvTol      float64
		meanRelTol float64
	}{
		{"poisson", "poisson", 10, 0, 1, 0.04, 0.03},
		{"poisson ignores burstiness", "poisson", 50, 4, 1, 0.04, 0.03},
		{"constant", "constant", 7, 0, 0, 1e-6, 1e-6},
		{"gamma bursty", "gamma", 10, 0.25, 2, 0.12, 0.06},
		{"gamma smooth", "gamma", 10, 4, 0.5, 0.03, 0.02},
		{"gamma one is poisson", "gamma", 100, 1, 1, 0.04, 0.03},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPacer(tt.dist, tt.rate, tt.b, 42)
			if err != nil {
				t.Fatal(err)
			}
			mean, cv := meanCV(gaps(p, n))
			if rel := math.Abs(mean*tt.rate - 1); rel > tt.meanRelTol {
				t.Errorf("mean gap = %v s, want %v s (rel err %.4f)", mean, 1/tt.rate, rel)
			}
			if math.Abs(cv-tt.wantCV) > tt.cvTol {
				t.Errorf("CV = %.4f, want %.4f ± %.4f", cv, tt.wantCV, tt.cvTol)
			}
		})
	}
}

func TestPacerDeterministicAndReplayable(t *testing.T) {
	a, _ := NewPacer("gamma", 20, 0.5, 7)
	b, _ := NewPacer("gamma", 20, 0.5, 7)
	c, _ := NewPacer("gamma", 20, 0.5, 8)
	fwd := make([]time.Duration, 500)
	for i := range fwd {
		fwd[i] = a.Offset(i)
	}
	if fwd[0] != 0 {
		t.Errorf("Offset(0) = %v, want 0", fwd[0])
	}
	// b is asked backwards, which replays its stream from the seed.
	for i := len(fwd) - 1; i >= 0; i-- {
		if got := b.Offset(i); got != fwd[i] {
			t.Fatalf("Offset(%d) = %v backwards, %v forwards", i, got, fwd[i])
		}
		if i > 0 && fwd[i] < fwd[i-1] {
			t.Fatalf("offsets decrease at %d", i)
		}
	}
	if c.Offset(499) == fwd[499] {
		t.Error("different seeds gave the same schedule")
	}
}

func TestPacerConstantExact(t *testing.T) {
	p, _ := NewPacer("constant", 4, 0, 0)
	if got := p.Offset(10); got != 2500*time.Millisecond {
		t.Errorf("Offset(10) at 4/s = %v, want 2.5s", got)
	}
	inf, err := NewPacer("poisson", math.Inf(1), 1, 0)
	if err != nil || inf.Offset(1000) != 0 {
		t.Errorf("infinite rate: Offset(1000) = %v, %v; want 0", inf.Offset(1000), err)
	}
}

func TestNewPacerErrors(t *testing.T) {
	tests := []struct {
		name, dist string
		rate, b    float64
		want       string
	}{
		{"zero rate", "poisson", 0, 1, "pacer: rate must be positive, got 0"},
		{"negative rate", "constant", -1, 1, "pacer: rate must be positive, got -1"},
		{"nan rate", "constant", math.NaN(), 1, "pacer: rate must be positive, got NaN"},
		{"unknown", "uniform", 1, 1, `pacer: unknown distribution "uniform" (want poisson, constant or gamma)`},
		{"zero burstiness", "gamma", 1, 0, "pacer: gamma burstiness must be positive and finite, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPacer(tt.dist, tt.rate, tt.b, 1)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
