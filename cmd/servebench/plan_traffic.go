package main

import (
	"fmt"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
)

// replayLoad words a replay step's load: "replay ×2 of data/trace.jsonl
// (80 records in 20.5 s)".
func replayLoad(s engine.Step) string {
	span := s.Trace.Span().Seconds() / s.Speed
	l := fmt.Sprintf("replay ×%g of %s (%d records in %.1f s)", s.Speed, s.Trace.File(), s.Trace.Len(), span)
	if s.Concurrency > 0 {
		l += fmt.Sprintf(" (cap %d)", s.Concurrency)
	}
	return l
}

// sizeOf is a step's planned size: requests, or sessions for a
// conversation, whose requests count them.
func sizeOf(s engine.Step) any {
	switch {
	case s.Requests == 0:
		return "-"
	case s.IsConversation():
		return fmt.Sprintf("%d sessions", s.Requests)
	}
	return s.Requests
}

// datasetLengths words a dataset profile's lengths for progress lines.
func datasetLengths(d *schema.Dataset) string {
	return fmt.Sprintf("%s records of %s", d.Format, d.File)
}
