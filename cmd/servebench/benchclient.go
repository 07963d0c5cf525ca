package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/servebench/servebench/engine/benchclient"
	"github.com/urfave/cli/v2"
)

func benchClientCommand() *cli.Command {
	return &cli.Command{
		Name: "bench-client",
		Usage: "measure servebench's own client against the zero-latency simulator, " +
			"in this process and in a separate one (see docs/performance.md)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quick", Usage: "small sizes: finishes in well under a minute"},
			&cli.IntFlag{Name: "requests", Usage: "measured requests per throughput level (default: by mode)"},
			&cli.IntSliceFlag{Name: "concurrency", Usage: "throughput levels (default: by mode)"},
			&cli.IntFlag{Name: "streams", Usage: "streams held open for RSS per stream (0 skips; default: by mode)"},
			&cli.IntFlag{Name: "big", Usage: "requests of the 1-token stage (0 skips; default: by mode)"},
			&cli.StringFlag{Name: "mode", Value: "both", Usage: "where the simulator runs: both, in-process or process"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write a CPU profile of this process (the client) to FILE"},
			&cli.StringFlag{Name: "dir", Usage: "where temporary run directories go (default: the system temp dir)"},
		},
		Action: benchClientAction,
	}
}

func benchClientAction(c *cli.Context) error {
	cfg := benchclient.Full()
	if c.Bool("quick") {
		cfg = benchclient.Quick()
	}
	if c.IsSet("requests") {
		cfg.Requests = c.Int("requests")
	}
	if c.IsSet("concurrency") {
		cfg.Concurrency = c.IntSlice("concurrency")
	}
	if c.IsSet("streams") {
		cfg.Streams = c.Int("streams")
	}
	if c.IsSet("big") {
		cfg.BigRequests = c.Int("big")
	}
	cfg.Dir = c.String("dir")
	switch c.String("mode") {
	case "both":
	case benchclient.ModeInProcess:
	case benchclient.ModeProcess:
		cfg.SkipInProcess = true
	default:
		return usageErr(fmt.Errorf("bench-client: --mode %q: want both, in-process or process", c.String("mode")))
	}
	if c.String("mode") != benchclient.ModeInProcess {
		// The separate-process simulator is this very binary's `sim`.
		exe, err := os.Executable()
		if err != nil {
			return &exitError{code: ExitRunFailed, err: fmt.Errorf("bench-client: find this executable: %w", err)}
		}
		cfg.SimCommand = []string{exe, "sim"}
	}
	if path := c.String("cpuprofile"); path != "" {
		stop, err := startCPUProfile(path)
		if err != nil {
			return &exitError{code: ExitRunFailed, err: err}
		}
		defer stop()
	}
	cfg.Logf = func(format string, args ...any) { fmt.Fprintf(c.App.ErrWriter, format+"\n", args...) }
	rep, err := benchclient.Run(c.Context, cfg)
	if rep != nil && len(rep.Results) > 0 {
		if werr := benchclient.Write(c.App.Writer, rep); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return &exitError{code: ExitRunFailed, err: err}
	}
	return nil
}

// startCPUProfile profiles this process until the returned func is called;
// with a separate-process simulator that is the client alone.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bench-client: cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("bench-client: cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
