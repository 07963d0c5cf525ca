package schema

// The results of traffic that comes from files and from replies
// (traffic_data.go): what a stage level took from its dataset, how its
// conversations went turn by turn, and how a replay kept the trace's
// schedule. Each is absent from a stage level that has none.

// DatasetUsage is what a stage level took from its dataset profile.
type DatasetUsage struct {
	// File is the dataset as the scenario names it; Format its format.
	File   string `json:"file"`
	Format string `json:"format"`
	// Entries is the number of usable records of the file (under its limit).
	Entries int `json:"entries"`
	// Used is the number of records the level sent, warmup included (a
	// record sent twice after a wrap counts twice).
	Used int `json:"used"`
	// Skipped counts the records left out on the way, by reason
	// (input_too_short, input_too_long, output_too_short, output_too_long,
	// over_max_model_len).
	Skipped map[string]int `json:"skipped,omitempty"`
	// Measured says how lengths were counted: "tokenizer" (the server's
	// /tokenize) or "words" (whitespace-separated words, an approximation
	// where the server has no tokenizer).
	Measured string `json:"measured"`
}

// Ways DatasetUsage.Measured names.
const (
	MeasuredTokenizer = "tokenizer"
	MeasuredWords     = "words"
)

// SessionStats is how the conversations of a stage level went: per
// session, and per turn index, where a prefix cache shows (every turn
// after the first carries the earlier ones).
type SessionStats struct {
	// Started counts the measured sessions that sent a turn; Completed
	// those whose every turn completed. A session ends at its first failed
	// turn: the history a later turn would carry is broken.
	Started   int `json:"started"`
	Completed int `json:"completed"`
	// Duration is a session's first send to its last token (ms), think
	// times included, over the sessions that started.
	Duration Dist `json:"duration_ms"`
	// Turns is the number of turns completed per session.
	Turns Dist `json:"turns"`
	// HistoryCut counts sessions ended early because their history
	// outgrew the client's bound on kept replies.
	HistoryCut int `json:"history_cut,omitempty"`
	// LaterTTFT is the TTFT of every turn after the first (ms): each
	// carries the earlier turns, which a prefix cache holds. The first
	// turn's is ByTurn[0].TTFT.
	LaterTTFT Dist `json:"later_ttft_ms"`
	// ByTurn holds one entry per turn index, the first turn first.
	ByTurn []TurnStats `json:"by_turn"`
}

// TurnStats is every measured request of one turn index.
type TurnStats struct {
	// Turn is the 1-based turn index.
	Turn      int `json:"turn"`
	Sent      int `json:"sent"`
	Completed int `json:"completed"`
	// TTFT and E2EL are the turn's latencies (ms).
	TTFT Dist `json:"ttft_ms"`
	E2EL Dist `json:"e2el_ms"`
	// InputTokens is usage.prompt_tokens of the turn's completed requests:
	// the whole conversation so far, as the server counted it.
	InputTokens Dist `json:"input_tokens"`
}

// ReplayStats is one replay of a trace at one speed.
type ReplayStats struct {
	// File is the trace as the scenario names it.
	File  string  `json:"file"`
	Speed float64 `json:"speed"`
	// Records is the number of records of the window, warmup included.
	Records int `json:"records"`
	// SpanS is the schedule's length at this speed: the last record's
	// offset from the first (s).
	SpanS float64 `json:"span_s"`
	// BlockReuse is the share of the records' prompt tokens that lie in
	// blocks an earlier record of the window already sent (its hash ids
	// chain), computed from the file: what a prefix cache of unbounded
	// size would hit.
	BlockReuse float64 `json:"block_reuse"`
	// Timeline counts, per interval of the schedule, the requests the
	// trace scheduled and those actually sent (measured and warmup).
	Timeline Timeline `json:"timeline"`
}

// Timeline counts events in intervals of equal length: interval i is
// [i*StepS, (i+1)*StepS) seconds from the first scheduled send.
type Timeline struct {
	StepS     float64 `json:"step_s"`
	Scheduled []int   `json:"scheduled"`
	Sent      []int   `json:"sent"`
}
