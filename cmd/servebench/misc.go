package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:  "schema",
		Usage: "print the JSON Schema of scenario files (for editors: yaml-language-server), or with --run of run.json",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "run", Usage: "the schema of run.json instead"}},
		Action: func(c *cli.Context) error {
			doc := schema.JSONSchema()
			if c.Bool("run") {
				doc = schema.RunJSONSchema()
			}
			_, err := c.App.Writer.Write(doc)
			return err
		},
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "servebench %s\n", buildVersion())
			return nil
		},
	}
}

// buildVersion is the -ldflags version, else the module version, else the
// VCS revision recorded by the Go toolchain, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented starter scenario",
		ArgsUsage: "[FILE]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "server-url", Usage: "attach to the server at `URL` (default: the built-in simulator)"},
			&cli.StringFlag{Name: "model", Usage: "model `ID` served there"},
			&cli.IntFlag{Name: "max-model-len", Usage: "the server's context length"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing file"},
		},
		Action: initAction,
	}
}

func initAction(c *cli.Context) error {
	path := "servebench.yaml"
	if c.NArg() > 0 {
		path = c.Args().First()
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if c.Bool("force") {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return usagef("init: %v (use --force to overwrite)", err)
	}
	defer f.Close()
	if _, err := f.WriteString(starterScenario(c.String("server-url"), c.String("model"), c.Int("max-model-len"))); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %s; check it with: servebench validate %s\n", path, path)
	return nil
}

// starterScenario is a small, valid, commented scenario.
func starterScenario(url, model string, maxLen int) string {
	server := "# server: no block means the built-in simulator (no GPU needed).\n" +
		"# To attach to a running server instead:\n# server:\n#   url: http://127.0.0.1:8000\n"
	if url != "" {
		server = fmt.Sprintf("server:\n  url: %s          # an already running OpenAI-compatible server\n"+
			"  ready: {path: /health, timeout: 2m}\n", url)
	}
	if model == "" {
		model = "sim-model"
	}
	if maxLen == 0 {
		maxLen = 4096
	}
	return fmt.Sprintf(strings.TrimLeft(`
# yaml-language-server: $schema=./scenario.schema.json
# (write the schema next to this file with: servebench schema > scenario.schema.json)
# Starter scenario written by 'servebench init'. Reference: the README's
# "Scenario reference"; check with 'servebench validate' before spending GPU time.
version: 1
name: starter
description: Concurrency sweep with the safe profile (256 input / 128 output tokens)

%s
model:
  name: %s
  max_model_len: %d   # every profile's input + output must fit

api:
  endpoint: completions   # or chat
  # api_key: ${OPENAI_API_KEY}

stages:
  - name: sweep
    profile: safe             # dev 128/64, safe 256/128, balanced 384/256, stress 512/256
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
`, "\n"), server, model, maxLen)
}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash":
				fmt.Fprint(c.App.Writer, bashCompletion)
			case "zsh":
				fmt.Fprint(c.App.Writer, zshCompletion)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				fmt.Fprint(c.App.Writer, s)
			default:
				return usagef("completion: name a shell: bash, zsh or fish")
			}
			return nil
		},
	}
}

// bashCompletion and zshCompletion ask the binary itself
// (--generate-bash-completion) for the words, as urfave/cli's own
// autocomplete scripts do.
const bashCompletion = `# servebench bash completion: source <(servebench completion bash)
_servebench() {
  local cur words
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == -* ]]; then
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    words=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
  [[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o default -F _servebench servebench
`

const zshCompletion = `#compdef servebench
# servebench zsh completion: source <(servebench completion zsh)
_servebench() {
  local -a opts
  opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  _describe 'values' opts
  _files
}
compdef _servebench servebench
`
