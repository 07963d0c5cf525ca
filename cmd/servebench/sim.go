package main

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

// simExitStatus is the exit status of `servebench sim` after its exit_after
// fault fired: a server that died, as the reliability tests expect.
const simExitStatus = 1

// simFlags maps each simulator flag to its key of server.builtin: the
// flags are checked and defaulted by schema exactly like that block of a
// scenario file. The defaults shown are schema's.
var simFlags = []struct {
	flag cli.Flag
	key  string // path under server.builtin
}{
	{&cli.IntFlag{Name: "max-model-len", Value: schema.DefaultSimMaxModelLen, Usage: "context length enforced"}, "max_model_len"},
	{&cli.IntFlag{Name: "max-num-seqs", Value: schema.DefaultSimMaxNumSeqs, Usage: "sequences decoded together"}, "max_num_seqs"},
	{&cli.IntFlag{Name: "kv-cache-tokens", Value: schema.DefaultSimKVCacheTokens, Usage: "KV-cache budget in tokens"}, "kv_cache_tokens"},
	{&cli.BoolFlag{Name: "enable-prefix-caching", Value: schema.DefaultSimPrefixCaching, Usage: "model vLLM's automatic prefix caching (=false to turn off)"}, "prefix_caching"},
	{&cli.IntFlag{Name: "block-size", Value: schema.DefaultSimBlockSize, Usage: "tokens per KV-cache block"}, "block_size"},
	{&cli.DurationFlag{Name: "prefill-per-token", Value: schema.DefaultSimPrefillPerToken.D(), Usage: "prefill cost per prompt token"}, "prefill_per_token"},
	{&cli.DurationFlag{Name: "decode-step", Value: schema.DefaultSimDecodeStep.D(), Usage: "decode step time with one sequence"}, "decode_step"},
	{&cli.DurationFlag{Name: "decode-per-seq", Value: schema.DefaultSimDecodePerSeq.D(), Usage: "added per running sequence"}, "decode_per_seq"},
	{&cli.BoolFlag{Name: "zero-latency", Usage: "answer as fast as possible (client benchmarks)"}, "zero_latency"},
	{&cli.Float64Flag{Name: "error-rate", Usage: "fraction of requests answered with an error status"}, "faults.error_rate"},
	{&cli.IntSliceFlag{Name: "error-status", Usage: "statuses of injected errors (500, 503, 429; default 500)"}, "faults.error_status"},
	{&cli.Float64Flag{Name: "drop-rate", Usage: "fraction of streams whose connection is dropped mid-stream"}, "faults.drop_rate"},
	{&cli.Float64Flag{Name: "malformed-rate", Usage: "fraction of streams with a malformed chunk"}, "faults.malformed_rate"},
	{&cli.Float64Flag{Name: "error-mid-stream", Usage: "fraction of streams with an error object mid-stream"}, "faults.error_mid_stream"},
	{&cli.Float64Flag{Name: "stall-rate", Usage: "fraction of streams that stall"}, "faults.stall_rate"},
	{&cli.DurationFlag{Name: "stall", Value: schema.DefaultSimStall.D(), Usage: "how long a stalled stream stalls"}, "faults.stall"},
	{&cli.IntFlag{Name: "exit-after", Usage: "exit (status 1) after N requests"}, "faults.exit_after"},
}

func simCommand() *cli.Command {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "listen address"},
		&cli.IntFlag{Name: "port", Value: 8000, Usage: "listen port"},
		&cli.StringFlag{Name: "model", Value: schema.DefaultSimModel, Usage: "served model id"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for stop lengths and faults"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "do not log requests"},
	}
	for _, f := range simFlags {
		flags = append(flags, f.flag)
	}
	return &cli.Command{
		Name:   "sim",
		Usage:  "serve the built-in vLLM-like simulator (OpenAI API, /metrics) until SIGTERM",
		Flags:  flags,
		Action: simAction,
	}
}

func simAction(c *cli.Context) error {
	b, err := simSettings(c)
	if err != nil {
		return err
	}
	cfg := sim.ConfigFrom(b, c.String("model"), c.Int64("seed"))
	addr := net.JoinHostPort(c.String("host"), strconv.Itoa(c.Int("port")))
	var logw io.Writer = c.App.ErrWriter
	if c.Bool("quiet") {
		logw = nil
	}
	err = sim.ListenAndServe(c.Context, addr, cfg, logw)
	if errors.Is(err, sim.ErrExited) {
		return &exitError{code: simExitStatus, err: err}
	}
	if err != nil {
		return &exitError{code: ExitRunFailed, err: err}
	}
	return nil
}

// simSettings checks the flags given as server.builtin would be checked in
// a file; a problem names its flag.
func simSettings(c *cli.Context) (schema.Builtin, error) {
	settings, faults := map[string]any{}, map[string]any{}
	for _, f := range simFlags {
		name := f.flag.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		var v any = c.Value(name)
		switch f.flag.(type) {
		case *cli.DurationFlag:
			v = c.Duration(name).String()
		case *cli.IntSliceFlag:
			v = c.IntSlice(name)
		}
		if key, ok := strings.CutPrefix(f.key, "faults."); ok {
			faults[key] = v
		} else {
			settings[f.key] = v
		}
	}
	if len(faults) > 0 {
		settings["faults"] = faults
	}
	b, err := schema.CheckBuiltin(settings)
	var diags *schema.Diagnostics
	if errors.As(err, &diags) {
		for i := range diags.List {
			diags.List[i].Origin = simFlagOf(diags.List[i].Path)
		}
	}
	if err != nil {
		return b, usageErr(err)
	}
	return b, nil
}

// simFlagOf names the flag of a server.builtin path.
func simFlagOf(path string) string {
	for _, f := range simFlags {
		if p := "server.builtin." + f.key; path == p || strings.HasPrefix(path, p+"[") {
			return "--" + f.flag.Names()[0]
		}
	}
	return "servebench sim"
}
