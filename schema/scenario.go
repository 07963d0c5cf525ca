// Package schema owns servebench's two file formats: the scenario that comes in
// (YAML, version 1) and the run result that goes out (run.json and
// requests.jsonl). The engine and the reports meet only here, so a report can
// be rendered from a saved run long after the engine that produced it changed.
//
// Loading is strict: unknown keys, wrong types and every semantic problem are
// collected and reported at once, each with FILE:LINE:COLUMN, the offending
// value and what would be valid. Nothing in this package opens a socket or
// starts a process.
package schema

// ScenarioVersion is the only scenario language version this build reads.
const ScenarioVersion = 1

// Scenario is one benchmark scenario file after decoding, environment
// expansion and defaulting. A *Scenario returned by Load is valid: every stage
// names a known profile, every range is non-empty and every threshold compiles.
type Scenario struct {
	// Version of the scenario language; must be 1.
	Version int `yaml:"version" json:"version"`
	// Name identifies the scenario; runs land in <report.dir>/<name>/<timestamp>/.
	Name string `yaml:"name" json:"name"`
	// Description is free text shown in reports.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Server says how the server under test is started or reached. When the
	// block is absent the built-in simulator is used.
	Server Server `yaml:"server,omitempty" json:"server"`
	// Model names the served model and its context length.
	Model Model `yaml:"model,omitempty" json:"model"`
	// API describes how requests are sent.
	API API `yaml:"api,omitempty" json:"api"`
	// Profiles adds to or overrides the built-in token profiles.
	Profiles map[string]Profile `yaml:"profiles,omitempty" json:"profiles,omitempty"`
	// SLO is the scenario-wide service level objective used for goodput and,
	// unless a stage sets its own, for capacity search.
	SLO *SLO `yaml:"slo,omitempty" json:"slo,omitempty"`
	// Stages run in order.
	Stages []Stage `yaml:"stages" json:"stages"`
	// Thresholds must all hold on every stage they apply to.
	Thresholds []Threshold `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`
	// Report says where results go and which files are rendered.
	Report Report `yaml:"report,omitempty" json:"report"`
	// Seed makes prompts, arrival times and the simulator reproducible.
	Seed int64 `yaml:"seed,omitempty" json:"seed"`
	// Matrix runs the whole stage list once per server configuration, one
	// server after another, and compares them.
	Matrix *Matrix `yaml:"matrix,omitempty" json:"matrix,omitempty"`

	// variants are the matrix's resolved variants, set by Load.
	variants []Variant

	// File is the path the scenario was loaded from (not part of the YAML).
	File string `yaml:"-" json:"file,omitempty"`
}

// Server kinds, as returned by Server.Kind.
const (
	ServerBuiltin = "builtin"
	ServerURL     = "url"
	ServerCommand = "command"
	ServerDocker  = "docker"
)

// Server is exactly one of builtin, url, command or docker. URL is also where
// a command or docker server is reached.
type Server struct {
	// Builtin runs the embedded simulator in-process.
	Builtin *Builtin `yaml:"builtin,omitempty" json:"builtin,omitempty"`
	// URL is the base URL of the server (scheme://host:port, no /v1).
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Command is the argv of the server process; never a shell string.
	Command []string `yaml:"command,omitempty" json:"command,omitempty"`
	// Docker describes a container to run.
	Docker *Docker `yaml:"docker,omitempty" json:"docker,omitempty"`
	// Dir is the working directory of a command server.
	Dir string `yaml:"dir,omitempty" json:"dir,omitempty"`
	// Env adds environment variables to a command or docker server.
	Env map[string]string `yaml:"env,omitempty" json:"env,omitempty"`
	// Secrets names keys of Env whose values must never be written anywhere.
	Secrets []string `yaml:"secrets,omitempty" json:"secrets,omitempty"`
	// Ready says how readiness is polled.
	Ready Ready `yaml:"ready,omitempty" json:"ready"`
	// Log is the file (in the run directory) that receives the server's output.
	Log string `yaml:"log,omitempty" json:"log,omitempty"`
	// StopTimeout is how long SIGTERM is given before SIGKILL.
	StopTimeout Duration `yaml:"stop_timeout,omitempty" json:"stop_timeout,omitempty"`
	// Metrics configures scraping of the server's Prometheus /metrics.
	Metrics Scrape `yaml:"metrics,omitempty" json:"metrics"`
}

// Kind reports which of the four server kinds the block declares. A block
// with no kind at all is the built-in simulator. Validation guarantees that a
// loaded scenario declares at most one kind.
func (s Server) Kind() string {
	switch {
	case s.Command != nil:
		return ServerCommand
	case s.Docker != nil:
		return ServerDocker
	case s.Builtin != nil:
		return ServerBuiltin
	case s.URL != "":
		return ServerURL
	}
	return ServerBuiltin
}

// Builtin configures the embedded vLLM-like simulator. Unset fields take the
// DefaultSim* values of defaults_builtin.go in the defaults pass.
type Builtin struct {
	// MaxModelLen is the context length the simulator enforces (default: model.max_model_len, else 4096).
	MaxModelLen int `yaml:"max_model_len,omitempty" json:"max_model_len,omitempty" jsonschema:"minimum=1"`
	// MaxNumSeqs caps the sequences decoded together (default 64).
	MaxNumSeqs int `yaml:"max_num_seqs,omitempty" json:"max_num_seqs,omitempty" jsonschema:"minimum=1"`
	// KVCacheTokens is the KV-cache budget in tokens (default 65536).
	KVCacheTokens int `yaml:"kv_cache_tokens,omitempty" json:"kv_cache_tokens,omitempty" jsonschema:"minimum=1"`
	// PrefillPerToken is the prefill cost of one prompt token (default 50µs).
	PrefillPerToken Duration `yaml:"prefill_per_token,omitempty" json:"prefill_per_token,omitempty"`
	// DecodeStep is the time of one decode step with one running sequence (default 8ms; must be positive).
	DecodeStep Duration `yaml:"decode_step,omitempty" json:"decode_step,omitempty"`
	// DecodePerSeq is added to a decode step per running sequence (default 250µs).
	DecodePerSeq Duration `yaml:"decode_per_seq,omitempty" json:"decode_per_seq,omitempty"`
	// PrefixCaching turns on the simulator's automatic prefix cache, modelled
	// on vLLM's: full blocks of BlockSize tokens are kept by a hash chain of
	// their contents, and a prompt pays prefill only for the tokens after its
	// longest cached prefix (default true, as in vLLM V1).
	PrefixCaching *bool `yaml:"prefix_caching,omitempty" json:"prefix_caching,omitempty"`
	// BlockSize is the number of tokens in one KV-cache block, the unit of
	// prefix-cache hits and of the KV budget when prefix caching is on (default 16).
	BlockSize int `yaml:"block_size,omitempty" json:"block_size,omitempty"`
	// ZeroLatency answers as fast as possible (client benchmarks).
	ZeroLatency bool `yaml:"zero_latency,omitempty" json:"zero_latency,omitempty"`
	// Faults injects failures for reliability tests.
	Faults Faults `yaml:"faults,omitempty" json:"faults"`
}

// Faults are injected by the simulator; rates are probabilities per request.
type Faults struct {
	ErrorRate      float64  `yaml:"error_rate,omitempty" json:"error_rate,omitempty" jsonschema:"minimum=0,maximum=1,title=a probability between 0 and 1"`
	ErrorStatus    []int    `yaml:"error_status,omitempty" json:"error_status,omitempty" jsonschema:"minItems=1"`                                                  // default [500]
	DropRate       float64  `yaml:"drop_rate,omitempty" json:"drop_rate,omitempty" jsonschema:"minimum=0,maximum=1,title=a probability between 0 and 1"`           // connection closed mid-stream
	MalformedRate  float64  `yaml:"malformed_rate,omitempty" json:"malformed_rate,omitempty" jsonschema:"minimum=0,maximum=1,title=a probability between 0 and 1"` // a chunk that is not JSON
	StallRate      float64  `yaml:"stall_rate,omitempty" json:"stall_rate,omitempty" jsonschema:"minimum=0,maximum=1,title=a probability between 0 and 1"`
	Stall          Duration `yaml:"stall,omitempty" json:"stall,omitempty"`                                                                                            // default 1m
	ExitAfter      int      `yaml:"exit_after,omitempty" json:"exit_after,omitempty" jsonschema:"minimum=0"`                                                           // stop serving after N requests
	ErrorMidStream float64  `yaml:"error_mid_stream,omitempty" json:"error_mid_stream,omitempty" jsonschema:"minimum=0,maximum=1,title=a probability between 0 and 1"` // an error object mid-stream
}

// Docker describes a `docker run` invocation.
type Docker struct {
	Image   string   `yaml:"image" json:"image"`
	Args    []string `yaml:"args,omitempty" json:"args,omitempty"`       // arguments after the image
	GPUs    string   `yaml:"gpus,omitempty" json:"gpus,omitempty"`       // value of --gpus, e.g. all or "device=0,1"
	Ports   []string `yaml:"ports,omitempty" json:"ports,omitempty"`     // -p values, e.g. 8000:8000
	Volumes []string `yaml:"volumes,omitempty" json:"volumes,omitempty"` // -v values
	IPC     string   `yaml:"ipc,omitempty" json:"ipc,omitempty"`         // --ipc, e.g. host
	Options []string `yaml:"options,omitempty" json:"options,omitempty"` // extra docker run flags
}

// Ready says how readiness is polled: Path until it answers 200, then /v1/models.
type Ready struct {
	Path     string   `yaml:"path,omitempty" json:"path,omitempty" jsonschema:"pattern=^/,title=a path starting with /"` // default /health
	Timeout  Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`                                                // default 10m
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`                                              // default 1s
}

// Scrape configures Prometheus /metrics scraping during stages.
type Scrape struct {
	Enabled  *bool    `yaml:"enabled,omitempty" json:"enabled,omitempty"`                                                // default true
	Path     string   `yaml:"path,omitempty" json:"path,omitempty" jsonschema:"pattern=^/,title=a path starting with /"` // default /metrics
	Interval Duration `yaml:"interval,omitempty" json:"interval,omitempty"`                                              // default 1s
}

// Model names the served model.
type Model struct {
	// Name is the model id sent in requests and expected in /v1/models.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// MaxModelLen is the context length; input + output of every profile must fit.
	MaxModelLen int `yaml:"max_model_len,omitempty" json:"max_model_len,omitempty" jsonschema:"minimum=1"`
	// Tokenizer is informational (shown in reports).
	Tokenizer string `yaml:"tokenizer,omitempty" json:"tokenizer,omitempty"`
}

// Endpoints accepted by API.Endpoint.
const (
	EndpointCompletions = "completions"
	EndpointChat        = "chat"
)

// Prompt kinds accepted by API.Prompt.
const (
	PromptAuto   = "auto"   // token ids on completions, text on chat
	PromptTokens = "tokens" // token-id prompts (completions only)
	PromptText   = "text"   // text prompts
)

// API describes how requests are sent.
type API struct {
	Endpoint  string            `yaml:"endpoint,omitempty" json:"endpoint"`         // completions (default) | chat
	APIKey    string            `yaml:"api_key,omitempty" json:"-"`                 // never serialised
	Timeout   Duration          `yaml:"timeout,omitempty" json:"timeout,omitempty"` // per request, default 5m
	IgnoreEOS *bool             `yaml:"ignore_eos,omitempty" json:"ignore_eos"`     // default true
	Stream    *bool             `yaml:"stream,omitempty" json:"stream"`             // default true
	Prompt    string            `yaml:"prompt,omitempty" json:"prompt,omitempty"`   // auto (default) | tokens | text
	Headers   map[string]string `yaml:"headers,omitempty" json:"-"`                 // extra request headers (may hold secrets)
}

// Profile says how long each request's prompt and output are: input and
// output (each a fixed count or a distribution), or a weighted mix of such
// pairs; and optionally a prefix the prompts of a group share
// (profile_dist.go).
type Profile struct {
	Input  Length     `yaml:"input,omitempty" json:"input,omitempty,omitzero"`
	Output Length     `yaml:"output,omitempty" json:"output,omitempty,omitzero"`
	Mix    []MixEntry `yaml:"mix,omitempty" json:"mix,omitempty" jsonschema:"minItems=1"`
	Prefix *Prefix    `yaml:"prefix,omitempty" json:"prefix,omitempty"`
	// Dataset sends the prompts of a file instead of synthetic ones (traffic_data.go).
	Dataset *Dataset `yaml:"dataset,omitempty" json:"dataset,omitempty"`
	// Conversation makes the profile's requests turns of multi-turn sessions.
	Conversation *Conversation `yaml:"conversation,omitempty" json:"conversation,omitempty"`
}

// BuiltinProfiles are the token profiles every scenario can name.
var BuiltinProfiles = map[string]Profile{
	"dev":      {Input: Fixed(128), Output: Fixed(64)},
	"safe":     {Input: Fixed(256), Output: Fixed(128)},
	"balanced": {Input: Fixed(384), Output: Fixed(256)},
	"stress":   {Input: Fixed(512), Output: Fixed(256)},
}

// SLO bounds per-request latencies; a request meets it when every set bound holds.
type SLO struct {
	TTFT Duration `yaml:"ttft,omitempty" json:"ttft,omitempty"`
	TPOT Duration `yaml:"tpot,omitempty" json:"tpot,omitempty"`
	E2EL Duration `yaml:"e2el,omitempty" json:"e2el,omitempty"`
}

// Arrival distributions of open-loop stages.
const (
	DistPoisson  = "poisson"
	DistConstant = "constant"
	DistGamma    = "gamma"
)

// Stage is one entry of stages. Exactly one of Concurrency, Rate, Search and Replay is set.
type Stage struct {
	Name        string      `yaml:"name" json:"name"`
	Profile     ProfileRef  `yaml:"profile,omitempty" json:"profile"`                   // default safe
	Concurrency *Levels     `yaml:"concurrency,omitempty" json:"concurrency,omitempty"` // closed loop
	Rate        *RateLevels `yaml:"rate,omitempty" json:"rate,omitempty"`               // open loop, requests/s
	// MaxConcurrency caps in-flight requests of an open-loop stage (0: no cap).
	MaxConcurrency int         `yaml:"max_concurrency,omitempty" json:"max_concurrency,omitempty" jsonschema:"minimum=0"`
	Distribution   string      `yaml:"distribution,omitempty" json:"distribution,omitempty"`                             // poisson (default) | constant | gamma
	Burstiness     float64     `yaml:"burstiness,omitempty" json:"burstiness,omitempty" jsonschema:"exclusiveMinimum=0"` // gamma shape, default 1
	Requests       int         `yaml:"requests,omitempty" json:"requests,omitempty" jsonschema:"minimum=1"`              // per level
	Duration       Duration    `yaml:"duration,omitempty" json:"duration,omitempty"`                                     // per level
	Warmup         int         `yaml:"warmup,omitempty" json:"warmup,omitempty" jsonschema:"minimum=0"`                  // requests sent and discarded first
	Grace          Duration    `yaml:"grace,omitempty" json:"grace,omitempty"`                                           // wait for in-flight requests after a duration ends, default 30s
	Deadline       Duration    `yaml:"deadline,omitempty" json:"deadline,omitempty"`                                     // hard limit on one level's wall time, warmup included (0: none)
	Repeat         int         `yaml:"repeat,omitempty" json:"repeat,omitempty" jsonschema:"minimum=1"`                  // run each level N times, default 1
	SLO            *SLO        `yaml:"slo,omitempty" json:"slo,omitempty"`                                               // overrides the scenario SLO
	Search         *Search     `yaml:"search,omitempty" json:"search,omitempty"`                                         // capacity search
	Thresholds     []Threshold `yaml:"thresholds,omitempty" json:"thresholds,omitempty"`                                 // stage-only thresholds
	// Until ends each level early once the named intervals are narrow enough (see Until).
	Until Until `yaml:"until,omitempty" json:"until,omitempty"`
	// Conversation makes every request a turn of a multi-turn session (overrides the profile's).
	Conversation *Conversation `yaml:"conversation,omitempty" json:"conversation,omitempty"`
	// Replay sends a trace's requests at its own times instead of a profile at a level.
	Replay *Replay `yaml:"replay,omitempty" json:"replay,omitempty"`
}

// ProfileRef is a profile name or a list of names; a list expands into one stage per profile.
type ProfileRef []string

// Levels is a concurrency given as an int, a list, or {from, to, step}.
// Values holds the expanded, ascending list after decoding.
type Levels struct {
	Values []int `json:"values"`
	From   int   `json:"from,omitempty"`
	To     int   `json:"to,omitempty"`
	Step   int   `json:"step,omitempty"`
}

// RateLevels is a request rate given as a number, a list, or {from, to, step}.
type RateLevels struct {
	Values []float64 `json:"values"`
	From   float64   `json:"from,omitempty"`
	To     float64   `json:"to,omitempty"`
	Step   float64   `json:"step,omitempty"`
}

// Search is a capacity search over concurrency or rate.
type Search struct {
	Concurrency *SearchRange `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	Rate        *SearchRange `yaml:"rate,omitempty" json:"rate,omitempty"`
	// Resolution is the largest gap accepted between the last passing and first failing level (default 1 for concurrency, 0.5 for rate).
	Resolution float64 `yaml:"resolution,omitempty" json:"resolution,omitempty" jsonschema:"exclusiveMinimum=0"`
	// MaxProbes bounds the number of probes (default 12).
	MaxProbes int `yaml:"max_probes,omitempty" json:"max_probes,omitempty" jsonschema:"minimum=1"`
}

// SearchRange bounds a capacity search.
type SearchRange struct {
	From float64 `yaml:"from" json:"from" jsonschema:"exclusiveMinimum=0"`
	To   float64 `yaml:"to" json:"to" jsonschema:"exclusiveMinimum=0"`
}

// Threshold is an expr-lang expression over a stage's metrics.
type Threshold struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	When string `yaml:"when,omitempty" json:"when,omitempty"` // optional filter
	Expr string `yaml:"expr" json:"expr"`
}

// Report formats accepted by Report.Formats.
const (
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
	FormatJSON     = "json"
	FormatJUnit    = "junit"
	FormatVLLM     = "vllm"
	FormatCSV      = "csv"
)

// Report says where results go.
type Report struct {
	Dir         string    `yaml:"dir,omitempty" json:"dir,omitempty"`                 // default bench_results
	Formats     []string  `yaml:"formats,omitempty" json:"formats,omitempty"`         // default markdown, html, json, junit
	Percentiles []float64 `yaml:"percentiles,omitempty" json:"percentiles,omitempty"` // default 50, 90, 95, 99
}
