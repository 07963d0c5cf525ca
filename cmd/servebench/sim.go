package main

import (
	"errors"
	"io"
	"net"
	"strconv"

	"github.com/servebench/servebench/engine/sim"
	"github.com/urfave/cli/v2"
)

// simExitStatus is the exit status of `servebench sim` after its exit_after
// fault fired: a server that died, as the reliability tests expect.
const simExitStatus = 1

func simCommand() *cli.Command {
	d := sim.DefaultConfig() // schema's defaults, so `sim` serves what a scenario's builtin block would
	return &cli.Command{
		Name:  "sim",
		Usage: "serve the built-in vLLM-like simulator (OpenAI API, /metrics) until SIGTERM",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "listen address"},
			&cli.IntFlag{Name: "port", Value: 8000, Usage: "listen port"},
			&cli.StringFlag{Name: "model", Value: d.Model, Usage: "served model id"},
			&cli.IntFlag{Name: "max-model-len", Value: d.MaxModelLen, Usage: "context length enforced"},
			&cli.IntFlag{Name: "max-num-seqs", Value: d.MaxNumSeqs, Usage: "sequences decoded together"},
			&cli.IntFlag{Name: "kv-cache-tokens", Value: d.KVCacheTokens, Usage: "KV-cache budget in tokens"},
			&cli.BoolFlag{Name: "enable-prefix-caching", Value: d.PrefixCaching, Usage: "model vLLM's automatic prefix caching (=false to turn off)"},
			&cli.IntFlag{Name: "block-size", Value: d.BlockSize, Usage: "tokens per KV-cache block"},
			&cli.DurationFlag{Name: "prefill-per-token", Value: d.PrefillPerToken, Usage: "prefill cost per uncached prompt token"},
			&cli.DurationFlag{Name: "decode-step", Value: d.DecodeStep, Usage: "decode step time with one sequence"},
			&cli.DurationFlag{Name: "decode-per-seq", Value: d.DecodePerSeq, Usage: "added per running sequence"},
			&cli.BoolFlag{Name: "zero-latency", Usage: "answer as fast as possible (client benchmarks)"},
			&cli.Int64Flag{Name: "seed", Usage: "seed for stop lengths and faults"},
			&cli.Float64Flag{Name: "error-rate", Usage: "fraction of requests answered with an error status"},
			&cli.IntSliceFlag{Name: "error-status", Value: cli.NewIntSlice(d.Faults.ErrorStatus...), Usage: "statuses of injected errors (500, 503, 429)"},
			&cli.Float64Flag{Name: "drop-rate", Usage: "fraction of streams whose connection is dropped mid-stream"},
			&cli.Float64Flag{Name: "malformed-rate", Usage: "fraction of streams with a malformed chunk"},
			&cli.Float64Flag{Name: "error-mid-stream", Usage: "fraction of streams with an error object mid-stream"},
			&cli.Float64Flag{Name: "stall-rate", Usage: "fraction of streams that stall"},
			&cli.DurationFlag{Name: "stall", Value: d.Faults.Stall, Usage: "how long a stalled stream stalls"},
			&cli.IntFlag{Name: "exit-after", Usage: "exit (status 1) after N requests"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not log requests"},
		},
		Action: simAction,
	}
}

func simAction(c *cli.Context) error {
	cfg := sim.Config{
		Model: c.String("model"), MaxModelLen: c.Int("max-model-len"), MaxNumSeqs: c.Int("max-num-seqs"),
		KVCacheTokens: c.Int("kv-cache-tokens"), PrefixCaching: c.Bool("enable-prefix-caching"), BlockSize: c.Int("block-size"),
		PrefillPerToken: c.Duration("prefill-per-token"), DecodeStep: c.Duration("decode-step"), DecodePerSeq: c.Duration("decode-per-seq"),
		ZeroLatency: c.Bool("zero-latency"), Seed: c.Int64("seed"),
		Faults: sim.Faults{
			ErrorRate: c.Float64("error-rate"), ErrorStatus: c.IntSlice("error-status"),
			DropRate: c.Float64("drop-rate"), MalformedRate: c.Float64("malformed-rate"),
			ErrorMidStream: c.Float64("error-mid-stream"), StallRate: c.Float64("stall-rate"),
			Stall: c.Duration("stall"), ExitAfter: c.Int("exit-after"),
		},
	}
	if err := cfg.Validate(); err != nil {
		return &exitError{code: ExitInvalid, err: err}
	}
	addr := net.JoinHostPort(c.String("host"), strconv.Itoa(c.Int("port")))
	var logw io.Writer = c.App.ErrWriter
	if c.Bool("quiet") {
		logw = nil
	}
	err := sim.ListenAndServe(c.Context, addr, cfg, logw)
	if errors.Is(err, sim.ErrExited) {
		return &exitError{code: simExitStatus, err: err}
	}
	if err != nil {
		return &exitError{code: ExitRunFailed, err: err}
	}
	return nil
}
