package schema

import (
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/servebench/servebench/schema/dataset"
	"github.com/servebench/servebench/schema/redact"
)

// validator holds the scenario under semantic check and where problems go.
// The shape (types, keys, enums, simple bounds) was checked against the
// JSON Schema before decoding; what is checked here needs more than one
// field, or words a rule better than a schema can.
type validator struct {
	sc *Scenario
	r  *reporter
	// datasets are the dataset profiles' files, indexed by the profile
	// checks for the stage checks (validate_data.go).
	datasets map[string]*dataset.Prompts
}

// validate checks everything the schema cannot express; it never changes sc.
func validate(sc *Scenario, r *reporter) {
	validateSettings(sc, r)
	compileThresholds(sc, r)
}

// validateSettings is validate without the thresholds, which every
// variant of a matrix shares and compiles once.
func validateSettings(sc *Scenario, r *reporter) {
	v := &validator{sc: sc, r: r}
	v.segment("name", sc.Name, "the scenario name")
	v.server()
	v.api()
	v.profiles()
	v.slo("slo", sc.SLO)
	v.stages()
	v.planSize()
}

// segment checks a name that becomes one element of a path under the
// results directory: no separators, no "..", nothing that could put a file
// outside the directory it belongs in.
func (v *validator) segment(path, val, what string) {
	switch {
	case val == "" || val == "." || val == "..":
		v.r.errorf(path, "%s %q cannot name a file or directory: use letters, digits, '-', '_' or '.'", what, val)
	case strings.ContainsAny(val, `/\`) || filepath.Base(val) != val:
		v.r.errorf(path, "%s %q must be one path segment, without / or \\: runs and files stay inside their directory", what, val)
	case strings.IndexFunc(val, func(c rune) bool { return c < 0x20 || c == 0x7f }) >= 0:
		v.r.errorf(path, "%s %q holds control characters", what, val)
	}
}

// server checks that the block declares one kind and what that kind needs.
func (v *validator) server() {
	s := &v.sc.Server
	var kinds []string
	for _, k := range []struct {
		name string
		set  bool
	}{{ServerBuiltin, s.Builtin != nil}, {ServerCommand, s.Command != nil || v.r.present("server.command")}, {ServerDocker, s.Docker != nil}} {
		if k.set {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) > 1 {
		v.r.errorf("server", "server declares %s; choose exactly one of builtin, url, command or docker",
			strings.Join(kinds, " and "))
		return
	}
	v.serverKind(s)
	v.serverCommon(s)
}

func (v *validator) serverKind(s *Server) {
	switch {
	case s.Builtin != nil && s.URL != "":
		v.r.errorf("server.url", "server.url cannot be combined with builtin: the simulator runs in-process (drop url to use it, or drop builtin to attach to url)")
	case s.Command != nil || v.r.present("server.command"):
		if len(s.Command) == 0 {
			v.r.errorf("server.command", "server.command is empty: give the argv, e.g. [vllm, serve, MODEL]")
		}
		if s.URL == "" {
			v.r.errorf("server.command", "a command server needs server.url, where to reach it, e.g. http://127.0.0.1:8000")
		}
	case s.Docker != nil:
		if s.URL == "" {
			v.r.errorf("server.docker", "a docker server needs server.url, or ports with a host port such as 8000:8000 to derive it from")
		}
	}
	if s.URL != "" {
		v.serverURL(s.URL)
	}
	if s.Builtin != nil {
		v.builtin("server.builtin", s.Builtin)
	}
}

// serverURL accepts a base URL: http(s)://host[:port], without /v1. The URL
// is shown with its password hidden.
func (v *validator) serverURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.r.errorf("server.url", "server.url must be an http:// or https:// URL such as http://127.0.0.1:8000, got %q", redact.URL(raw))
		return
	}
	if p := strings.TrimSuffix(u.Path, "/"); strings.HasSuffix(p, "/v1") {
		v.r.errorf("server.url", "server.url is the base URL without /v1 (servebench adds /v1/...), got %q", redact.URL(raw))
	}
}

// serverCommon checks the fields that apply to only some kinds, so that a
// setting is never silently ignored, and the server log's name.
func (v *validator) serverCommon(s *Server) {
	managed := s.Command != nil || s.Docker != nil
	if len(s.Env) > 0 && !managed {
		v.r.errorf("server.env", "server.env applies to command and docker servers only")
	}
	if s.Dir != "" && s.Command == nil {
		v.r.errorf("server.dir", "server.dir applies to command servers only")
	}
	for i, name := range s.Secrets {
		if _, ok := s.Env[name]; !ok {
			v.r.errorf(index("server.secrets", i), "server.secrets names %q, which is not a key of server.env%s",
				name, didYouMean(name, mapKeys(s.Env)))
		}
	}
	v.segment("server.log", s.Log, "server.log, a file in the run directory,")
	v.positiveDuration("server.ready.interval", s.Ready.Interval)
	v.positiveDuration("server.metrics.interval", s.Metrics.Interval)
	v.positiveDuration("server.ready.timeout", s.Ready.Timeout)
	v.positiveDuration("server.stop_timeout", s.StopTimeout)
}

// builtin checks the simulator settings a schema bound cannot: a decode
// step and a stall of zero would make the simulator spin or do nothing.
func (v *validator) builtin(path string, b *Builtin) {
	v.positiveDuration(path+".decode_step", b.DecodeStep)
	v.positiveDuration(path+".faults.stall", b.Faults.Stall)
}

func (v *validator) api() {
	a := &v.sc.API
	if a.Prompt == PromptTokens && a.Endpoint == EndpointChat {
		v.r.errorf("api.prompt", "api.prompt tokens needs the completions endpoint: chat messages are text")
	}
	v.positiveDuration("api.timeout", a.Timeout)
	v.headerValue("api.api_key", a.APIKey)
	for _, name := range sortedKeys(a.Headers) {
		path := join("api.headers", name)
		if !validHeaderName(name) {
			v.r.errorf(path, "api.headers: %q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", name)
		}
		v.headerValue(path, a.Headers[name])
	}
}

// headerValue rejects a value that would split or end an HTTP header. The
// value itself is never shown: it is usually a credential, often from a
// ${VAR} whose text the user has not seen.
func (v *validator) headerValue(path, val string) {
	if i := strings.IndexFunc(val, func(c rune) bool { return (c < 0x20 && c != '\t') || c == 0x7f }); i >= 0 {
		v.r.errorf(path, "%s holds a control character (%q at byte %d), which would break the HTTP header it is sent in; check the variable it comes from",
			path, val[i:i+1], i)
	}
}

// validHeaderName is RFC 9110's token: the characters a field name may use.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-.^_`|~", c)) {
			return false
		}
	}
	return true
}

// slo checks that an SLO sets at least one bound.
func (v *validator) slo(path string, s *SLO) {
	if s != nil && s.TTFT == 0 && s.TPOT == 0 && s.E2EL == 0 {
		v.r.errorf(path, "%s sets no bound: set ttft, tpot or e2el (e.g. ttft: 500ms)", path)
	}
}

func (v *validator) positiveDuration(path string, d Duration) {
	if d <= 0 && v.r.present(path) {
		v.r.errorf(path, "%s must be positive, got %s", path, d)
	}
}

func mapKeys(m map[string]string) []string { return slices.Collect(maps.Keys(m)) }

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
