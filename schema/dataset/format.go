package dataset

import (
	"fmt"
	"slices"
	"strings"
)

// Format names the layout of a dataset file.
type Format string

// The formats servebench reads; docs/datasets.md shows each with an example.
const (
	// JSONL is servebench's own prompt format: one JSON object per line
	// with a text `prompt` or chat `messages`, an optional `output_tokens`
	// and an optional `id`.
	JSONL Format = "jsonl"
	// ShareGPT is the layout of the ShareGPT dumps `vllm bench serve`
	// reads: a JSON array of {"id", "conversations": [{"from", "value"}]}.
	// A stream of such objects (one per line) is read too.
	ShareGPT Format = "sharegpt"
	// Mooncake is the trace format of the Mooncake FAST'25 traces: one JSON
	// object per line with `timestamp` (ms), `input_length`,
	// `output_length` and `hash_ids`.
	Mooncake Format = "mooncake"
)

// Formats lists every format, for messages and schema enums.
var Formats = []Format{JSONL, ShareGPT, Mooncake}

// PromptFormats are the formats that hold prompts (a dataset); Mooncake
// holds a trace, which Trace reads.
var PromptFormats = []Format{JSONL, ShareGPT}

// ParseFormat returns the format of a name, or an error listing the valid ones.
func ParseFormat(s string) (Format, error) {
	if f := Format(s); slices.Contains(Formats, f) {
		return f, nil
	}
	return "", fmt.Errorf("unknown dataset format %q (valid: %s)", s, formatList(Formats))
}

func formatList(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// DefaultMaxRecordBytes is the default bound on one record: a JSONL line,
// or one ShareGPT conversation. 16 MiB holds a 1M-token prompt of English
// text with room for JSON escaping, and keeps a reader's buffer far below
// the 100 MB a stage may use in all.
const DefaultMaxRecordBytes = 16 << 20

// MaxReportedErrors is how many broken records one read of a file reports
// one by one; the rest are counted, so that a file broken on every line
// gives a readable answer and a bounded one.
const MaxReportedErrors = 20
