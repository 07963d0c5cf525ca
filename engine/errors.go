package engine

import (
	"errors"
	"fmt"

	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// ErrInterrupted is returned when the context was cancelled mid-run. The run
// directory is still complete: every measured request is saved.
var ErrInterrupted = errors.New("run interrupted")

// RunError says the run could not complete: the server did not start, died,
// or could not be reached. Its results up to that point are saved.
type RunError struct {
	Err error
	// Detail is printed once, after the message: the last lines of a dead
	// server's log. run.json and the stage keep the one-line message only.
	Detail string
}

// Error passes the redaction funnel: the message may quote a server.
func (e *RunError) Error() string {
	if e.Detail == "" {
		return redact.Error(e.Err)
	}
	return redact.Error(e.Err) + "\n" + redact.String(e.Detail)
}

func (e *RunError) Unwrap() error { return e.Err }

// runError wraps err as a RunError, with the log tail of a dead server
// process as its detail when err carries one.
func runError(err error) *RunError {
	re := &RunError{Err: err}
	var exit *server.ExitError
	if errors.As(err, &exit) {
		re.Detail = exit.Tail()
	}
	return re
}

// ConfigError says the scenario does not fit the server it runs against:
// the server does not serve the scenario's model, or answers the probe
// request as if the model or endpoint did not exist. Nothing was measured;
// the fix is in the scenario (exit code 2), not in the server's health.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return redact.Error(e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// summary is the one-line form of an error that ended the run, for run.json.
func summary(err error) string {
	if re, ok := err.(*RunError); ok {
		return redact.Error(re.Err)
	}
	return redact.Error(err)
}

// endState is the status of a run or a variant that err ended (nil: it
// completed) and, unless it completed, the error's one-line summary.
func endState(err error) (status, msg string) {
	switch {
	case err == nil:
		return schema.StatusCompleted, ""
	case errors.Is(err, ErrInterrupted):
		return schema.StatusInterrupted, summary(err)
	}
	return schema.StatusFailed, summary(err)
}

// interrupted wraps the interruption with where it happened.
func interrupted(where string) error {
	return fmt.Errorf("%w %s", ErrInterrupted, where)
}
