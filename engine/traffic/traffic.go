// Package traffic is where the requests of a step come from. A Source
// decides, for every request index, what that request asks for: its prompt
// and output lengths and the group whose prefix its prompt shares. Spec is
// a pure function of the index, so the same scenario sends the same
// requests every time, whichever worker asks first and however the load is
// paced.
//
// The division of labour, which keeps each part testable alone:
//
//   - the plan (engine.NewPlan) resolves every step's Source from the
//     scenario, once, before anything runs;
//   - the load generator (engine/load) owns timing and hands out indexes:
//     0, 1, 2, ... for measured requests and -1, -2, ... for warmup ones;
//   - the step runner asks Spec(i) for each index and the session builds
//     the request body from the spec (engine/prompt makes the prompt), so
//     what was asked for is recorded beside what the server reported.
//
// Adding a source (a dataset, a trace, a conversation) means implementing
// Source and resolving it in the plan:
//
//   - Spec(i) must stay a pure function of i: read and index a file at plan
//     time, not per request;
//   - extend Spec with what the source fixes (prompt text or messages, a
//     send time); the session sends that content as it is and synthesizes a
//     prompt of the spec's lengths only when there is none;
//   - a trace that fixes send times hands them to the load generator, which
//     still owns the clock;
//   - a conversation is the one source that depends on replies: its turns
//     are specs, and the history that precedes a turn lives in the session,
//     which owns the server's answers, not here.
package traffic

import "github.com/servebench/servebench/schema/dataset"

// Spec is one request as its source decides it, in tokens.
type Spec struct {
	// Input is the prompt length asked for, shared prefix included: what
	// usage.prompt_tokens reports when the prompt is exact.
	Input int
	// Output is the output length asked for, sent as max_tokens.
	Output int
	// Prefix is how many leading prompt tokens the request shares with
	// every other request of its group; 0 without a shared prefix.
	Prefix int
	// Group is the 1-based prefix group; 0 without a shared prefix.
	Group int
	// Text is a prompt sent as it is (a dataset record's), Messages chat
	// messages sent as they are. With neither, the session builds a prompt
	// of Input tokens.
	Text     string
	Messages []dataset.Message
	// Blocks are a replayed record's hash ids: its prompt starts with one
	// block of BlockSize tokens per id, each block a function of its id
	// alone, so that records sharing ids put identical blocks on the wire;
	// the rest of its Input tokens are its own.
	Blocks    []int
	BlockSize int
	// Record is the line of the file record the request sends (0: none).
	Record int
	// Err says why the source has no request here (a dataset ran out, or a
	// record the over-length policy stops at); nothing is sent.
	Err error
}

// Source decides the requests of a step. Implementations are immutable and
// safe for concurrent use.
type Source interface {
	// Spec returns request i's spec. Measured requests have i >= 0, warmup
	// requests i < 0 (-1 is the first).
	Spec(i int) Spec
}
