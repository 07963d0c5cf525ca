package search

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// saturating returns a monotone probe that passes every level <= sat and
// records the levels it was asked for.
func saturating(sat float64, asked *[]float64) ProbeFunc {
	return func(_ context.Context, level float64) (Outcome, error) {
		*asked = append(*asked, level)
		if level <= sat {
			return Outcome{Passed: true}, nil
		}
		return Outcome{FailedThreshold: "ttft.p99 < 500"}, nil
	}
}

func TestRunTable(t *testing.T) {
	tests := []struct {
		name      string
		o         Options
		sat       float64
		want      []float64 // expected probe sequence
		found     bool
		best      float64
		failing   float64
		exhausted bool
	}{
		{
			name:  "concurrency saturating at 37",
			o:     Options{From: 1, To: 256, Integer: true},
			sat:   37,
			want:  []float64{1, 2, 4, 8, 16, 32, 64, 48, 40, 36, 38, 37},
			found: true, best: 37, failing: 38,
		},
		{
			name:  "max probes ends the bisection",
			o:     Options{From: 1, To: 256, Integer: true, MaxProbes: 9},
			sat:   37,
			want:  []float64{1, 2, 4, 8, 16, 32, 64, 48, 40},
			found: true, best: 32, failing: 40, exhausted: true,
		},
		{
			name:  "max probes ends the sweep",
			o:     Options{From: 1, To: 256, Integer: true, MaxProbes: 3},
			sat:   37,
			want:  []float64{1, 2, 4},
			found: true, best: 4, exhausted: true,
		},
		{
			name:    "from fails",
			o:       Options{From: 4, To: 64, Integer: true},
			sat:     2,
			want:    []float64{4},
			failing: 4,
		},
		{
			name:  "to passes, capped sweep",
			o:     Options{From: 3, To: 20, Integer: true},
			sat:   1000,
			want:  []float64{3, 6, 12, 20},
			found: true, best: 20,
		},
		{
			name:  "from equals to",
			o:     Options{From: 8, To: 8, Integer: true},
			sat:   10,
			want:  []float64{8},
			found: true, best: 8,
		},
		{
			name:  "failure at the cap bisects below it",
			o:     Options{From: 3, To: 20, Integer: true},
			sat:   15,
			want:  []float64{3, 6, 12, 20, 16, 14, 15},
			found: true, best: 15, failing: 16,
		},
		{
			name:  "rate with float resolution",
			o:     Options{From: 1, To: 64, Resolution: 0.5},
			sat:   13.3,
			want:  []float64{1, 2, 4, 8, 16, 12, 14, 13, 13.5},
			found: true, best: 13, failing: 13.5,
		},
		{
			name:  "rate rounds midpoints to a quarter of the resolution",
			o:     Options{From: 0.3, To: 10, Resolution: 0.2},
			sat:   1.0,
			want:  []float64{0.3, 0.6, 1.2, 0.9, 1.05},
			found: true, best: 0.9, failing: 1.05,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var asked []float64
			r, err := Run(context.Background(), withScenarioDefaults(tc.o), saturating(tc.sat, &asked))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !reflect.DeepEqual(asked, tc.want) {
				t.Errorf("probed %v, want %v", asked, tc.want)
			}
			if r.Found != tc.found || r.Best != tc.best || r.FirstFailing != tc.failing || r.Exhausted != tc.exhausted {
				t.Errorf("got found=%v best=%v failing=%v exhausted=%v, want %v %v %v %v",
					r.Found, r.Best, r.FirstFailing, r.Exhausted, tc.found, tc.best, tc.failing, tc.exhausted)
			}
			if len(r.Probes) != len(asked) {
				t.Fatalf("recorded %d probes, ran %d", len(r.Probes), len(asked))
			}
			wantThreshold := ""
			if tc.failing > 0 {
				wantThreshold = "ttft.p99 < 500"
			}
			if r.FailedThreshold != wantThreshold {
				t.Errorf("failed threshold %q, want %q", r.FailedThreshold, wantThreshold)
			}
		})
	}
}

// withScenarioDefaults fills what schema's defaults pass fills in a
// scenario: the package itself takes no defaults.
func withScenarioDefaults(o Options) Options {
	if o.Resolution == 0 {
		o.Resolution = schema.DefaultSearchRateResolution
		if o.Integer {
			o.Resolution = schema.DefaultSearchResolution
		}
	}
	if o.MaxProbes == 0 {
		o.MaxProbes = schema.DefaultSearchProbes
	}
	return o
}

func TestRunDefaultsKeepSaturationWithinResolution(t *testing.T) {
	var asked []float64
	o := withScenarioDefaults(Options{From: 1, To: 256, Integer: true})
	r, err := Run(context.Background(), o, saturating(37, &asked))
	if err != nil {
		t.Fatal(err)
	}
	if r.Best < 37-o.Resolution || r.Best > 37 {
		t.Errorf("best %v not in [36, 37]", r.Best)
	}
	if len(asked) > o.MaxProbes {
		t.Errorf("%d probes exceed the default budget %d", len(asked), o.MaxProbes)
	}
}

func TestRunRejectsZeroResolutionAndProbes(t *testing.T) {
	_, err := Run(context.Background(), Options{From: 1, To: 4, Integer: true}, saturating(2, new([]float64)))
	if err == nil || !strings.Contains(err.Error(), "resolution 0 must be positive") ||
		!strings.Contains(err.Error(), "max probes 0 must be at least 1") {
		t.Fatalf("Run with zero resolution and probes = %v", err)
	}
}

func TestRunRecordsEachProbeOutcome(t *testing.T) {
	var asked []float64
	r, err := Run(context.Background(), withScenarioDefaults(Options{From: 1, To: 16, Integer: true}), saturating(5, &asked))
	if err != nil {
		t.Fatal(err)
	}
	want := []ProbeRecord{
		{Level: 1, Passed: true}, {Level: 2, Passed: true}, {Level: 4, Passed: true},
		{Level: 8, FailedThreshold: "ttft.p99 < 500"}, {Level: 6, FailedThreshold: "ttft.p99 < 500"},
		{Level: 5, Passed: true},
	}
	if !reflect.DeepEqual(r.Probes, want) {
		t.Errorf("probes %+v, want %+v", r.Probes, want)
	}
}

func TestRunProbeErrorStopsTheSearch(t *testing.T) {
	boom := errors.New("server died")
	calls := 0
	probe := func(_ context.Context, level float64) (Outcome, error) {
		calls++
		if level == 8 {
			return Outcome{}, boom
		}
		return Outcome{Passed: true}, nil
	}
	r, err := Run(context.Background(), withScenarioDefaults(Options{From: 1, To: 64, Integer: true}), probe)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want it to wrap %v", err, boom)
	}
	if !strings.Contains(err.Error(), "level 8") {
		t.Errorf("error %q does not name the level", err)
	}
	if calls != 4 || len(r.Probes) != 3 || r.Best != 4 {
		t.Errorf("calls=%d probes=%d best=%v, want 4 calls, 3 recorded, best 4", calls, len(r.Probes), r.Best)
	}
}

func TestRunStopsWhenContextIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	probe := func(_ context.Context, level float64) (Outcome, error) {
		calls++
		if level == 4 {
			cancel()
		}
		return Outcome{Passed: true}, nil
	}
	r, err := Run(ctx, withScenarioDefaults(Options{From: 1, To: 64, Integer: true}), probe)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if calls != 3 || r.Best != 4 || !r.Found {
		t.Errorf("calls=%d best=%v found=%v, want 3 calls and best 4", calls, r.Best, r.Found)
	}
}

func TestRunRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"zero from", Options{From: 0, To: 4}, "from 0 must be a positive number"},
		{"to below from", Options{From: 8, To: 4}, "to 4 must be a number no lower than from 8"},
		{"fractional integer bounds", Options{From: 1.5, To: 4, Integer: true}, "must have whole-number bounds"},
		{"negative resolution", Options{From: 1, To: 4, Resolution: -1}, "resolution -1 must be positive"},
		{"negative probes", Options{From: 1, To: 4, MaxProbes: -2}, "max probes -2 must be at least 1"},
		{"nan", Options{From: math.NaN(), To: 4}, "from NaN must be a positive number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			_, err := Run(context.Background(), tc.o, func(context.Context, float64) (Outcome, error) {
				called = true
				return Outcome{}, nil
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if called {
				t.Error("probe ran despite invalid options")
			}
		})
	}
}

// TestRunPropertyMonotone checks the documented guarantees over many
// saturation points, integer and real, with default and generous budgets.
func TestRunPropertyMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		o := randomOptions(rng)
		sat := o.From/2 + rng.Float64()*(o.To*1.5)
		if o.Integer && rng.IntN(2) == 0 {
			sat = math.Floor(sat)
		}
		var asked []float64
		r, err := Run(context.Background(), o, saturating(sat, &asked))
		if err != nil {
			t.Fatalf("%+v sat=%v: %v", o, sat, err)
		}
		checkGuarantees(t, o, sat, asked, r)
	}
}

func randomOptions(rng *rand.Rand) Options {
	o := Options{Integer: rng.IntN(2) == 0}
	if rng.IntN(3) == 0 {
		o.MaxProbes = 40 // enough to always converge
	}
	if o.Integer {
		o.From = float64(1 + rng.IntN(8))
		o.To = o.From + float64(rng.IntN(500))
		return withScenarioDefaults(o)
	}
	o.From = 0.1 + rng.Float64()*4
	o.To = o.From + rng.Float64()*200
	o.Resolution = []float64{0, 0.1, 0.25, 1}[rng.IntN(4)]
	return withScenarioDefaults(o)
}

func checkGuarantees(t *testing.T, o Options, sat float64, asked []float64, r Result) {
	t.Helper()
	seen := map[float64]bool{}
	for _, l := range asked {
		if seen[l] || l < o.From || l > o.To || (o.Integer && l != math.Trunc(l)) {
			t.Fatalf("%+v sat=%v: bad probe %v in %v", o, sat, l, asked)
		}
		seen[l] = true
	}
	if len(asked) > o.MaxProbes {
		t.Fatalf("%+v sat=%v: %d probes over budget", o, sat, len(asked))
	}
	switch {
	case sat < o.From:
		if r.Found || r.FirstFailing != o.From || len(asked) != 1 {
			t.Fatalf("%+v sat=%v: from fails but got %+v", o, sat, r)
		}
	case sat >= o.To && !r.Exhausted:
		if !r.Found || r.Best != o.To || r.FirstFailing != 0 {
			t.Fatalf("%+v sat=%v: to passes but got %+v", o, sat, r)
		}
	default:
		if !r.Found || r.Best > sat || (r.FirstFailing != 0 && r.FirstFailing <= sat) {
			t.Fatalf("%+v sat=%v: bracket wrong: %+v", o, sat, r)
		}
		if !r.Exhausted && r.FirstFailing-r.Best > math.Max(o.Resolution, boolFloat(o.Integer)) {
			t.Fatalf("%+v sat=%v: gap %v over resolution: %+v", o, sat, r.FirstFailing-r.Best, r)
		}
		if o.MaxProbes >= 40 && r.Exhausted {
			t.Fatalf("%+v sat=%v: did not converge in 40 probes: %v", o, sat, asked)
		}
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestRunNoisyProbeStillReportsMeasuredLevels checks the promise that holds
// without monotonicity: Best was measured passing, FirstFailing failing, no
// level twice, and the budget holds.
func TestRunNoisyProbeStillReportsMeasuredLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		o := randomOptions(rng)
		outcomes := map[float64]bool{}
		probe := func(_ context.Context, level float64) (Outcome, error) {
			if _, dup := outcomes[level]; dup {
				t.Fatalf("level %v probed twice", level)
			}
			outcomes[level] = rng.IntN(3) > 0
			return Outcome{Passed: outcomes[level]}, nil
		}
		r, err := Run(context.Background(), o, probe)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Probes) > o.MaxProbes {
			t.Fatalf("%d probes over budget %d", len(r.Probes), o.MaxProbes)
		}
		if passed, ok := outcomes[r.Best]; r.Found && (!ok || !passed) {
			t.Fatalf("best %v was not measured passing: %v", r.Best, outcomes)
		}
		if failed, ok := outcomes[r.FirstFailing]; r.FirstFailing != 0 && (!ok || failed) {
			t.Fatalf("first failing %v was not measured failing: %v", r.FirstFailing, outcomes)
		}
		if r.FirstFailing != 0 && r.Best >= r.FirstFailing {
			t.Fatalf("best %v not below first failing %v", r.Best, r.FirstFailing)
		}
	}
}
