// Command servebench benchmarks OpenAI-compatible LLM inference servers from
// declarative YAML scenarios. This package is the command line only: flags,
// environment variables, signals and exit codes. Everything a test of another
// package would need lives in schema, engine or reports.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=..."; a plain
// `go run` or `go build` reports the module version from the build info.
var version = ""

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run is main without os.Exit, so tests can call it in-process. Both
// output streams pass the redaction funnel (streams.go), and so does the
// standard library's log package.
func run(args []string, stdout, stderr io.Writer) int {
	out, errw := newStream(stdout, false), newStream(stderr, true)
	defer func() { _ = errors.Join(out.Flush(), errw.Flush()) }()
	defer routeStdLog(errw)()
	ctx, stop := signalContext(errw)
	defer stop()
	exitCodeOverride = 0
	app := newApp(out, errw)
	err := app.RunContext(ctx, reorderArgs(app, args))
	return report(errw, err)
}

// signalContext is cancelled by the first SIGINT or SIGTERM; the engine then
// stops starting requests, saves what was measured and the reports are still
// rendered. A second signal kills the process the default way.
func signalContext(stderr io.Writer) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-ch:
			fmt.Fprintf(stderr, "\nservebench: %v received: stopping, saving what was measured (again to force quit)\n", sig)
			cancel()
			signal.Reset(os.Interrupt, syscall.SIGTERM)
		case <-ctx.Done():
		}
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}

func init() { cli.FlagStringer = withoutUnsetDefault(cli.FlagStringer) }

// withoutUnsetDefault keeps help from printing "(default: 0)" or
// "(default: false)": for most flags zero means "not given" (an override
// leaves the scenario's value alone, a bench-client size follows the mode),
// not the value zero. Real defaults such as sim's "(default: 8000)" stay.
func withoutUnsetDefault(next cli.FlagStringFunc) cli.FlagStringFunc {
	return func(f cli.Flag) string {
		s := next(f)
		if df, ok := f.(cli.DocGenerationFlag); ok {
			switch t := df.GetDefaultText(); t {
			case "0", "0s", "false":
				s = strings.Replace(s, " (default: "+t+")", "", 1)
			}
		}
		return s
	}
}

// noColorFromEnvironment makes --no-color follow no-color.org: NO_COLOR
// with any non-empty value turns colour off (useColor reads it). As the
// flag's environment variable, urfave/cli would parse it as a bool and exit
// 2 on NO_COLOR=yes, so it is taken off the flag here, for every command.
func noColorFromEnvironment(f cli.Flag) {
	b, ok := f.(*cli.BoolFlag)
	if !ok || b.Name != "no-color" || !slices.Contains(b.EnvVars, noColorEnv) {
		return
	}
	b.EnvVars = slices.DeleteFunc(slices.Clone(b.EnvVars), func(e string) bool { return e == noColorEnv })
	b.Usage += " (also: NO_COLOR set to any value)"
}

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                 "servebench",
		Usage:                "benchmark OpenAI-compatible LLM inference servers from YAML scenarios",
		Version:              buildVersion(),
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		ExitErrHandler:       func(*cli.Context, error) {}, // exit codes are mapped in one place: report
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageErr(err)
		},
		Commands: []*cli.Command{
			runCommand(), validateCommand(), planCommand(), reportCommand(), compareCommand(),
			importCommand(), simCommand(), initCommand(), schemaCommand(), metricsCommand(), versionCommand(),
			completionCommand(), benchClientCommand(), kubeCommand(), mergeCommand(),
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "servebench: unknown command %q; run 'servebench --help'\n", name)
			exitCodeOverride = ExitInvalid
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageErr(err) }
		c.HideHelpCommand = true // keeps `help` out of completions after a command
		for _, f := range c.Flags {
			noColorFromEnvironment(f)
		}
	}
	return app
}
