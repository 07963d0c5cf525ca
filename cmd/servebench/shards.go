package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
	"github.com/urfave/cli/v2"
)

// jobIndexEnv is the variable in which a Kubernetes Indexed Job tells each
// pod its completion index: the shard index with --shards.
const jobIndexEnv = "JOB_COMPLETION_INDEX"

// shardFlags are run's flags for sharded runs.
func shardFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "shard", Usage: "run shard `I/N`: part I (from 0) of N of every stage's load"},
		&cli.IntFlag{Name: "shards", Usage: "run one of `N` shards, the index taken from " + jobIndexEnv + " (set by a Kubernetes Indexed Job)"},
		&cli.StringFlag{Name: "rendezvous", Usage: "shard 0's `HOST:PORT` (default port " + strconv.Itoa(shard.DefaultPort) +
			"): shard 0 listens there, the others connect; stages start together and shard 0 writes the merged run"},
		&cli.StringFlag{Name: "rendezvous-token", EnvVars: []string{shard.TokenEnv},
			Usage: "shared `TOKEN` that, with the scenario file, admits a shard to the rendezvous"},
		&cli.DurationFlag{Name: "rendezvous-timeout", Value: shard.DefaultTimeout,
			Usage: "how long shard 0 waits for every shard to join, and (plus api.timeout) for the last to reach a stage after the first and for the results"},
	}
}

// shardOptions reads the shard flags; nil when the run is not sharded.
// Every problem is returned at once.
func shardOptions(c *cli.Context) (*engine.ShardOptions, error) {
	if !c.IsSet("shard") && !c.IsSet("shards") {
		if c.IsSet("rendezvous") {
			return nil, usagef("--rendezvous: give --shard I/N or --shards N too")
		}
		return nil, nil
	}
	var errs []error
	so := &engine.ShardOptions{Rendezvous: c.String("rendezvous"), Timeout: c.Duration("rendezvous-timeout")}
	switch {
	case c.IsSet("shard") && c.IsSet("shards"):
		errs = append(errs, fmt.Errorf("--shard and --shards exclude each other: --shard I/N names the index, --shards N takes it from %s", jobIndexEnv))
	case c.IsSet("shard"):
		var err error
		if so.Index, so.Count, err = shard.ParseSpec(c.String("shard")); err != nil {
			errs = append(errs, fmt.Errorf("--shard %w", err))
		}
	default:
		so.Count = c.Int("shards")
		idx, set := os.LookupEnv(jobIndexEnv)
		i, err := strconv.Atoi(strings.TrimSpace(idx))
		switch {
		case !set:
			errs = append(errs, fmt.Errorf("--shards %d: %s is not set: give --shard I/N outside a Kubernetes Indexed Job", so.Count, jobIndexEnv))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s=%q is not a shard index", jobIndexEnv, idx))
		default:
			so.Index = i
			if err := shard.CheckIndex(i, so.Count); err != nil {
				errs = append(errs, fmt.Errorf("--shards with %s: %w", jobIndexEnv, err))
			}
		}
	}
	if so.Rendezvous != "" {
		if _, _, err := shard.SplitAddr(so.Rendezvous); err != nil {
			errs = append(errs, fmt.Errorf("--rendezvous: %w", err))
		}
		if so.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("--rendezvous-timeout %s: give a positive duration", so.Timeout))
		}
	}
	if len(errs) > 0 {
		return nil, usageErr(errors.Join(errs...))
	}
	return so, nil
}

// checkSharded checks that the scenario can run sharded as asked, and
// derives the rendezvous key from the scenario file and the token.
func checkSharded(c *cli.Context, so *engine.ShardOptions, plan *engine.Plan) error {
	var errs []error
	if err := engine.CheckShardable(plan, so.Index, so.Count, so.Rendezvous); err != nil {
		errs = append(errs, err)
	}
	if so.Rendezvous != "" {
		src, err := readBounded(plan.Scenario.File, schema.MaxScenarioBytes)
		if err != nil {
			errs = append(errs, err)
		}
		token := c.String("rendezvous-token")
		redact.Add(token)
		so.Key = shard.Key(src, token)
	}
	if len(errs) > 0 {
		return usageErr(errors.Join(errs...))
	}
	return nil
}

// readBounded reads at most limit bytes of a file.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the scenario for the rendezvous key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("more than %d bytes", limit)
	}
	if err != nil {
		return nil, fmt.Errorf("read the scenario %q for the rendezvous key: %w", path, err)
	}
	return b, nil
}
