package main

import (
	"slices"

	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

// cliProfile is the name of the profile built from --input-len/--output-len.
const cliProfile = "cli"

// Seed defaults of run_benchmark.sh, used when only some sweep flags are given.
const (
	defaultMinConcurrency = 1
	defaultMaxConcurrency = 32
	defaultStep           = 1
)

// overrideFlags are the run flags that change the scenario, each also an
// environment variable, named as the old run_benchmark.sh named them.
func overrideFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "server-url", EnvVars: []string{"SERVEBENCH_SERVER_URL", "VLLM_SERVER_URL"},
			Usage: "attach to a running server at `URL` instead of the scenario's server block"},
		&cli.StringFlag{Name: "model", EnvVars: []string{"MODEL"}, Usage: "model `ID` to request"},
		&cli.IntFlag{Name: "num-prompts", EnvVars: []string{"NUM_PROMPTS"}, Usage: "measured requests per level (`N`)"},
		&cli.IntFlag{Name: "input-len", EnvVars: []string{"INPUT_LEN"}, Usage: "prompt tokens per request"},
		&cli.IntFlag{Name: "output-len", EnvVars: []string{"OUTPUT_LEN"}, Usage: "output tokens per request"},
		&cli.StringFlag{Name: "profile", Usage: "token profile `NAME` for every stage (dev, safe, balanced, stress, ...)"},
		&cli.IntFlag{Name: "single", Aliases: []string{"c"}, Usage: "run every closed-loop stage at concurrency `N` only"},
		&cli.IntFlag{Name: "min-concurrency", Usage: "sweep start (default 1 when a sweep flag is given)"},
		&cli.IntFlag{Name: "max-concurrency", Usage: "sweep end (default 32 when a sweep flag is given)"},
		&cli.IntFlag{Name: "step", Usage: "sweep step (default 1 when a sweep flag is given)"},
		&cli.StringSliceFlag{Name: "stage", Usage: "run only the stage `NAME` (repeatable)"},
		&cli.StringFlag{Name: "results-dir", EnvVars: []string{"SERVEBENCH_RESULTS_DIR"}, Usage: "write runs under `DIR`"},
		&cli.Int64Flag{Name: "seed", Usage: "seed for prompts, arrivals and the simulator"},
		&cli.IntFlag{Name: "repeat", Usage: "run every level `N` times"},
	}
}

// applyOverrides changes the decoded scenario as the flags say, then the
// scenario is validated again, so a flag can never smuggle in what the file
// could not (e.g. --input-len 512 --output-len 512 against max_model_len 896).
func applyOverrides(c *cli.Context, sc *schema.Scenario) error {
	if u := c.String("server-url"); u != "" {
		sc.Server = schema.Server{URL: u, Ready: sc.Server.Ready, Metrics: sc.Server.Metrics,
			StopTimeout: sc.Server.StopTimeout, Log: sc.Server.Log}
	}
	if m := c.String("model"); m != "" {
		sc.Model.Name = m
	}
	if c.IsSet("seed") {
		sc.Seed = c.Int64("seed")
	}
	if d := c.String("results-dir"); d != "" {
		sc.Report.Dir = d
	}
	if err := selectStages(sc, c.StringSlice("stage")); err != nil {
		return err
	}
	if err := overrideProfile(c, sc); err != nil {
		return err
	}
	overrideLevels(c, sc)
	return nil
}

func selectStages(sc *schema.Scenario, names []string) error {
	if len(names) == 0 {
		return nil
	}
	var kept []schema.Stage
	for _, n := range names {
		i := slices.IndexFunc(sc.Stages, func(s schema.Stage) bool { return s.Name == n })
		if i < 0 {
			return usagef("--stage %q: no such stage; the scenario has %v", n, stageNames(sc))
		}
		kept = append(kept, sc.Stages[i])
	}
	sc.Stages = kept
	return nil
}

func stageNames(sc *schema.Scenario) []string {
	var out []string
	for _, s := range sc.Stages {
		out = append(out, s.Name)
	}
	return out
}

// overrideProfile applies --profile, or --input-len/--output-len as a
// profile named "cli" (a missing half comes from the first stage's profile).
func overrideProfile(c *cli.Context, sc *schema.Scenario) error {
	name := c.String("profile")
	if c.IsSet("input-len") || c.IsSet("output-len") {
		if name != "" {
			return usagef("--profile and --input-len/--output-len exclude each other")
		}
		base, _ := sc.ProfileFor(firstProfile(sc))
		if c.IsSet("input-len") {
			base.Input = c.Int("input-len")
		}
		if c.IsSet("output-len") {
			base.Output = c.Int("output-len")
		}
		if sc.Profiles == nil {
			sc.Profiles = map[string]schema.Profile{}
		}
		sc.Profiles[cliProfile] = base
		name = cliProfile
	}
	if name == "" {
		return nil
	}
	for i := range sc.Stages {
		sc.Stages[i].Profile = schema.ProfileRef{name}
	}
	if _, ok := sc.ProfileFor(name); !ok {
		return usagef("--profile %q: unknown profile", name)
	}
	return nil
}

func firstProfile(sc *schema.Scenario) string {
	if len(sc.Stages) > 0 && len(sc.Stages[0].Profile) > 0 {
		return sc.Stages[0].Profile[0]
	}
	return "safe"
}

// overrideLevels applies --num-prompts, --repeat, --single and the sweep
// flags to every stage they make sense for.
func overrideLevels(c *cli.Context, sc *schema.Scenario) {
	sweep := c.IsSet("min-concurrency") || c.IsSet("max-concurrency") || c.IsSet("step")
	for i := range sc.Stages {
		st := &sc.Stages[i]
		if n := c.Int("num-prompts"); c.IsSet("num-prompts") && st.Search == nil {
			st.Requests, st.Duration = n, 0
		}
		if c.IsSet("repeat") {
			st.Repeat = c.Int("repeat")
		}
		if st.Concurrency == nil {
			continue
		}
		switch {
		case c.IsSet("single"):
			n := c.Int("single")
			st.Concurrency = &schema.Levels{Values: []int{n}, From: n, To: n, Step: 1}
		case sweep:
			st.Concurrency = sweepLevels(intOr(c, "min-concurrency", defaultMinConcurrency),
				intOr(c, "max-concurrency", defaultMaxConcurrency), intOr(c, "step", defaultStep))
		}
	}
}

// sweepLevels expands from..to by step; an empty or descending range stays
// empty so that validation reports it with the numbers.
func sweepLevels(from, to, step int) *schema.Levels {
	l := &schema.Levels{From: from, To: to, Step: step}
	for v := from; step > 0 && v <= to; v += step {
		l.Values = append(l.Values, v)
	}
	return l
}

func intOr(c *cli.Context, name string, def int) int {
	if c.IsSet(name) {
		return c.Int(name)
	}
	return def
}
