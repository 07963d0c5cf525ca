package search

import (
	"context"
	"fmt"
	"math"
)

// searcher holds the state of one Run: the bracket found so far and the
// probes spent. lastPass is 0 until some level passes; firstFail is 0 until
// some level fails.
type searcher struct {
	o         Options
	probe     ProbeFunc
	res       Result
	lastPass  float64
	firstFail float64
	seen      map[float64]bool
}

// Run searches [o.From, o.To] for the highest level the probe passes. On a
// probe error or cancellation it returns the result so far with the error.
func Run(ctx context.Context, o Options, probe ProbeFunc) (Result, error) {
	if err := o.check(); err != nil {
		return Result{}, err
	}
	s := &searcher{o: o, probe: probe, seen: map[float64]bool{}}
	if err := s.sweep(ctx); err != nil {
		return s.result(), err
	}
	if err := s.bisect(ctx); err != nil {
		return s.result(), err
	}
	return s.result(), nil
}

// sweep probes From, 2·From, 4·From … (the last one capped at To) until a
// level fails, To passes, or the probe budget runs out. Doubling finds the
// order of magnitude of the saturation point in log2(To/From) probes.
func (s *searcher) sweep(ctx context.Context) error {
	for level := s.o.From; ; level = math.Min(2*level, s.o.To) {
		if len(s.res.Probes) >= s.o.MaxProbes {
			s.res.Exhausted = true
			return nil
		}
		passed, err := s.try(ctx, level)
		if err != nil || !passed || level >= s.o.To {
			return err
		}
	}
}

// bisect halves the bracket (lastPass, firstFail) until it is no wider than
// Resolution, no untried level fits inside it, or the probe budget runs out.
func (s *searcher) bisect(ctx context.Context) error {
	if s.lastPass == 0 || s.firstFail == 0 {
		return nil // From failed, To passed, or the sweep ran out of probes
	}
	for s.firstFail-s.lastPass > s.o.Resolution {
		level, ok := s.midpoint()
		if !ok {
			return nil
		}
		if len(s.res.Probes) >= s.o.MaxProbes {
			s.res.Exhausted = true
			return nil
		}
		if _, err := s.try(ctx, level); err != nil {
			return err
		}
	}
	return nil
}

// midpoint returns a level strictly inside the bracket, near its middle.
// Integer levels round down. Real levels round to a multiple of
// Resolution/4 so that the reported levels read like 12.375, not
// 12.3456789; since the bracket is wider than Resolution, the rounded
// midpoint still lies strictly inside it and the bracket still shrinks
// by nearly half each step.
func (s *searcher) midpoint() (float64, bool) {
	mid := (s.lastPass + s.firstFail) / 2
	if s.o.Integer {
		mid = math.Floor(mid)
	} else {
		grid := s.o.Resolution / 4
		mid = math.Round(mid/grid) * grid
	}
	ok := mid > s.lastPass && mid < s.firstFail && !s.seen[mid]
	return mid, ok
}

// try runs one probe and narrows the bracket with its outcome.
func (s *searcher) try(ctx context.Context, level float64) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("capacity search stopped before level %v: %w", level, err)
	}
	s.seen[level] = true
	out, err := s.probe(ctx, level)
	if err != nil {
		return false, fmt.Errorf("capacity search probe at level %v: %w", level, err)
	}
	s.res.Probes = append(s.res.Probes, ProbeRecord{Level: level, Passed: out.Passed, FailedThreshold: out.FailedThreshold})
	if out.Passed {
		s.lastPass = math.Max(s.lastPass, level)
	} else if s.firstFail == 0 || level < s.firstFail {
		s.firstFail = level
		s.res.FailedThreshold = out.FailedThreshold
	}
	return out.Passed, nil
}

// result assembles the answer from the bracket.
func (s *searcher) result() Result {
	r := s.res
	r.Found = s.lastPass > 0
	r.Best = s.lastPass
	r.FirstFailing = s.firstFail
	return r
}
