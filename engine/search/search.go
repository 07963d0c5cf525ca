// Package search finds the highest load a server sustains within its SLOs: a
// capacity search over concurrency or request rate.
//
// The search knows nothing about HTTP or thresholds. It asks a ProbeFunc
// whether one load level passes and chooses the next level from the answers:
// first a coarse exponential sweep (From, 2·From, 4·From … capped at To)
// until a level fails, then bisection between the last passing and the first
// failing level.
//
// Guarantees, for an SLO that is monotone in the load (every level at or
// below some saturation point s passes, every level above fails):
//
//   - Run calls the probe at most MaxProbes times and never twice at one level;
//     every level lies in [From, To] and is an integer when Integer is set.
//   - When Found and FirstFailing > 0 and not Exhausted,
//     Best <= s < FirstFailing and FirstFailing-Best <= Resolution.
//   - When To passes, Best == To and FirstFailing == 0; when From fails,
//     Found is false and FirstFailing == From.
//   - When Exhausted, Best and FirstFailing still bracket s, only more loosely.
//
// A non-monotone SLO (noise near saturation) still yields a passing Best and
// a failing FirstFailing that were both measured; only the bracketing claim is lost.
package search

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Options bound a capacity search. Every field comes from the scenario
// (schema's defaults pass fills resolution and max_probes); Run rejects
// zero values rather than picking its own.
type Options struct {
	// From is the first level probed (> 0); To the highest one (>= From).
	From, To float64
	// Integer restricts levels to whole numbers, as concurrency levels are.
	Integer bool
	// Resolution stops the bisection when (first failing − last passing) <= Resolution.
	Resolution float64
	// MaxProbes bounds the number of probes.
	MaxProbes int
}

// Outcome is what one probe found: whether every threshold held, and if not,
// the name of the (first) threshold that failed.
type Outcome struct {
	Passed          bool
	FailedThreshold string
}

// ProbeFunc runs the load at one level and judges it against the SLOs. An
// error aborts the search: it means the probe could not be judged at all
// (server down, run interrupted), not that the level failed.
type ProbeFunc func(ctx context.Context, level float64) (Outcome, error)

// ProbeRecord is one probe in the order it ran.
type ProbeRecord struct {
	Level           float64
	Passed          bool
	FailedThreshold string
}

// Result is the answer of a capacity search.
type Result struct {
	// Found is true when some level passed; Best is then the highest passing level.
	Found bool
	Best  float64
	// FirstFailing is the lowest failing level, 0 when none failed.
	FirstFailing float64
	// FailedThreshold is the threshold that failed at FirstFailing.
	FailedThreshold string
	// Probes lists every judged probe in order (not one that returned an error).
	Probes []ProbeRecord
	// Exhausted is true when MaxProbes ended the search before it reached Resolution.
	Exhausted bool
}

// check returns an error naming every invalid field.
func (o Options) check() error {
	var errs []error
	if !(o.From > 0) || math.IsInf(o.From, 0) {
		errs = append(errs, fmt.Errorf("from %v must be a positive number", o.From))
	}
	if !(o.To >= o.From) || math.IsInf(o.To, 0) {
		errs = append(errs, fmt.Errorf("to %v must be a number no lower than from %v", o.To, o.From))
	}
	if o.Integer && (o.From != math.Trunc(o.From) || o.To != math.Trunc(o.To)) {
		errs = append(errs, fmt.Errorf("integer search range [%v, %v] must have whole-number bounds", o.From, o.To))
	}
	if !(o.Resolution > 0) {
		errs = append(errs, fmt.Errorf("resolution %v must be positive", o.Resolution))
	}
	if o.MaxProbes < 1 {
		errs = append(errs, fmt.Errorf("max probes %d must be at least 1", o.MaxProbes))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid capacity search: %w", errors.Join(errs...))
	}
	return nil
}
