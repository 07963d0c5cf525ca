package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/servebench/servebench/engine/testexec"
	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
)

// The README tried line by line, as a new user meets it: every command is
// known, every flag is documented where its command is, every scenario
// example validates, every runnable example runs with the exit code it
// claims, and the CI recipe builds the binary whose exit codes it relies on.

// TestReadmeCommandsAreKnown: no example, run or skipped, calls a command or
// a flag that does not exist.
func TestReadmeCommandsAreKnown(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	doc := readme(t)
	n := 0
	check := func(where string, words []string) {
		for _, inv := range invocations(words) {
			n++
			for _, e := range checkInvocation(app, inv) {
				t.Errorf("%s: %s", where, e)
			}
		}
	}
	for _, b := range readmeBlocks(t, doc) {
		switch {
		case b.lang == "sh":
			for _, l := range shellLines(t, b) {
				check("README.md:"+itoa(b.line)+": "+l.cmd, l.words)
			}
		case b.lang == "yaml" && strings.Contains(b.text, "\njobs:"):
			for _, job := range ciJobs(t, b) {
				for _, run := range job {
					words, _ := shellWords(run)
					check("README.md:"+itoa(b.line)+" (CI recipe): "+run, words)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d servebench commands found in the README: the extraction is broken", n)
	}
}

// TestReadmeDocumentsEveryFlag: each command has a section under Commands
// that names every flag (and alias) and environment variable it takes, and
// names no flag it does not take.
func TestReadmeDocumentsEveryFlag(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	sections := commandSections(readme(t))
	for _, cmd := range app.Commands {
		text, ok := sections[cmd.Name]
		if !ok {
			t.Errorf("no README section has `servebench %s` in its heading", cmd.Name)
			continue
		}
		for _, f := range cmd.Flags {
			for _, name := range f.Names() {
				if !mentionsFlag(text, name) {
					t.Errorf("the README's section of servebench %s does not mention %s", cmd.Name, dashed(name))
				}
			}
			for _, env := range envVars(f) {
				if !strings.Contains(text, env) {
					t.Errorf("the README's section of servebench %s does not mention %s (of %s)", cmd.Name, env, dashed(f.Names()[0]))
				}
			}
		}
	}
	// The other way: a flag a section names exists on one of its commands.
	for name, text := range sections {
		cmd := app.Command(name)
		if cmd == nil {
			t.Errorf("the README documents servebench %s, which does not exist", name)
			continue
		}
		for _, m := range regexpFlag.FindAllStringSubmatch(text, -1) {
			if !sectionHasFlag(app, sections, text, m[1]) {
				t.Errorf("the README's section of servebench %s names %s, which no command of that section takes", name, "--"+m[1])
			}
		}
	}
	if !strings.Contains(readme(t), "NO_COLOR") {
		t.Error("the README does not mention NO_COLOR")
	}
}

// TestReadmeScenariosValidate: every scenario the README shows validates as
// written, with no environment variable set.
func TestReadmeScenariosValidate(t *testing.T) {
	n := 0
	for _, b := range readmeBlocks(t, readme(t)) {
		var top map[string]any
		if b.lang != "yaml" || yaml.Unmarshal([]byte(b.text), &top) != nil || top["version"] == nil {
			continue
		}
		n++
		noEnv := func(string) (string, bool) { return "", false }
		if _, err := schema.LoadBytes("README.md:"+itoa(b.line), []byte(b.text), noEnv); err != nil {
			t.Errorf("the README's scenario at line %d does not validate:\n%v", b.line, err)
		}
	}
	if n < 2 {
		t.Errorf("only %d scenario examples found", n)
	}
}

// TestReadmeExamplesRun runs every sh block not marked as needing a GPU, docker or
// a server, line by line in document order, in a scratch directory that sees
// the repository's scenarios/, schema/ and reports/. `go` lines run in the
// repository with GOBIN in the scratch directory; `servebench` is whatever
// the README's install step put on the PATH, so a README that uses
// servebench before saying how to install it fails here.
func TestReadmeExamplesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's examples")
	}
	t.Parallel() // subprocesses only: no shared state with the other tests
	bash := lookBash(t)
	repo, work := repoRoot(t), readmeWorkDir(t)
	bin := filepath.Join(work, ".bin")
	env := append(cleanEnv(), "GOBIN="+bin, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	installed, ran := false, 0
	var last string // output of the last command, for a text block after it
	for _, b := range readmeBlocks(t, readme(t)) {
		switch {
		case b.lang == "text" && last != "":
			checkShownOutput(t, b, last)
		case b.lang != "sh":
		case b.skip != "":
			t.Logf("README.md:%d: skipped (%s)", b.line, b.skip)
		default:
			for _, l := range shellLines(t, b) {
				dir := work
				if l.words[0] == "go" {
					dir = repo
				} else if !installed && len(invocations(l.words)) > 0 {
					t.Fatalf("README.md:%d: %q calls servebench before the README has installed it", b.line, l.cmd)
				}
				last = runLine(t, bash, dir, env, b.line, l)
				ran++
				if slices.Equal(l.words, []string{"go", "install", "./cmd/servebench"}) {
					installed = fileExists(filepath.Join(bin, "servebench"))
				}
			}
			continue
		}
		last = ""
	}
	if !installed || ran < 15 {
		t.Errorf("installed %v, %d commands run: the README lost its examples", installed, ran)
	}
}

// TestReadmeCIRecipe: the CI recipe never uses go run (which turns every
// exit code into 1), builds the binary before calling it, and its validate
// job runs as written; the binary it builds exits 0, 1, 2 and 3 for a pass,
// a failed threshold, an invalid scenario and an unreachable server, while
// go run says 1 for the invalid scenario, as the README warns.
func TestReadmeCIRecipe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary as the CI recipe does")
	}
	t.Parallel() // subprocesses only: no shared state with the other tests
	bash := lookBash(t)
	repo, work := repoRoot(t), readmeWorkDir(t)
	env := cleanEnv()
	var recipe mdBlock
	for _, b := range readmeBlocks(t, readme(t)) {
		if b.lang == "yaml" && strings.Contains(b.text, "\njobs:") {
			recipe = b
		}
	}
	jobs := ciJobs(t, recipe)
	for name, steps := range jobs {
		built := false
		for _, run := range steps {
			words, _ := shellWords(run)
			switch {
			case strings.Contains(run, "go run"):
				t.Errorf("CI job %s uses go run, which reports every failure as exit 1: %q", name, run)
			case strings.HasPrefix(run, "go build") || strings.HasPrefix(run, "go install"):
				built = true
			case len(invocations(words)) > 0 && !built:
				t.Errorf("CI job %s calls servebench before building it: %q", name, run)
			}
		}
	}
	validate := jobs["validate"]
	if len(validate) < 2 {
		t.Fatalf("the CI recipe lost its validate job: %v", jobs)
	}
	for _, run := range validate {
		words, _ := shellWords(run)
		dir := work
		if words[0] == "go" { // build into the scratch directory, not the repository
			dir = repo
			if i := slices.Index(words, "-o"); i >= 0 && i+1 < len(words) {
				words[i+1] = filepath.Join(work, words[i+1])
			}
			run = strings.Join(words, " ")
		}
		runLine(t, bash, dir, env, recipe.line, shellLine{cmd: run, words: words})
	}
	binary := filepath.Join(work, "servebench")
	unreachable := filepath.Join(work, "unreachable.yaml")
	writeFile(t, unreachable, "version: 1\nserver:\n  url: http://127.0.0.1:9\n  ready: {timeout: 300ms, interval: 50ms}\n"+
		"model: {name: m}\nstages:\n  - {name: s, profile: dev, concurrency: 1, requests: 1}\n")
	passing := filepath.Join(work, "passing.yaml")
	writeFile(t, passing, fastScenario)
	bad := "schema/testdata/context-length-896.bad.yaml"
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{binary, "run", passing, "--quiet", "--results-dir", "r"}, ExitOK},
		{[]string{binary, "run", "scenarios/failing-threshold.yaml", "--quiet", "--results-dir", "r"}, ExitThreshold},
		{[]string{binary, "validate", bad}, ExitInvalid},
		{[]string{binary, "run", unreachable, "--quiet", "--results-dir", "r"}, ExitRunFailed},
	} {
		runLine(t, bash, work, env, recipe.line, shellLine{cmd: strings.Join(tc.args, " "), words: tc.args, exit: tc.want})
	}
	goRun := []string{"go", "run", "./cmd/servebench", "validate", bad}
	runLine(t, bash, repo, env, recipe.line, shellLine{cmd: strings.Join(goRun, " "), words: goRun, exit: 1})
}

// ciJobs returns the run: lines of every job of the CI recipe.
func ciJobs(t *testing.T, b mdBlock) map[string][]string {
	t.Helper()
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(b.text), &wf); err != nil {
		t.Fatalf("README.md:%d: the CI recipe is not YAML: %v", b.line, err)
	}
	out := map[string][]string{}
	for name, job := range wf.Jobs {
		for _, s := range job.Steps {
			if s.Run != "" {
				out[name] = append(out[name], strings.TrimSpace(s.Run))
			}
		}
	}
	return out
}

// runLine runs one command line in bash and checks its exit code; it
// returns stdout and stderr together.
func runLine(t *testing.T, bash, dir string, env []string, line int, l shellLine) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", l.cmd)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("README.md:%d: %s: %v", line, l.cmd, err)
		}
		code = ee.ExitCode()
	}
	if code != l.exit {
		t.Errorf("README.md:%d: %s\nexited %d, want %d:\n%s", line, l.cmd, code, l.exit, out)
	}
	return string(out)
}

// checkShownOutput: every line of a text block shown after a command is in
// that command's output; a line ending in "..." is a prefix.
func checkShownOutput(t *testing.T, b mdBlock, got string) {
	t.Helper()
	for _, want := range strings.Split(strings.TrimRight(b.text, "\n"), "\n") {
		want = strings.TrimRight(want, " ")
		if p, cut := strings.CutSuffix(want, " ..."); cut {
			want = p
		}
		if !strings.Contains(got, want) {
			t.Errorf("README.md:%d shows %q, but the command printed:\n%s", b.line, want, got)
		}
	}
}

// readmeWorkDir is a scratch directory that sees the repository's example
// inputs, so the README's relative paths work and its outputs land here.
func readmeWorkDir(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	for _, d := range []string{"scenarios", "schema", "reports"} {
		if err := os.Symlink(filepath.Join(repoRoot(t), d), filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// cleanEnv is this process's environment without any variable servebench
// reads, so that the README's examples mean what they say on any machine.
func cleanEnv() []string {
	drop := map[string]bool{noColorEnv: true, testexec.Env: true}
	for _, c := range newApp(io.Discard, io.Discard).Commands {
		for _, f := range c.Flags {
			for _, e := range envVars(f) {
				drop[e] = true
			}
		}
	}
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return drop[k]
	})
}

func envVars(f cli.Flag) []string {
	if df, ok := f.(cli.DocGenerationFlag); ok {
		return df.GetEnvVars()
	}
	return nil
}

// sectionHasFlag reports whether a flag named in a section belongs to one of
// the commands that section documents.
func sectionHasFlag(app *cli.App, sections map[string]string, text, flag string) bool {
	for name, other := range sections {
		if other != text {
			continue
		}
		for _, f := range app.Command(name).Flags {
			if slices.Contains(f.Names(), flag) {
				return true
			}
		}
	}
	return flag == "help"
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func lookBash(t *testing.T) string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the README's commands")
	}
	return bash
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func itoa(n int) string { return strconv.Itoa(n) }
