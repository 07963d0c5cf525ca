package sim

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/servebench/servebench/schema"
)

// version is what GET /version answers: the vLLM release whose API the
// simulator follows.
const version = "0.11.0-sim"

// Config describes one simulated server. It must be complete: New rejects
// zero values instead of guessing, because the defaults are the scenario
// language's (schema.DefaultBuiltin) and are applied once, there.
// DefaultConfig is the complete configuration of a scenario that sets none.
type Config struct {
	// Model is the only model id served.
	Model string
	// MaxModelLen is the context length enforced on prompt + max_tokens.
	MaxModelLen int
	// MaxNumSeqs caps the sequences decoded in one step.
	MaxNumSeqs int
	// KVCacheTokens is the KV budget. Without prefix caching, running
	// sequences reserve prompt + max_tokens tokens each; with it, they
	// reserve whole blocks, and blocks of finished sequences stay cached in
	// the rest of the budget until a new sequence needs the room.
	KVCacheTokens int
	// PrefillPerToken is the cost of one uncached prompt token in the step
	// that admits the sequence (0: prefill is free).
	PrefillPerToken time.Duration
	// DecodeStep is the fixed cost of one decode step.
	DecodeStep time.Duration
	// DecodePerSeq is added to a step per running sequence (0: none).
	DecodePerSeq time.Duration
	// PrefixCaching models vLLM's automatic prefix caching (see prefixCache).
	// It has no effect in zero-latency mode, which has no KV model.
	PrefixCaching bool
	// BlockSize is the number of tokens in one KV block.
	BlockSize int
	// ZeroLatency skips the scheduler and streams every token at once; it is
	// the server of client benchmarks.
	ZeroLatency bool
	// Seed makes stop lengths and fault decisions reproducible.
	Seed int64
	// Faults injects failures; zero rates mean none.
	Faults Faults
	// Log receives one line per request when not nil.
	Log io.Writer
}

// Faults are per-request failure probabilities (0..1) and their parameters.
type Faults struct {
	// ErrorRate answers a generation request with an error status before streaming.
	ErrorRate float64
	// ErrorStatus lists the statuses picked from at random. It must not be
	// empty even when ErrorRate is 0: every request draws from it, so that
	// turning one fault on does not shift the decisions of the others.
	ErrorStatus []int
	// DropRate closes the connection mid-stream.
	DropRate float64
	// MalformedRate inserts one chunk that is not JSON (`data: {not json`).
	MalformedRate float64
	// StallRate pauses a stream for Stall, then continues (a non-streaming
	// response is delayed by Stall). The scheduler keeps generating during
	// the pause, so the tokens of the pause arrive together afterwards.
	StallRate float64
	// Stall is the pause of a stalled stream.
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

// ConfigFrom converts a scenario's builtin block, complete after schema's
// defaults pass; model is the scenario's model name and seed its seed.
func ConfigFrom(b schema.Builtin, model string, seed int64) Config {
	return Config{
		Model:           model,
		MaxModelLen:     b.MaxModelLen,
		MaxNumSeqs:      b.MaxNumSeqs,
		KVCacheTokens:   b.KVCacheTokens,
		PrefillPerToken: b.PrefillPerToken.D(),
		DecodeStep:      b.DecodeStep.D(),
		DecodePerSeq:    b.DecodePerSeq.D(),
		PrefixCaching:   b.PrefixCaching != nil && *b.PrefixCaching,
		BlockSize:       b.BlockSize,
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
}

// DefaultConfig is the simulator of a scenario that configures nothing:
// schema's defaults, served as schema's default model name.
func DefaultConfig() Config {
	return ConfigFrom(schema.DefaultBuiltin(), schema.DefaultSimModel, 0)
}

// Validate reports every setting that is missing or out of range, so a
// caller that forgot one learns it before a socket opens.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Model == "" {
		bad("simulator model name is empty")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"max_model_len", c.MaxModelLen}, {"max_num_seqs", c.MaxNumSeqs}, {"kv_cache_tokens", c.KVCacheTokens}, {"block_size", c.BlockSize}} {
		if f.v <= 0 {
			bad("simulator %s must be positive, got %d", f.name, f.v)
		}
	}
	if c.PrefixCaching && c.BlockSize > 0 && c.KVCacheTokens < c.BlockSize {
		bad("simulator kv_cache_tokens %d holds no block of %d tokens", c.KVCacheTokens, c.BlockSize)
	}
	if c.DecodeStep <= 0 {
		bad("simulator decode_step must be positive, got %v", c.DecodeStep)
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"prefill_per_token", c.PrefillPerToken}, {"decode_per_seq", c.DecodePerSeq}} {
		if f.v < 0 {
			bad("simulator %s must not be negative, got %v", f.name, f.v)
		}
	}
	return errors.Join(append(errs, c.Faults.validate()...)...)
}

func (f Faults) validate() []error {
	var errs []error
	for _, r := range []struct {
		name string
		v    float64
	}{{"error_rate", f.ErrorRate}, {"drop_rate", f.DropRate}, {"malformed_rate", f.MalformedRate},
		{"stall_rate", f.StallRate}, {"error_mid_stream", f.ErrorMidStream}} {
		if r.v < 0 || r.v > 1 {
			errs = append(errs, fmt.Errorf("simulator faults.%s is a probability between 0 and 1, got %v", r.name, r.v))
		}
	}
	if len(f.ErrorStatus) == 0 {
		errs = append(errs, errors.New("simulator faults.error_status is empty; it needs at least one status (400-599)"))
	}
	for _, st := range f.ErrorStatus {
		if st < 400 || st > 599 {
			errs = append(errs, fmt.Errorf("simulator faults.error_status must hold HTTP error codes (400-599), got %d", st))
		}
	}
	if f.Stall <= 0 {
		errs = append(errs, fmt.Errorf("simulator faults.stall must be positive, got %v", f.Stall))
	}
	if f.ExitAfter < 0 {
		errs = append(errs, fmt.Errorf("simulator faults.exit_after must not be negative, got %d", f.ExitAfter))
	}
	return errs
}
