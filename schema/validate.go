package schema

import (
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Validate re-runs the semantic checks on an in-memory scenario, e.g. after
// the CLI applied command-line overrides to a loaded one. Positions are
// unknown here, so diagnostics read "FILE: message".
func Validate(sc *Scenario) error {
	r := newReporter(sc.File, nil)
	validate(sc, r)
	return r.result()
}

// validator holds the scenario under semantic check and where problems go.
type validator struct {
	sc *Scenario
	r  *reporter
}

// validate checks everything the types cannot express; it never changes sc.
func validate(sc *Scenario, r *reporter) {
	v := &validator{sc: sc, r: r}
	if sc.Version != ScenarioVersion {
		r.errorf("version", "unsupported scenario version %d: this build reads version %d", sc.Version, ScenarioVersion)
	}
	v.server()
	v.model()
	v.api()
	v.profiles()
	v.slo("slo", sc.SLO)
	v.stages()
	v.report()
	compileThresholds(sc, r)
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
		if s.Docker.Image == "" {
			v.r.errorf("server.docker", "server.docker is missing the required field image")
		}
		if s.URL == "" {
			v.r.errorf("server.docker", "a docker server needs server.url, or ports with a host port such as 8000:8000 to derive it from")
		}
	}
	if s.URL != "" {
		v.serverURL(s.URL)
	}
	if s.Builtin != nil {
		v.builtin(s.Builtin)
	}
}

// serverURL accepts a base URL: http(s)://host[:port], without /v1.
func (v *validator) serverURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.r.errorf("server.url", "server.url must be an http:// or https:// URL such as http://127.0.0.1:8000, got %q", raw)
		return
	}
	if p := strings.TrimSuffix(u.Path, "/"); strings.HasSuffix(p, "/v1") {
		v.r.errorf("server.url", "server.url is the base URL without /v1 (servebench adds /v1/...), got %q", raw)
	}
}

// serverCommon checks the fields that apply to only some kinds, so that a
// setting is never silently ignored.
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
	v.absPath("server.ready.path", s.Ready.Path)
	v.absPath("server.metrics.path", s.Metrics.Path)
	v.positiveDuration("server.ready.interval", s.Ready.Interval)
	v.positiveDuration("server.metrics.interval", s.Metrics.Interval)
	v.positiveDuration("server.ready.timeout", s.Ready.Timeout)
}

// builtin checks the simulator settings.
func (v *validator) builtin(b *Builtin) {
	for _, f := range []struct {
		path string
		val  int
	}{{"max_model_len", b.MaxModelLen}, {"max_num_seqs", b.MaxNumSeqs}, {"kv_cache_tokens", b.KVCacheTokens}, {"faults.exit_after", b.Faults.ExitAfter}} {
		if f.val < 0 {
			v.r.errorf("server.builtin."+f.path, "server.builtin.%s must not be negative, got %d", f.path, f.val)
		}
	}
	for _, f := range []struct {
		path string
		val  float64
	}{{"error_rate", b.Faults.ErrorRate}, {"drop_rate", b.Faults.DropRate}, {"malformed_rate", b.Faults.MalformedRate},
		{"stall_rate", b.Faults.StallRate}, {"error_mid_stream", b.Faults.ErrorMidStream}} {
		if f.val < 0 || f.val > 1 {
			v.r.errorf("server.builtin.faults."+f.path, "server.builtin.faults.%s is a probability between 0 and 1, got %v", f.path, f.val)
		}
	}
	for i, st := range b.Faults.ErrorStatus {
		if st < 400 || st > 599 {
			v.r.errorf(index("server.builtin.faults.error_status", i), "server.builtin.faults.error_status must hold HTTP error codes (400-599), got %d", st)
		}
	}
}

func (v *validator) model() {
	if v.sc.Model.MaxModelLen < 0 {
		v.r.errorf("model.max_model_len", "model.max_model_len must be positive, got %d", v.sc.Model.MaxModelLen)
	}
}

func (v *validator) api() {
	a := &v.sc.API
	if a.Endpoint != EndpointCompletions && a.Endpoint != EndpointChat {
		v.r.errorf("api.endpoint", "unknown api.endpoint %q%s; valid endpoints: completions, chat",
			a.Endpoint, didYouMean(a.Endpoint, []string{EndpointCompletions, EndpointChat}))
	}
	prompts := []string{PromptAuto, PromptTokens, PromptText}
	switch {
	case !slices.Contains(prompts, a.Prompt):
		v.r.errorf("api.prompt", "unknown api.prompt %q%s; valid values: auto, tokens, text", a.Prompt, didYouMean(a.Prompt, prompts))
	case a.Prompt == PromptTokens && a.Endpoint == EndpointChat:
		v.r.errorf("api.prompt", "api.prompt tokens needs the completions endpoint: chat messages are text")
	}
	v.positiveDuration("api.timeout", a.Timeout)
}

// profiles checks the scenario's own token profiles.
func (v *validator) profiles() {
	for _, name := range slices.Sorted(maps.Keys(v.sc.Profiles)) {
		p := v.sc.Profiles[name]
		path := join("profiles", name)
		if p.Input <= 0 {
			v.r.errorf(join(path, "input"), "profile %q: input must be at least 1 token, got %d", name, p.Input)
		}
		if p.Output <= 0 {
			v.r.errorf(join(path, "output"), "profile %q: output must be at least 1 token, got %d", name, p.Output)
		}
	}
}

// slo checks that an SLO sets at least one bound.
func (v *validator) slo(path string, s *SLO) {
	if s != nil && s.TTFT == 0 && s.TPOT == 0 && s.E2EL == 0 {
		v.r.errorf(path, "%s sets no bound: set ttft, tpot or e2el (e.g. ttft: 500ms)", path)
	}
}

// report checks formats and percentiles.
func (v *validator) report() {
	valid := []string{FormatMarkdown, FormatHTML, FormatJSON, FormatJUnit, FormatVLLM}
	for i, f := range v.sc.Report.Formats {
		if !slices.Contains(valid, f) {
			v.r.errorf(index("report.formats", i), "unknown report format %q%s; valid formats: %s",
				f, didYouMean(f, valid), strings.Join(valid, ", "))
		}
	}
	for i, p := range v.sc.Report.Percentiles {
		if !(p > 0 && p < 100) {
			v.r.errorf(index("report.percentiles", i), "report.percentiles must lie strictly between 0 and 100, got %v", p)
		}
	}
}

func (v *validator) absPath(path, val string) {
	if val != "" && !strings.HasPrefix(val, "/") {
		v.r.errorf(path, "%s must start with /, got %q", path, val)
	}
}

func (v *validator) positiveDuration(path string, d Duration) {
	if d <= 0 && v.r.present(path) {
		v.r.errorf(path, "%s must be positive, got %s", path, d)
	}
}

func mapKeys(m map[string]string) []string { return slices.Collect(maps.Keys(m)) }
