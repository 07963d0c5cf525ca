package schema

import "time"

// Defaults of the built-in simulator (server.builtin), applied by the
// defaults pass. They are sized like a small model on one GPU so that an
// untuned scenario shows the familiar shape: throughput grows with
// concurrency and plateaus at 64 sequences. `servebench sim` and the
// simulator's tests read them through DefaultBuiltin, so each is written once.
var (
	DefaultSimMaxModelLen     = 4096
	DefaultSimMaxNumSeqs      = 64
	DefaultSimKVCacheTokens   = 65536
	DefaultSimPrefillPerToken = Duration(50 * time.Microsecond)
	DefaultSimDecodeStep      = Duration(8 * time.Millisecond)
	DefaultSimDecodePerSeq    = Duration(250 * time.Microsecond)
	// DefaultSimPrefixCaching follows vLLM V1, where automatic prefix
	// caching is on unless --no-enable-prefix-caching is given.
	DefaultSimPrefixCaching = true
	// DefaultSimBlockSize is vLLM's default --block-size on GPUs.
	DefaultSimBlockSize   = 16
	DefaultSimErrorStatus = []int{500}
	DefaultSimStall       = Duration(time.Minute)
)

// DefaultBuiltin returns a builtin block with every default set, as the
// defaults pass leaves a scenario that sets none of them (and no
// model.max_model_len).
func DefaultBuiltin() Builtin {
	var b Builtin
	defaultBuiltin(&b, 0, func(string) bool { return false })
	return b
}

// defaultBuiltin fills the unset fields of a builtin block. The context
// length falls back to model.max_model_len before the simulator's own
// default, so a scenario that names its model's context gets a simulator
// that enforces it. A key the file writes, even as zero, is kept for
// validation to judge.
func defaultBuiltin(b *Builtin, modelMaxLen int, present func(string) bool) {
	const p = "server.builtin."
	maxLen := DefaultSimMaxModelLen
	if modelMaxLen > 0 {
		maxLen = modelMaxLen
	}
	setInt(&b.MaxModelLen, maxLen, p+"max_model_len", present)
	setInt(&b.MaxNumSeqs, DefaultSimMaxNumSeqs, p+"max_num_seqs", present)
	setInt(&b.KVCacheTokens, DefaultSimKVCacheTokens, p+"kv_cache_tokens", present)
	setInt(&b.BlockSize, DefaultSimBlockSize, p+"block_size", present)
	setDuration(&b.PrefillPerToken, DefaultSimPrefillPerToken, p+"prefill_per_token", present)
	setDuration(&b.DecodeStep, DefaultSimDecodeStep, p+"decode_step", present)
	setDuration(&b.DecodePerSeq, DefaultSimDecodePerSeq, p+"decode_per_seq", present)
	if b.PrefixCaching == nil {
		b.PrefixCaching = ptr(DefaultSimPrefixCaching)
	}
	if len(b.Faults.ErrorStatus) == 0 && !present(p+"faults.error_status") {
		b.Faults.ErrorStatus = append([]int(nil), DefaultSimErrorStatus...)
	}
	setDuration(&b.Faults.Stall, DefaultSimStall, p+"faults.stall", present)
}

func setInt(v *int, def int, path string, present func(string) bool) {
	if *v == 0 && !present(path) {
		*v = def
	}
}
