package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/servebench/servebench/engine/kube"
	"github.com/servebench/servebench/schema/redact"
	"github.com/urfave/cli/v2"
)

func kubeCommand() *cli.Command {
	return &cli.Command{
		Name:  "kube",
		Usage: "print Kubernetes manifests that run a scenario as N shards of an Indexed Job (pipe into kubectl apply -f -)",
		Description: "Prints a ConfigMap holding the scenario, a headless Service through which the shards find shard 0, " +
			"and an Indexed Job of N pods running 'servebench run --shards N'. Variables the scenario references (${NAME}) " +
			"are read in the pods from a Kubernetes Secret, never written into the manifests. See docs/kubernetes.md.",
		ArgsUsage: "SCENARIO.yaml",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "shards", Usage: "number of pods (`N`, required); each runs its part of every stage"},
			&cli.StringFlag{Name: "image", Usage: "container `IMAGE` holding servebench (required; see the Dockerfile)"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` of the Job and the Service (default: the scenario name, made DNS-safe)"},
			&cli.StringFlag{Name: "namespace", Usage: "`NAMESPACE` of every object (default: kubectl's current one)"},
			&cli.StringFlag{Name: "cpu", Value: kube.DefaultCPU, Usage: "CPU request and limit of each shard (equal: Guaranteed QoS, no throttling surprises)"},
			&cli.StringFlag{Name: "memory", Value: kube.DefaultMemory, Usage: "memory request and limit of each shard"},
			&cli.StringFlag{Name: "secret", Usage: "Kubernetes Secret the ${VAR} values are read from (default: NAME-secrets)"},
			&cli.IntFlag{Name: "port", Value: kube.DefaultPort, Usage: "rendezvous `PORT` shard 0 listens on"},
			&cli.StringFlag{Name: "results-size", Usage: "size limit of the emptyDir results volume, e.g. 2Gi (default: none)"},
			&cli.StringFlag{Name: "results-pvc", Usage: "keep results on this PersistentVolumeClaim (`CLAIM`) instead of an emptyDir"},
			&cli.StringSliceFlag{Name: "file", Usage: "a file the scenario reads (`PATH` relative to its directory), copied into the ConfigMap; repeatable"},
		},
		Action: kubeAction,
	}
}

// kubeAction validates every flag and the scenario, and prints nothing
// unless all of them are valid.
func kubeAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("kube takes exactly one scenario file, got %d arguments", c.NArg())
	}
	opts := kube.Options{
		Shards: c.Int("shards"), Image: c.String("image"), Name: c.String("name"),
		Namespace: c.String("namespace"), CPU: c.String("cpu"), Memory: c.String("memory"),
		Secret: c.String("secret"), Port: c.Int("port"),
		ResultsSize: c.String("results-size"), ResultsPVC: c.String("results-pvc"),
	}
	optErr := opts.Validate()
	src, srcErr := kube.Read(c.Args().First(), c.StringSlice("file"), os.LookupEnv)
	if err := errors.Join(optErr, srcErr); err != nil {
		return usageErr(err)
	}
	m, err := kube.Build(src, opts)
	if err != nil {
		return usageErr(err)
	}
	out, err := m.YAML()
	if err != nil {
		return usageErr(err)
	}
	if _, err := c.App.Writer.Write(out); err != nil {
		return err
	}
	for _, n := range m.Notes {
		fmt.Fprintf(c.App.ErrWriter, "servebench: note: %s\n", redact.Safe(n))
	}
	return nil
}
