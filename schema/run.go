package schema

import (
	"time"
)

// RunSchemaVersion is the version of run.json this build writes. Version 2
// writes an unmeasured distribution as null instead of an object of zeros
// and counts cancelled requests apart from failed ones; version 3 adds the
// run's label and, per stage level, intervals, the steady-state window,
// the in-flight timeline and how an `until:` level ended. Readers still
// accept versions 1 and 2 and upgrade them (see upgradeRun).
const RunSchemaVersion = 3

// OldestRunSchemaVersion is the oldest run.json version this build reads.
const OldestRunSchemaVersion = 1

// Run statuses.
const (
	StatusCompleted   = "completed"   // every stage ran to its end
	StatusFailed      = "failed"      // the run could not complete (server died, unreachable ...)
	StatusInterrupted = "interrupted" // cancelled by the user (Ctrl-C, SIGTERM)
)

// Run is the whole result of one `servebench run`: everything `report` and
// `compare` need, and nothing else. It is plain data: the engine fills it,
// run.json stores it, the reports read it.
type Run struct {
	SchemaVersion int    `json:"schema_version"`
	Tool          Tool   `json:"tool"`
	Name          string `json:"name"`
	// Label tells this run apart from others of the same scenario in
	// comparisons (run --label); empty when none was given.
	Label        string           `json:"label,omitempty"`
	ScenarioFile string           `json:"scenario_file,omitempty"`
	Scenario     *Scenario        `json:"scenario,omitempty"` // as resolved; secrets are never serialised
	StartedAt    time.Time        `json:"started_at"`
	EndedAt      time.Time        `json:"ended_at"`
	Status       string           `json:"status"`          // completed | failed | interrupted
	Error        string           `json:"error,omitempty"` // why the run is failed or interrupted
	Environment  Environment      `json:"environment"`
	Server       ServerInfo       `json:"server"`
	Stages       []StageResult    `json:"stages"`
	Capacity     []CapacityResult `json:"capacity,omitempty"`
	Repeats      []RepeatSummary  `json:"repeats,omitempty"`
	// Passed is true when every threshold of every stage held.
	Passed bool     `json:"passed"`
	Notes  []string `json:"notes,omitempty"`
	// Source says where the run came from: "servebench" or "vllm-import".
	Source string `json:"source,omitempty"`

	// Variants are the server configurations of a matrix run, in the order
	// they ran; empty without a matrix.
	Variants []VariantResult `json:"variants,omitempty"`
	// Shard is set on one shard's part of a sharded run, and on the run
	// merged from all parts.
	Shard *ShardInfo `json:"shard,omitempty"`
}

// Tool identifies the program that wrote the run.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	GoVersion string `json:"go_version,omitempty"`
}

// Environment describes the client machine.
type Environment struct {
	Hostname string `json:"hostname,omitempty"`
	OS       string `json:"os,omitempty"`
	Arch     string `json:"arch,omitempty"`
	CPUs     int    `json:"cpus,omitempty"`
}

// ServerInfo is the identity of the server under test, as it reported itself.
type ServerInfo struct {
	Kind        string   `json:"kind"`
	URL         string   `json:"url,omitempty"`
	Model       string   `json:"model,omitempty"`
	ModelRoot   string   `json:"model_root,omitempty"`
	MaxModelLen int      `json:"max_model_len,omitempty"`
	Models      []string `json:"models,omitempty"`  // ids served by /v1/models
	Version     string   `json:"version,omitempty"` // from /version
	Command     []string `json:"command,omitempty"`
	Log         string   `json:"log,omitempty"` // server log file, relative to the run directory
}

// StageResult is one executed stage level: one stage, one profile, one
// concurrency or rate, one repeat. Capacity-search probes are stage results too.
type StageResult struct {
	// ID is unique within the run: "<stage>/<profile>/c<N>" or ".../r<rate>", plus "#<repeat>" when repeated.
	ID      string `json:"id"`
	Stage   string `json:"stage"`
	Profile string `json:"profile"`
	// InputLen and OutputLen are the profile's lengths; for a profile whose
	// lengths vary, the mean asked for by the measured requests, rounded.
	InputLen     int     `json:"input_len"`
	OutputLen    int     `json:"output_len"`
	Concurrency  int     `json:"concurrency,omitempty"` // closed loop level, or open-loop cap
	Rate         float64 `json:"rate,omitempty"`        // open loop requests/s; 0 for closed loop
	Distribution string  `json:"distribution,omitempty"`
	Burstiness   float64 `json:"burstiness,omitempty"`
	Repeat       int     `json:"repeat,omitempty"` // 1-based index when the stage repeats
	Probe        bool    `json:"probe,omitempty"`  // part of a capacity search
	// Planned requests (0 when the stage ends by duration) and duration.
	PlannedRequests int               `json:"planned_requests,omitempty"`
	PlannedDuration Duration          `json:"planned_duration,omitempty"`
	Warmup          int               `json:"warmup,omitempty"`
	Status          string            `json:"status"`                // completed | failed | interrupted
	StopReason      string            `json:"stop_reason,omitempty"` // why it ended early
	StartedAt       time.Time         `json:"started_at"`
	Metrics         Metrics           `json:"metrics"`
	Client          ClientStats       `json:"client"`
	Server          *ServerMetrics    `json:"server,omitempty"`
	Failures        []FailureCount    `json:"failures,omitempty"`
	Thresholds      []ThresholdResult `json:"thresholds,omitempty"`
	Warnings        []string          `json:"warnings,omitempty"`

	// Variant is the matrix variant the level ran on ("" without a matrix).
	Variant string `json:"variant,omitempty"`
	// Lengths is what the measured requests asked for and got, in tokens.
	Lengths *LengthStats `json:"lengths,omitempty"`
	// Origin is the instant requests.jsonl's start_ms of this stage counts
	// from: the stage's start, warmup included.
	Origin time.Time `json:"origin,omitzero"`
	// Intervals are the 95% confidence intervals of Metrics (everything
	// sent), by metric name (IntervalNames); absent in runs written before
	// version 3 and in imports without per-request records.
	Intervals map[string]CI `json:"intervals,omitempty"`
	// Steady is the level's steady-state window and its metrics.
	Steady *SteadyState `json:"steady,omitempty"`
	// InFlight is the number of measured requests in flight over the level
	// (T in seconds, in the time base of requests.jsonl), for the timeline.
	InFlight *Series `json:"in_flight,omitempty"`
	// Until is how a level with `until:` ended; nil without until.
	Until *UntilResult `json:"until,omitempty"`
	// Dataset, Sessions and Replay describe a level of a dataset profile,
	// of a conversation, of a trace replay (run_sessions.go).
	Dataset  *DatasetUsage `json:"dataset,omitempty"`
	Sessions *SessionStats `json:"sessions,omitempty"`
	Replay   *ReplayStats  `json:"replay,omitempty"`
}

// Passed reports whether every threshold of the stage held.
func (s StageResult) Passed() bool {
	for _, t := range s.Thresholds {
		if !t.Passed {
			return false
		}
	}
	return true
}

// Metrics follow `vllm bench serve`: latencies in milliseconds, throughputs
// per second of the measured stage duration. A distribution nothing could
// measure (TPOT and ITL without streaming, every latency when no request
// completed) is absent, never zero: see Dist.
type Metrics struct {
	Sent      int     `json:"sent"` // measured requests sent (warmup excluded) = completed + failed; cancelled ones are apart
	Completed int     `json:"completed"`
	Failed    int     `json:"failed"`
	ErrorRate float64 `json:"error_rate"` // failed / sent
	// Canceled counts measured requests cut short by an interrupt (Ctrl-C,
	// SIGTERM): the server did not fail them, so they are neither failed
	// nor part of sent and error_rate.
	Canceled             int     `json:"canceled,omitempty"`
	DurationS            float64 `json:"duration_s"`
	TotalInputTokens     int64   `json:"total_input_tokens"`
	TotalOutputTokens    int64   `json:"total_output_tokens"`
	RequestThroughput    float64 `json:"request_throughput"`     // completed / duration
	OutputThroughput     float64 `json:"output_throughput"`      // output tokens / duration
	TotalTokenThroughput float64 `json:"total_token_throughput"` // (input + output tokens) / duration
	Goodput              float64 `json:"goodput"`                // requests meeting the SLO / duration
	GoodputSLO           *SLO    `json:"goodput_slo,omitempty"`  // nil: no SLO, goodput = request throughput
	TTFT                 Dist    `json:"ttft_ms"`
	TPOT                 Dist    `json:"tpot_ms"`
	ITL                  Dist    `json:"itl_ms"`
	E2EL                 Dist    `json:"e2el_ms"`
	// TokenSource says where output token counts came from: usage, chunks or mixed.
	TokenSource string `json:"token_source,omitempty"`
	// ShortOutputs counts completed requests with fewer output tokens than requested.
	ShortOutputs int `json:"short_outputs,omitempty"`
	// LongOutputs counts completed requests with more output tokens than
	// requested: the server did not honour max_tokens.
	LongOutputs int `json:"long_outputs,omitempty"`
	// MeanInputLen and MeanOutputLen are the actual lengths the server
	// reported; MeanInputLen averages only requests whose prompt count the
	// server reported (0: none did).
	MeanInputLen  float64 `json:"mean_input_len,omitempty"`
	MeanOutputLen float64 `json:"mean_output_len,omitempty"`
	// Exact is false when percentiles come from an HDR histogram (large stages).
	Exact bool `json:"exact"`
}

// ClientStats is the client's account of its own behaviour, so it never hides
// its own delay in the server's numbers.
type ClientStats struct {
	TargetConcurrency   int     `json:"target_concurrency,omitempty"`
	AchievedConcurrency float64 `json:"achieved_concurrency"` // time-weighted mean of requests in flight
	MaxInFlight         int     `json:"max_in_flight"`
	// SendLag is scheduled-to-actual send delay of open-loop requests (ms).
	SendLag Dist `json:"send_lag_ms"`
	// QueueTime is the time a request waited in the client before it was sent (ms).
	QueueTime Dist `json:"queue_time_ms"`
	// Bottleneck is set when the client, not the server, limited the stage.
	Bottleneck string `json:"bottleneck,omitempty"`
	// CPUSeconds is the client process CPU (user+sys) spent during the stage.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
}

// FailureCount groups failed requests by kind, with one example message.
type FailureCount struct {
	Kind    string `json:"kind"`
	Status  int    `json:"status,omitempty"`
	Count   int    `json:"count"`
	Example string `json:"example"`
}

// Failure kinds, shared by the client, the server lifecycle and the reports.
const (
	FailContextLength = "context_length" // prompt + output exceed the model's context
	FailModelNotFound = "model_not_found"
	FailRateLimited   = "rate_limited" // HTTP 429
	FailBadRequest    = "bad_request"  // other 4xx
	FailServerError   = "server_error" // 5xx
	FailTimeout       = "timeout"      // request timeout exceeded
	FailConnRefused   = "connection_refused"
	FailConnReset     = "connection_reset"
	FailStreamEarly   = "stream_ended_early" // no finish marker
	FailMalformed     = "malformed_stream"   // a chunk that is not valid SSE/JSON, or broken HTTP framing
	FailEmptyOutput   = "empty_output"       // the model stopped at once (finish_reason stop) without generating text
	FailRedirect      = "redirect"           // a 3xx answer; redirects are never followed
	FailStreamError   = "stream_error"       // an error object inside the stream
	FailTooLarge      = "response_too_large"
	FailCanceled      = "canceled" // the run was interrupted
	FailOther         = "other"
)

// RequestFailure is why one request failed.
type RequestFailure struct {
	Kind    string `json:"kind"`
	Status  int    `json:"status,omitempty"`
	Message string `json:"message"` // body excerpt or error text, at most 512 bytes
}

// RequestRecord is one line of requests.jsonl.
type RequestRecord struct {
	Stage           string    `json:"stage"` // StageResult.ID
	Index           int       `json:"i"`
	Warmup          bool      `json:"warmup,omitempty"`
	StartMS         float64   `json:"start_ms"`              // send time, offset from stage start
	SendLagMS       float64   `json:"send_lag_ms,omitempty"` // open loop: actual - scheduled send
	QueueMS         float64   `json:"queue_ms,omitempty"`    // closed loop: time waited in the client before the send
	TTFTMS          float64   `json:"ttft_ms,omitempty"`
	ITLMS           []float64 `json:"itl_ms,omitempty"`
	E2ELMS          float64   `json:"e2el_ms"`
	RequestedInput  int       `json:"req_input"` // prompt tokens asked for, shared prefix included
	RequestedOutput int       `json:"req_output"`
	// RequestedPrefix is how many of the requested prompt tokens are the
	// prefix shared with every request of PrefixGroup (1-based); both are
	// absent when the profile shares no prefix.
	RequestedPrefix int    `json:"req_prefix,omitempty"`
	PrefixGroup     int    `json:"prefix_group,omitempty"`
	InputTokens     int    `json:"input_tokens,omitempty"`
	OutputTokens    int    `json:"output_tokens,omitempty"`
	TokenSource     string `json:"token_source,omitempty"` // usage | chunks
	// FinishReason is the server's finish_reason ("length", "stop", ...):
	// a stop at EOS, a length limit and a cut stream read differently.
	FinishReason string          `json:"finish_reason,omitempty"`
	Error        *RequestFailure `json:"error,omitempty"`

	// Variant is the matrix variant of the request's stage level ("" without a matrix).
	Variant string `json:"variant,omitempty"`
	// Session and Turn place a conversation's request: the 1-based session
	// index of its stage level (warmup sessions counted apart) and turn.
	Session int `json:"session,omitempty"`
	Turn    int `json:"turn,omitempty"`
	// Record is the line of the dataset or trace record the request sent.
	Record int `json:"record,omitempty"`
	// ScheduledMS is when a replayed request was due, from the stage start
	// (ms): the trace's timestamp divided by the speed.
	ScheduledMS float64 `json:"scheduled_ms,omitempty"`
}

// ThresholdResult is the outcome of one threshold on one stage level.
type ThresholdResult struct {
	Name   string             `json:"name,omitempty"`
	Expr   string             `json:"expr"`
	When   string             `json:"when,omitempty"`
	Scope  string             `json:"scope,omitempty"` // ScopeStage, ScopeRepeats or ScopeCapacity
	Passed bool               `json:"passed"`
	Values map[string]float64 `json:"values,omitempty"` // the metric values the expression read
	Error  string             `json:"error,omitempty"`  // evaluation error (counts as failed)
}

// ServerMetrics is what the server's Prometheus endpoint said during a stage.
type ServerMetrics struct {
	Available bool               `json:"available"`
	Note      string             `json:"note,omitempty"` // e.g. why metrics are missing
	Series    []Series           `json:"series,omitempty"`
	Gauges    map[string]Agg     `json:"gauges,omitempty"`   // short name -> aggregate over the stage
	Counters  map[string]float64 `json:"counters,omitempty"` // short name -> delta over the stage
}

// Series is a time series of one gauge; T is seconds since stage start.
type Series struct {
	Name   string    `json:"name"`
	T      []float64 `json:"t"`
	Values []float64 `json:"v"`
}

// Agg aggregates a gauge over a stage.
type Agg struct {
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	Last float64 `json:"last"`
}

// CapacityResult is the answer of a capacity search.
type CapacityResult struct {
	Stage string `json:"stage"`
	// Profile tells apart the searches of a stage that lists several profiles.
	Profile         string  `json:"profile,omitempty"`
	Dimension       string  `json:"dimension"` // concurrency | rate
	Found           bool    `json:"found"`     // some level passed
	Value           float64 `json:"value"`     // highest passing level
	FirstFailing    float64 `json:"first_failing,omitempty"`
	FailedThreshold string  `json:"failed_threshold,omitempty"`
	Resolution      float64 `json:"resolution"`
	Probes          []Probe `json:"probes"`

	// Variant is the matrix variant searched ("" without a matrix).
	Variant string `json:"variant,omitempty"`
}

// Probe is one level tried by a capacity search.
type Probe struct {
	Level   float64 `json:"level"`
	Passed  bool    `json:"passed"`
	StageID string  `json:"stage_id"`
}

// RepeatSummary combines the repeats of one stage level.
type RepeatSummary struct {
	Key     string              `json:"key"` // StageResult.ID without the #repeat suffix
	N       int                 `json:"n"`
	Level   float64             `json:"confidence"` // e.g. 0.95
	Metrics map[string]Interval `json:"metrics"`    // metric path (e.g. "ttft.p99") -> interval
}

// Interval is a mean with a confidence interval.
type Interval struct {
	Mean float64 `json:"mean"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}
