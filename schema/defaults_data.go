package schema

import "github.com/servebench/servebench/schema/dataset"

// Defaults of the traffic that comes from files (traffic_data.go), applied
// by the one defaults pass (defaults.go).
var (
	// DefaultDatasetOrder walks a dataset in file order.
	DefaultDatasetOrder = OrderSequential
	// DefaultOverLength leaves a record over max_model_len out and counts
	// it, as `vllm bench serve` does with its too-long entries.
	DefaultOverLength = OverLengthSkip
	// DefaultDatasetOutput is the output length of a jsonl record that
	// gives none: `vllm bench serve`'s default --custom-output-len.
	DefaultDatasetOutput = 256
	// DefaultReplaySpeed replays a trace at its own pace.
	DefaultReplaySpeed = 1.0
	// DefaultTraceBlockSize is the tokens per hash id of the published
	// Mooncake traces.
	DefaultTraceBlockSize = dataset.DefaultBlockSize
)

// defaultDataset fills a dataset's order, policy and fallback output.
func defaultDataset(d *Dataset, path string, present func(string) bool) *Dataset {
	x := *d
	setString(&x.Order, DefaultDatasetOrder)
	setString(&x.OverLength, DefaultOverLength)
	setInt(&x.OutputTokens, DefaultDatasetOutput, path+".output_tokens", present)
	return &x
}

// defaultReplay fills a replay's speed and block size.
func defaultReplay(r *Replay, path string, present func(string) bool) *Replay {
	x := *r
	if x.Speed == nil && !present(path+".speed") {
		x.Speed = &RateLevels{Values: []float64{DefaultReplaySpeed}}
	}
	setInt(&x.BlockSize, DefaultTraceBlockSize, path+".block_size", present)
	return &x
}
