package main

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented starter scenario (servebench.yaml by default) that validate accepts",
		ArgsUsage: "[FILE]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "server-url", Usage: "attach to the server at `URL` (default: the built-in simulator)"},
			&cli.StringFlag{Name: "model", Usage: "model `ID` served there (default: the first id its /v1/models lists)"},
			&cli.IntFlag{Name: "max-model-len", Usage: "the server's context length in `TOKENS` (default: read from /v1/models; 4096 for the simulator)"},
			&cli.StringFlag{Name: "ready-path", Usage: "write a readiness `PATH` to poll before the run, with --server-url (default: none written)"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing file"},
		},
		Action: initAction,
	}
}

// starter is what init writes, from its flags.
type starter struct {
	url, model, readyPath string
	maxModelLen           int // 0: not given
}

func initAction(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("init takes at most one file name, got %d arguments", c.NArg())
	}
	path := "servebench.yaml"
	if c.NArg() == 1 {
		path = c.Args().First()
	}
	st := starter{url: c.String("server-url"), model: c.String("model"),
		readyPath: c.String("ready-path"), maxModelLen: c.Int("max-model-len")}
	src, err := st.render(path)
	if err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if c.Bool("force") {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return usagef("init: %w (use --force to overwrite)", err)
	}
	_, werr := f.WriteString(src)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("init: write %q: %w", path, err)
	}
	fmt.Fprintf(c.App.Writer, "wrote %s; check it with: servebench validate %s\n", path, path)
	return nil
}

// render writes the starter scenario and checks it exactly as `validate`
// will: init never writes a file that validate rejects. A flag that would
// make it invalid is refused with what would be valid.
func (st starter) render(path string) (string, error) {
	if st.maxModelLen < 0 {
		return "", usagef("--max-model-len %d: want a positive number of tokens", st.maxModelLen)
	}
	if st.readyPath != "" && st.url == "" {
		return "", usagef("--ready-path %q: the built-in simulator needs no readiness path; use it with --server-url", st.readyPath)
	}
	profile, err := starterProfile(st.maxModelLen)
	if err != nil {
		return "", err
	}
	src := st.text(profile)
	if _, err := schema.LoadBytes(path, []byte(src), os.LookupEnv); err != nil {
		return "", usagef("init: the flags make a scenario that does not validate, nothing written:\n%w", err)
	}
	return src, nil
}

// starterProfiles are the built-in profiles init may choose, largest first:
// the largest that fits the context length is written.
var starterProfiles = []string{"safe", "dev"}

func starterProfile(maxModelLen int) (string, error) {
	for _, name := range starterProfiles {
		if schema.BuiltinProfiles[name].Fits(maxModelLen) {
			return name, nil
		}
	}
	smallest := starterProfiles[len(starterProfiles)-1]
	p := schema.BuiltinProfiles[smallest]
	return "", usagef("--max-model-len %d: even the smallest built-in profile, %s, needs %d + %d = %d tokens; "+
		"give a context length of at least %d, or write a profile of your own under profiles:",
		maxModelLen, smallest, p.Input.Fixed, p.Output.Fixed, p.Input.Fixed+p.Output.Fixed, p.Input.Fixed+p.Output.Fixed)
}

// text is the commented scenario. User values are written as YAML
// double-quoted scalars (strconv.Quote's escapes are YAML's), so no value
// can add a key of its own.
func (st starter) text(profile string) string {
	p := schema.BuiltinProfiles[profile]
	var b strings.Builder
	b.WriteString(starterHeader)
	if st.url == "" {
		b.WriteString("# server: no block means the built-in simulator (no GPU needed).\n" +
			"# To attach to a running server instead:\n# server:\n#   url: http://127.0.0.1:8000\n\n")
		b.WriteString("model:\n")
		b.WriteString("  name: " + strconv.Quote(cmp.Or(st.model, schema.DefaultSimModel)) + "\n")
		fmt.Fprintf(&b, "  max_model_len: %d   # every profile's input + output must fit\n", cmp.Or(st.maxModelLen, 4096))
	} else {
		b.WriteString("server:\n  url: " + strconv.Quote(st.url) + "   # an already running OpenAI-compatible server\n")
		if st.readyPath != "" {
			b.WriteString("  ready: {path: " + strconv.Quote(st.readyPath) + "}\n")
		}
		// A model block of comments only would be null, which validate
		// refuses: the key itself is commented out until it has a child.
		if st.model == "" && st.maxModelLen == 0 {
			b.WriteString("\n# model:\n")
		} else {
			b.WriteString("\nmodel:\n")
		}
		if st.model == "" {
			b.WriteString("  # name: default: the first id the server's /v1/models lists\n")
		} else {
			b.WriteString("  name: " + strconv.Quote(st.model) + "\n")
		}
		if st.maxModelLen == 0 {
			b.WriteString("  # max_model_len: read from /v1/models when the server reports it\n")
		} else {
			fmt.Fprintf(&b, "  max_model_len: %d   # every profile's input + output must fit\n", st.maxModelLen)
		}
	}
	fmt.Fprintf(&b, starterBody, profile, p.Input.Fixed, p.Output.Fixed)
	return b.String()
}

const starterHeader = `# yaml-language-server: $schema=./scenario.schema.json
# (write the schema next to this file with: servebench schema > scenario.schema.json)
# Starter scenario written by 'servebench init'. Reference: the README's
# "Scenario reference"; check with 'servebench validate' before spending GPU time.
version: 1
name: starter
description: Concurrency sweep of one built-in token profile

`

const starterBody = `
api:
  endpoint: completions   # or chat
  # api_key: ${OPENAI_API_KEY}

stages:
  - name: sweep
    profile: %s   # %d input / %d output tokens (built in: dev 128/64, safe 256/128, balanced 384/256, stress 512/256)
    concurrency: [1, 2, 4, 8] # or 8, or {from: 1, to: 32, step: 1}
    requests: 32              # measured requests per level
    warmup: 2

thresholds:
  - expr: error_rate == 0
  - name: interactive TTFT
    when: concurrency <= 4
    expr: ttft.p99 < 2000     # milliseconds

report:
  dir: bench_results
  formats: [markdown, html, json, junit]
`
