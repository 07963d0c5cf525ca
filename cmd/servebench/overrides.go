package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

// overrideFlags are the run flags that change the scenario, each also an
// environment variable, named as the old run_benchmark.sh named them.
func overrideFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "server-url", EnvVars: []string{"SERVEBENCH_SERVER_URL", "VLLM_SERVER_URL"},
			Usage: "attach to a running server at `URL` instead of the scenario's server block (without --model: the first model it lists)"},
		&cli.StringFlag{Name: "model", EnvVars: []string{"MODEL"}, Usage: "model `ID` to request"},
		&cli.IntFlag{Name: "num-prompts", EnvVars: []string{"NUM_PROMPTS"}, Usage: "measured requests per level (`N`)"},
		&cli.IntFlag{Name: "input-len", EnvVars: []string{"INPUT_LEN"}, Usage: "prompt tokens per request"},
		&cli.IntFlag{Name: "output-len", EnvVars: []string{"OUTPUT_LEN"}, Usage: "output tokens per request"},
		&cli.StringFlag{Name: "profile", Usage: "token profile `NAME` for every stage (dev, safe, balanced, stress, ...)"},
		&cli.IntFlag{Name: "single", Aliases: []string{"c"}, Usage: "run every closed-loop stage at concurrency `N` only"},
		&cli.IntFlag{Name: "min-concurrency", Usage: fmt.Sprintf("sweep start (default %d when a sweep flag is given)", schema.SweepFrom)},
		&cli.IntFlag{Name: "max-concurrency", Usage: fmt.Sprintf("sweep end (default %d when a sweep flag is given)", schema.SweepTo)},
		&cli.IntFlag{Name: "step", Usage: "sweep step (default 1 when a sweep flag is given)"},
		&cli.StringSliceFlag{Name: "stage", Usage: "run only the stage `NAME` (repeatable)"},
		&cli.StringFlag{Name: "results-dir", EnvVars: []string{"SERVEBENCH_RESULTS_DIR"}, Usage: "write runs under `DIR`"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for prompts, arrivals and the simulator"},
		&cli.IntFlag{Name: "repeat", Usage: "run every level `N` times"},
	}
}

// loadScenario loads a scenario file with the override flags applied. The
// overrides are part of loading, so each one is checked exactly like the
// same value in the file, and a problem names the flag or variable.
func loadScenario(c *cli.Context, path string) (*schema.Scenario, error) {
	ov, err := overridesFrom(c)
	if err != nil {
		return nil, err
	}
	sc, err := schema.LoadWithOverrides(c.Context, path, ov)
	var diags *schema.Diagnostics
	switch {
	case err == nil:
		return sc, nil
	case errors.Is(err, context.Canceled):
		return nil, &exitError{code: ExitInterrupted, err: err}
	case errors.As(err, &diags):
		return nil, err
	}
	return nil, usageErr(err) // an unreadable scenario is a command-line error (2), not a failed run (3)
}

// overridesFrom reads the override flags (and their variables).
func overridesFrom(c *cli.Context) (schema.Overrides, error) {
	if c.IsSet("profile") && (c.IsSet("input-len") || c.IsSet("output-len")) {
		return schema.Overrides{}, usagef("--profile and --input-len/--output-len exclude each other")
	}
	ov := schema.Overrides{
		ServerURL: setting(c, "server-url", c.String), Model: setting(c, "model", c.String),
		Requests: setting(c, "num-prompts", c.Int), InputLen: setting(c, "input-len", c.Int),
		OutputLen: setting(c, "output-len", c.Int), Profile: setting(c, "profile", c.String),
		Single: setting(c, "single", c.Int), MinConcurrency: setting(c, "min-concurrency", c.Int),
		MaxConcurrency: setting(c, "max-concurrency", c.Int), Step: setting(c, "step", c.Int),
		ReportDir: setting(c, "results-dir", c.String), Seed: setting(c, "seed", c.Int64),
		Repeat: setting(c, "repeat", c.Int), Stages: setting(c, "stage", c.StringSlice),
	}
	if ov.ServerURL.Value == "" {
		ov.ServerURL = schema.Setting[string]{}
	}
	return ov, nil
}

// setting is one flag as an override, with where its value came from.
func setting[T any](c *cli.Context, name string, get func(string) T) schema.Setting[T] {
	if !c.IsSet(name) {
		return schema.Setting[T]{}
	}
	v := get(name)
	return schema.Setting[T]{Value: v, Origin: origin(c, name, fmt.Sprint(v))}
}

// origin names where a flag's value came from: the environment variable
// when one of the flag's variables holds that value, else the flag. urfave
// reports both sources as "set"; the variable is named so that a bad value
// in VLLM_SERVER_URL is not blamed on a flag the user never typed.
func origin(c *cli.Context, name, value string) string {
	for _, f := range c.Command.Flags {
		ev, ok := f.(interface{ GetEnvVars() []string })
		if !ok || !hasName(f, name) {
			continue
		}
		for _, v := range ev.GetEnvVars() {
			if env, set := os.LookupEnv(v); set && strings.TrimSpace(env) == value {
				return v
			}
		}
	}
	return "--" + name
}

func hasName(f cli.Flag, name string) bool {
	for _, n := range f.Names() {
		if n == name {
			return true
		}
	}
	return false
}
