package sim

import (
	"io"
	"time"

	"github.com/servebench/servebench/schema"
)

// Defaults of Config, applied by withDefaults to every zero field. They are
// sized like a small model on one GPU so that an untuned scenario shows the
// familiar shape: throughput grows with concurrency and plateaus at 64 seqs.
const (
	DefaultModel           = "sim-model"
	DefaultMaxModelLen     = 4096
	DefaultMaxNumSeqs      = 64
	DefaultKVCacheTokens   = 65536
	DefaultPrefillPerToken = 50 * time.Microsecond
	DefaultDecodeStep      = 8 * time.Millisecond
	DefaultDecodePerSeq    = 250 * time.Microsecond
	DefaultVersion         = "0.11.0-sim"
	DefaultStall           = time.Minute
)

// DefaultErrorStatus is the status of an injected error when
// Faults.ErrorStatus is empty.
const DefaultErrorStatus = 500

// Config describes one simulated server. The zero value is usable: every
// zero field takes the matching Default constant.
type Config struct {
	// Model is the only model id served (default "sim-model").
	Model string
	// MaxModelLen is the context length enforced on prompt + max_tokens (default 4096).
	MaxModelLen int
	// MaxNumSeqs caps the sequences decoded in one step (default 64).
	MaxNumSeqs int
	// KVCacheTokens is the KV budget: running sequences reserve
	// prompt + max_tokens each (default 65536).
	KVCacheTokens int
	// PrefillPerToken is the cost of one prompt token in the step that
	// admits the sequence (default 50µs).
	PrefillPerToken time.Duration
	// DecodeStep is the fixed cost of one decode step (default 8ms).
	DecodeStep time.Duration
	// DecodePerSeq is added to a step per running sequence (default 250µs).
	DecodePerSeq time.Duration
	// ZeroLatency skips the scheduler and streams every token at once; it is
	// the server of client benchmarks.
	ZeroLatency bool
	// Seed makes stop lengths and fault decisions reproducible.
	Seed int64
	// Faults injects failures; all zero means none.
	Faults Faults
	// Version is returned by GET /version (default "0.11.0-sim").
	Version string
	// Log receives one line per request when not nil.
	Log io.Writer
}

// Faults are per-request failure probabilities (0..1) and their parameters.
type Faults struct {
	// ErrorRate answers a generation request with an error status before streaming.
	ErrorRate float64
	// ErrorStatus lists the statuses picked from at random (default [500]).
	ErrorStatus []int
	// DropRate closes the connection mid-stream.
	DropRate float64
	// MalformedRate inserts one chunk that is not JSON (`data: {not json`).
	MalformedRate float64
	// StallRate pauses a stream for Stall, then continues (a non-streaming
	// response is delayed by Stall). The scheduler keeps generating during
	// the pause, so the tokens of the pause arrive together afterwards.
	StallRate float64
	// Stall is the pause of a stalled stream (default 1m).
	Stall time.Duration
	// ExitAfter makes the server stop answering once this many generation
	// requests have finished, whatever their outcome (0: never): in-flight
	// and later requests have their connection closed. Serve then returns
	// ErrExited.
	ExitAfter int
	// ErrorMidStream sends vLLM's `data: {"error": ...}` chunk mid-stream,
	// then [DONE].
	ErrorMidStream float64
}

// ConfigFrom converts a scenario's builtin block. model and maxModelLen come
// from the scenario's model block and apply when the builtin block leaves
// them unset; seed is the scenario seed.
func ConfigFrom(b schema.Builtin, model string, maxModelLen int, seed int64) Config {
	cfg := Config{
		Model:           model,
		MaxModelLen:     b.MaxModelLen,
		MaxNumSeqs:      b.MaxNumSeqs,
		KVCacheTokens:   b.KVCacheTokens,
		PrefillPerToken: b.PrefillPerToken.D(),
		DecodeStep:      b.DecodeStep.D(),
		DecodePerSeq:    b.DecodePerSeq.D(),
		ZeroLatency:     b.ZeroLatency,
		Seed:            seed,
		Faults: Faults{
			ErrorRate:      b.Faults.ErrorRate,
			ErrorStatus:    append([]int(nil), b.Faults.ErrorStatus...),
			DropRate:       b.Faults.DropRate,
			MalformedRate:  b.Faults.MalformedRate,
			StallRate:      b.Faults.StallRate,
			Stall:          b.Faults.Stall.D(),
			ExitAfter:      b.Faults.ExitAfter,
			ErrorMidStream: b.Faults.ErrorMidStream,
		},
	}
	if cfg.MaxModelLen == 0 {
		cfg.MaxModelLen = maxModelLen
	}
	return cfg
}

// withDefaults returns cfg with every zero field set to its default, in one
// pass, so the rest of the package never checks for zero.
func (cfg Config) withDefaults() Config {
	setString(&cfg.Model, DefaultModel)
	setString(&cfg.Version, DefaultVersion)
	setInt(&cfg.MaxModelLen, DefaultMaxModelLen)
	setInt(&cfg.MaxNumSeqs, DefaultMaxNumSeqs)
	setInt(&cfg.KVCacheTokens, DefaultKVCacheTokens)
	setDuration(&cfg.PrefillPerToken, DefaultPrefillPerToken)
	setDuration(&cfg.DecodeStep, DefaultDecodeStep)
	setDuration(&cfg.DecodePerSeq, DefaultDecodePerSeq)
	setDuration(&cfg.Faults.Stall, DefaultStall)
	if len(cfg.Faults.ErrorStatus) == 0 {
		cfg.Faults.ErrorStatus = []int{DefaultErrorStatus}
	}
	return cfg
}

func setString(v *string, def string) {
	if *v == "" {
		*v = def
	}
}

func setInt(v *int, def int) {
	if *v <= 0 {
		*v = def
	}
}

func setDuration(v *time.Duration, def time.Duration) {
	if *v <= 0 {
		*v = def
	}
}
