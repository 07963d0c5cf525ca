package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// minimalScenario is the smallest scenario with one stage of each kind:
// every setting the engine reads is left to schema's defaults pass.
const minimalScenario = `
version: 1
server: {url: "http://127.0.0.1:8000"}
model: {name: m}
slo: {ttft: 1s}
stages:
  - {name: closed, concurrency: 2, requests: 4}
  - {name: open, rate: 5, requests: 4}
  - {name: cap, search: {concurrency: {from: 1, to: 8}}}
`

// TestEngineReceivesEveryDefaultFromSchema: one default per setting. The
// values the engine hands to its packages (server, client, scrape, search,
// load, metrics) are schema's defaults, untouched on the way.
func TestEngineReceivesEveryDefaultFromSchema(t *testing.T) {
	sc := scenario(t, minimalScenario)
	p, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	so := serverOptions(sc, t.TempDir(), nil, nil)
	check := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want schema's default %v", name, got, want)
		}
	}
	check("server.ready.path", so.Server.Ready.Path, schema.DefaultReadyPath)
	check("server.ready.timeout", so.Server.Ready.Timeout, schema.DefaultReadyTimeout)
	check("server.ready.interval", so.Server.Ready.Interval, schema.DefaultReadyInterval)
	check("server.stop_timeout", so.Server.StopTimeout, schema.DefaultStopTimeout)
	check("server.log", so.Server.Log, schema.DefaultServerLog)

	s := newSession(sc)
	s.url = sc.Server.URL
	check("session stop timeout", s.stopTimeout, schema.DefaultStopTimeout.D())
	closed, open, search := p.Steps[0], p.Steps[1], p.Steps[2]
	cc := s.clientConfig(stepConns(closed))
	check("api.endpoint", cc.Endpoint, schema.DefaultEndpoint)
	check("api.timeout", cc.Timeout, schema.DefaultAPITimeout.D())
	check("api.ignore_eos", cc.IgnoreEOS, schema.DefaultIgnoreEOS)
	check("api.stream", cc.Stream, schema.DefaultStream)
	check("api.prompt", s.api.Prompt, schema.DefaultPrompt)
	check("closed-loop pool", cc.MaxConns, 2)
	check("open-loop pool", s.clientConfig(stepConns(open)).MaxConns, schema.DefaultOpenLoopConnections)

	m := sc.Server.Metrics
	check("server.metrics.enabled", *m.Enabled, true)
	so2 := scrapeOptions(m, s.url, s.model)
	check("server.metrics.path", so2.URL, sc.Server.URL+schema.DefaultMetricsPath)
	check("server.metrics.interval", so2.Interval, schema.DefaultMetricsInterval.D())

	for _, st := range p.Steps {
		check(st.ID+" profile", st.Profile, schema.DefaultProfile)
		check(st.ID+" grace", loadSpec(st, sc.Seed, nil).Grace, schema.DefaultGrace.D())
	}
	check("distribution", open.Stage.Distribution, schema.DefaultDistribution)
	check("burstiness", open.Stage.Burstiness, schema.DefaultBurstiness)
	_, so3 := searchOptions(search.Stage.Search)
	check("search.resolution", so3.Resolution, schema.DefaultSearchResolution)
	check("search.max_probes", so3.MaxProbes, schema.DefaultSearchProbes)
	check("search requests", probeStep(search, "concurrency", 4).Requests, schema.DefaultSearchRequests)
	if !slices.Equal(sc.Report.Percentiles, schema.DefaultPercentiles) {
		t.Errorf("report.percentiles = %v, want %v", sc.Report.Percentiles, schema.DefaultPercentiles)
	}
}

// TestIncompleteScenarioIsRejected: a scenario that skipped schema's
// defaults pass is rejected with every missing setting, never repaired.
func TestIncompleteScenarioIsRejected(t *testing.T) {
	sc := &schema.Scenario{Name: "hand-built", Stages: []schema.Stage{
		{Name: "s", Concurrency: &schema.Levels{Values: []int{1}}, Requests: 1},
		{Name: "r", Rate: &schema.RateLevels{Values: []float64{1}}, Requests: 1, Profile: schema.ProfileRef{"safe"}, Repeat: 1},
	}}
	_, err := NewPlan(sc)
	if err == nil {
		t.Fatal("NewPlan accepted a scenario without defaults")
	}
	for _, want := range []string{"server.builtin", "server.stop_timeout", "server.metrics.enabled", "api.endpoint", "api.timeout",
		"api.ignore_eos", "api.stream", "api.prompt", "report.percentiles", `stage "s": profile`, `stage "s": repeat`,
		`stage "r": distribution`, `stage "r": burstiness`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// ownPackages are the engine packages that must not second-guess schema.
var ownPackages = []string{".", "server", "scrape", "search", "prompt"}

// TestNoFallbackLiteralsForSchemaSettings: no engine package declares a
// Default* of its own or writes one of schema's default values as a
// literal; the only source of a default is schema.
func TestNoFallbackLiteralsForSchemaSettings(t *testing.T) {
	strs := map[string]string{}
	for name, v := range map[string]string{"DefaultReadyPath": schema.DefaultReadyPath, "DefaultMetricsPath": schema.DefaultMetricsPath,
		"DefaultServerLog": schema.DefaultServerLog, "DefaultProfile": schema.DefaultProfile, "DefaultEndpoint": schema.DefaultEndpoint,
		"DefaultPrompt": schema.DefaultPrompt, "DefaultDistribution": schema.DefaultDistribution, "DefaultReportDir": schema.DefaultReportDir,
		"DefaultSimModel": schema.DefaultSimModel} {
		strs[strconv.Quote(v)] = name
	}
	ints := map[string]string{strconv.Itoa(schema.DefaultOpenLoopConnections): "DefaultOpenLoopConnections",
		strconv.Itoa(schema.DefaultSearchRequests): "DefaultSearchRequests", strconv.Itoa(schema.DefaultSearchProbes): "DefaultSearchProbes"}
	var checked int
	for _, dir := range ownPackages {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			checked++
			for _, bad := range fallbacks(t, f, strs, ints) {
				t.Errorf("%s", bad)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d files checked: is the test running in engine/?", checked)
	}
}

// fallbacks lists the default-like declarations and literals of one file.
func fallbacks(t *testing.T, path string, strs, ints map[string]string) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A number scaled by a unit (50 * time.Millisecond) is a duration of
	// the package's own, not a count schema owns.
	scaled := map[ast.Node]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.MUL {
			scaled[b.X], scaled[b.Y] = true, true
		}
		return true
	})
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for _, id := range n.Names {
				if strings.HasPrefix(id.Name, "Default") {
					out = append(out, fset.Position(id.Pos()).String()+": declares "+id.Name+": defaults belong to schema")
				}
			}
		case *ast.BasicLit:
			table := strs
			if n.Kind == token.INT {
				table = ints
			}
			if name, ok := table[n.Value]; ok && !scaled[n] {
				out = append(out, fset.Position(n.Pos()).String()+": literal "+n.Value+" is schema."+name)
			}
		case *ast.Ident:
			if n.Name == "boolOr" || n.Name == "withDefaults" {
				out = append(out, fset.Position(n.Pos()).String()+": "+n.Name+" fills defaults outside schema")
			}
		}
		return true
	})
	return out
}

// TestFallbackScanSeesALiteral keeps the scan honest: a file with a
// fallback literal is caught.
func TestFallbackScanSeesALiteral(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.go")
	src := "package x\nconst DefaultThing = 1\nfunc f(p string) string { if p == \"\" { return \"/metrics\" }; return p }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	got := fallbacks(t, path, map[string]string{strconv.Quote(schema.DefaultMetricsPath): "DefaultMetricsPath"}, nil)
	if len(got) != 2 {
		t.Errorf("scan found %q, want the declaration and the literal", got)
	}
}
