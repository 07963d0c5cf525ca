package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check scenario files without contacting any server (exit 2 with every problem)",
		ArgsUsage: "SCENARIO.yaml...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "diagnostics as text, json or github (::error annotations)"},
			&cli.BoolFlag{Name: "no-color", EnvVars: []string{"NO_COLOR"}, Usage: "no colours"},
		},
		Action: validateAction,
	}
}

func validateAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("validate needs at least one scenario file")
	}
	format := c.String("format")
	if format != "text" && format != "json" && format != "github" {
		return usagef("--format %q: use text, json or github", format)
	}
	var all []schema.Diagnostic
	for _, path := range c.Args().Slice() {
		sc, err := schema.Load(c.Context, path)
		var d *schema.Diagnostics
		switch {
		case errors.Is(err, context.Canceled):
			return &exitError{code: ExitInterrupted, err: err}
		case err == nil:
			if format == "text" {
				fmt.Fprintf(c.App.Writer, "%s: ok%s\n", path, variantCount(sc))
			}
		case errors.As(err, &d):
			all = append(all, d.List...)
		default:
			all = append(all, schema.Diagnostic{File: path, Message: err.Error()})
		}
	}
	if err := writeDiagnostics(c, format, all); err != nil {
		return err
	}
	if len(all) > 0 {
		return silent(ExitInvalid)
	}
	return nil
}

func writeDiagnostics(c *cli.Context, format string, diags []schema.Diagnostic) error {
	var w io.Writer = c.App.ErrWriter
	switch format {
	case "json":
		return schema.FormatDiagnosticsJSON(c.App.Writer, diags)
	case "github":
		return schema.FormatGitHub(c.App.Writer, diags)
	}
	if len(diags) == 0 {
		return nil
	}
	return schema.FormatText(w, diags, useColor(c, w))
}
