package dataset

import (
	"fmt"
	"strings"
)

// Lengths are an entry's token counts: what the request sends and the
// output it asks for.
type Lengths struct {
	Input, Output int
}

// Policy says what happens to an entry that does not fit max_model_len.
type Policy string

// The over-length policies.
const (
	// Skip leaves the entry out and counts it (what `vllm bench serve`
	// does with its too-long entries).
	Skip Policy = "skip"
	// Fail stops with an error naming the entry's FILE:LINE.
	Fail Policy = "fail"
)

// Filter bounds the entries a stage sends. Every bound is inclusive and 0
// means none; an entry with no input or no output token is never sent.
type Filter struct {
	MinInput, MaxInput   int
	MinOutput, MaxOutput int
	// MaxModelLen is the model's context; 0 when unknown (no check).
	MaxModelLen int
	// OverLength is the policy for an entry whose input plus output
	// exceeds MaxModelLen.
	OverLength Policy
}

// Reason says why an entry was left out.
type Reason uint8

// The reasons, in the order they are checked.
const (
	Fits Reason = iota
	InputTooShort
	InputTooLong
	OutputTooShort
	OutputTooLong
	OverMaxModelLen
	numReasons
)

// Check is Fits, or the first reason the entry is left out.
func (f Filter) Check(l Lengths) Reason {
	switch {
	case l.Input < max(f.MinInput, 1):
		return InputTooShort
	case f.MaxInput > 0 && l.Input > f.MaxInput:
		return InputTooLong
	case l.Output < max(f.MinOutput, 1):
		return OutputTooShort
	case f.MaxOutput > 0 && l.Output > f.MaxOutput:
		return OutputTooLong
	case f.MaxModelLen > 0 && l.Input+l.Output > f.MaxModelLen:
		return OverMaxModelLen
	}
	return Fits
}

// validate checks the filter's own values.
func (f Filter) validate() error {
	switch {
	case min(f.MinInput, f.MaxInput, f.MinOutput, f.MaxOutput, f.MaxModelLen) < 0:
		return fmt.Errorf("length bounds must not be negative (input %d to %d, output %d to %d, max_model_len %d)",
			f.MinInput, f.MaxInput, f.MinOutput, f.MaxOutput, f.MaxModelLen)
	case f.MaxInput > 0 && f.MinInput > f.MaxInput:
		return fmt.Errorf("the input bounds are empty: min %d > max %d", f.MinInput, f.MaxInput)
	case f.MaxOutput > 0 && f.MinOutput > f.MaxOutput:
		return fmt.Errorf("the output bounds are empty: min %d > max %d", f.MinOutput, f.MaxOutput)
	case f.OverLength != Skip && f.OverLength != Fail:
		return fmt.Errorf("over-length policy %q is not %q or %q", f.OverLength, Skip, Fail)
	}
	return nil
}

// describe words the reason with the filter's bound, for reports.
func (f Filter) describe(r Reason) string {
	switch r {
	case InputTooShort:
		return fmt.Sprintf("input under %d tokens", max(f.MinInput, 1))
	case InputTooLong:
		return fmt.Sprintf("input over %d tokens", f.MaxInput)
	case OutputTooShort:
		return fmt.Sprintf("output under %d tokens", max(f.MinOutput, 1))
	case OutputTooLong:
		return fmt.Sprintf("output over %d tokens", f.MaxOutput)
	case OverMaxModelLen:
		return fmt.Sprintf("input + output over max_model_len %d", f.MaxModelLen)
	}
	return "fits"
}

// String names the reason, for reports and run files.
func (r Reason) String() string {
	names := [...]string{"fits", "input_too_short", "input_too_long", "output_too_short", "output_too_long", "over_max_model_len"}
	if int(r) < len(names) {
		return names[r]
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// Skips counts the entries left out, by reason (Skips[Fits] stays 0).
type Skips [numReasons]int

// Total is the number of entries left out.
func (s Skips) Total() int {
	n := 0
	for _, c := range s {
		n += c
	}
	return n
}

// Describe lists the non-zero counts with f's bounds:
// "200 input over 1024 tokens, 8 input + output over max_model_len 2048".
func (s Skips) Describe(f Filter) string {
	var parts []string
	for r, c := range s {
		if c > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c, f.describe(Reason(r))))
		}
	}
	return strings.Join(parts, ", ")
}
