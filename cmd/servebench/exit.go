package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Exit codes, documented in the README and relied upon by CI jobs.
const (
	ExitOK          = 0   // every threshold held
	ExitThreshold   = 1   // a threshold (or compare --fail-on) failed
	ExitInvalid     = 2   // the scenario or the command line is invalid, or does not fit the server (a model it does not serve)
	ExitRunFailed   = 3   // the run could not complete: server did not start, died, unreachable
	ExitInterrupted = 130 // interrupted; partial results are saved and reported
)

// exitCodeOverride lets urfave's CommandNotFound hook, which cannot return
// an error, still exit with ExitInvalid.
var exitCodeOverride = 0

// exitError carries an exit code with its message; the message may be empty
// when the command already said everything (validate's diagnostics).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error         { return &exitError{code: ExitInvalid, err: err} }
func usagef(f string, a ...any) error  { return usageErr(fmt.Errorf(f, a...)) }
func thresholdFailed(msg string) error { return &exitError{code: ExitThreshold, err: errors.New(msg)} }
func silent(code int) error            { return &exitError{code: code} }

// exitCode maps any error a command returns to the documented exit code.
func exitCode(err error) int {
	var ee *exitError
	var diags *schema.Diagnostics
	var runErr *engine.RunError
	var configErr *engine.ConfigError
	var mergeErr *engine.MergeInputError
	switch {
	case err == nil:
		return exitCodeOverride
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &diags), errors.As(err, &configErr), errors.As(err, &mergeErr):
		return ExitInvalid
	case errors.Is(err, engine.ErrThresholdsFailed): // a shard other than 0, as shard 0 exits
		return ExitThreshold
	case errors.Is(err, engine.ErrInterrupted):
		return ExitInterrupted
	case errors.As(err, &runErr):
		return ExitRunFailed
	}
	return ExitRunFailed
}

// report prints the error (once, prefixed) and returns the exit code. The
// message may quote a server (an error body, a model id): it passes the
// funnel with control bytes escaped.
func report(w io.Writer, err error) int {
	code := exitCode(err)
	if err != nil && err.Error() != "" {
		fmt.Fprintf(w, "servebench: %s\n", redact.Safe(err.Error()))
	}
	return code
}
