package main

import (
	"fmt"
	"runtime/debug"

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

// metricsCommand prints the names a threshold can read; validate's hint for
// an unknown metric name points here.
func metricsCommand() *cli.Command {
	return &cli.Command{
		Name:  "metrics",
		Usage: "print the metric reference: every name a threshold's expr and when can read, with unit and meaning",
		Action: func(c *cli.Context) error {
			return schema.WriteMetricReference(c.App.Writer)
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
