// Package dataset reads prompt datasets and request traces from files:
// exactly (every record checked, every problem at FILE:LINE), streaming (a
// multi-gigabyte file is never in memory), and bounded (one record at most
// MaxRecordBytes). It does not import package schema; schema's validation
// and the engine call it. docs/datasets.md is the user's guide to the
// formats and policies.
//
// # Formats
//
//   - JSONL (servebench's own): one object per line with a text `prompt` or
//     chat `messages` ([{role, content}], roles system/user/assistant), an
//     optional `output_tokens` and an optional `id`; unknown keys are errors.
//   - ShareGPT: the JSON array `vllm bench serve` reads, streamed with
//     encoding/json's Token API; a stream of conversation objects (one per
//     line) is read too. The prompt is the first human turn, the output
//     length that of the first assistant answer after it; conversations
//     with fewer than two turns, no human turn or no answer are left out
//     and counted (Stats). Every turn is kept in order (Entry.Turns).
//   - Mooncake: the FAST'25 trace format, one object per line with
//     `timestamp` (ms), `input_length`, `output_length` and `hash_ids`
//     (one id per block of TraceOptions.BlockSize tokens).
//
// # How the scenario keys use it
//
// A stage's `dataset:` resolves its file against the scenario's directory,
// then:
//
//	p, err := dataset.Open(ctx, path, dataset.Options{Format: f, MaxRecordBytes: n, Limit: limit})
//	// err: a missing file (*Error), or every broken record (*ErrorList of *Error, FILE:LINE)
//	s, err := p.Sampler(dataset.Sampling{Order: o, Seed: seed, Wrap: w, Filter: filter}, stage, measure)
//	for i := 0; i < requests; i++ {
//		smp, err := s.Next(ctx) // *ExhaustedError when entries run out, *Error under the Fail policy
//		// send smp.Prompt or smp.Messages, asking for smp.Output tokens
//	}
//	report(s.Skipped()) // entries left out, by Reason
//
// `validate` runs the same sampler with WordLengths (no server): the file
// exists and parses, and each stage finds the entries it needs. The run
// is meant to measure with the server's tokenizer instead (a Measure
// calling /tokenize), so that its lengths are exact; both walk the same
// deterministic order. The i-th sample of a stage is a pure function of (file, Sampling,
// stage, i) and the measure.
//
// A `conversation:` replays ShareGPT records turn by turn from
// Entry.Turns. A `replay:` stage reads its trace with OpenTrace (or
// NewTraceReader) and TraceOptions' window (From, To) or First: records
// come in file order, timestamps checked to be in time order, and the read
// stops at the window's end. CheckTrace is the validate pass over the
// same window, with the max_model_len policy of a Filter.
//
// # Lengths
//
// The package has no tokenizer. It gives what a request needs (text,
// messages, a given output length, a ShareGPT answer) and word counts
// (Words, Entry.InputWords), which are the built-in simulator's token
// counts of text; the engine measures exact lengths with the server.
package dataset
