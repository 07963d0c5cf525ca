package schema

import (
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Defaults, applied in one explicit pass after decoding (applyDefaults). A
// key the file writes explicitly is never overwritten, so an explicit zero
// stays visible to validation instead of being silently repaired.
var (
	DefaultReportDir       = "bench_results"
	DefaultFormats         = []string{FormatMarkdown, FormatHTML, FormatJSON, FormatJUnit}
	DefaultEndpoint        = EndpointCompletions
	DefaultAPITimeout      = Duration(5 * time.Minute)
	DefaultIgnoreEOS       = true
	DefaultStream          = true
	DefaultPrompt          = PromptAuto
	DefaultReadyPath       = "/health"
	DefaultReadyTimeout    = Duration(10 * time.Minute)
	DefaultReadyInterval   = Duration(time.Second)
	DefaultStopTimeout     = Duration(30 * time.Second)
	DefaultServerLog       = "server.log"
	DefaultMetricsPath     = "/metrics"
	DefaultMetricsInterval = Duration(time.Second)
	DefaultProfile         = "safe"
	DefaultDistribution    = DistPoisson
	DefaultBurstiness      = 1.0
	DefaultGrace           = Duration(30 * time.Second)
	DefaultRepeat          = 1
	DefaultSearchRequests  = 50
	DefaultSearchProbes    = 12
	// DefaultSimModel is the model name of the built-in simulator.
	DefaultSimModel = "sim-model"
)

// applyDefaults fills every unset field; present reports whether the file
// wrote a key (always false for in-memory scenarios).
func applyDefaults(sc *Scenario, present func(string) bool) {
	if sc.Name == "" && sc.File != "" {
		base := filepath.Base(sc.File)
		sc.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	defaultServer(&sc.Server, present)
	if sc.Server.Kind() == ServerBuiltin && sc.Model.Name == "" {
		sc.Model.Name = DefaultSimModel
	}
	if sc.Server.Builtin != nil {
		defaultBuiltin(sc.Server.Builtin, sc.Model.MaxModelLen, present)
	}
	defaultAPI(&sc.API, present)
	for i := range sc.Stages {
		defaultStage(&sc.Stages[i], index("stages", i), present)
	}
	defaultReport(&sc.Report, present)
}

func defaultServer(s *Server, present func(string) bool) {
	if s.Kind() == ServerBuiltin && s.Builtin == nil {
		s.Builtin = &Builtin{}
	}
	if s.Docker != nil && s.URL == "" {
		s.URL = dockerURL(s.Docker.Ports)
	}
	setString(&s.Ready.Path, DefaultReadyPath)
	setDuration(&s.Ready.Timeout, DefaultReadyTimeout, "server.ready.timeout", present)
	setDuration(&s.Ready.Interval, DefaultReadyInterval, "server.ready.interval", present)
	setDuration(&s.StopTimeout, DefaultStopTimeout, "server.stop_timeout", present)
	setString(&s.Log, DefaultServerLog)
	if s.Metrics.Enabled == nil {
		s.Metrics.Enabled = ptr(true)
	}
	setString(&s.Metrics.Path, DefaultMetricsPath)
	setDuration(&s.Metrics.Interval, DefaultMetricsInterval, "server.metrics.interval", present)
}

func defaultAPI(a *API, present func(string) bool) {
	setString(&a.Endpoint, DefaultEndpoint)
	setDuration(&a.Timeout, DefaultAPITimeout, "api.timeout", present)
	if a.IgnoreEOS == nil {
		a.IgnoreEOS = ptr(DefaultIgnoreEOS)
	}
	if a.Stream == nil {
		a.Stream = ptr(DefaultStream)
	}
	setString(&a.Prompt, DefaultPrompt)
}

func defaultStage(st *Stage, path string, present func(string) bool) {
	if len(st.Profile) == 0 && !present(path+".profile") {
		st.Profile = ProfileRef{DefaultProfile}
	}
	if st.Rate != nil || (st.Search != nil && st.Search.Rate != nil) {
		setString(&st.Distribution, DefaultDistribution)
		if st.Burstiness == 0 && !present(path+".burstiness") {
			st.Burstiness = DefaultBurstiness
		}
	}
	setDuration(&st.Grace, DefaultGrace, path+".grace", present)
	if st.Repeat == 0 && !present(path+".repeat") {
		st.Repeat = DefaultRepeat
	}
	if st.Search != nil {
		defaultSearch(st, path, present)
	}
}

func defaultSearch(st *Stage, path string, present func(string) bool) {
	if st.Requests == 0 && st.Duration == 0 && !present(path+".requests") && !present(path+".duration") {
		st.Requests = DefaultSearchRequests
	}
	if st.Search.Resolution == 0 && !present(path+".search.resolution") {
		st.Search.Resolution = 1
		if st.Search.Rate != nil {
			st.Search.Resolution = 0.5
		}
	}
	if st.Search.MaxProbes == 0 && !present(path+".search.max_probes") {
		st.Search.MaxProbes = DefaultSearchProbes
	}
}

func defaultReport(r *Report, present func(string) bool) {
	setString(&r.Dir, DefaultReportDir)
	if len(r.Formats) == 0 && !present("report.formats") {
		r.Formats = append([]string(nil), DefaultFormats...)
	}
	if len(r.Percentiles) == 0 && !present("report.percentiles") {
		r.Percentiles = append([]float64(nil), DefaultPercentiles...)
	}
}

// dockerURL derives http://127.0.0.1:<host port> from the first -p mapping
// ("8000:8000" or "127.0.0.1:8000:8000"); "" when no host port is given.
func dockerURL(ports []string) string {
	if len(ports) == 0 {
		return ""
	}
	parts := strings.Split(strings.SplitN(ports[0], "/", 2)[0], ":")
	if len(parts) < 2 || parts[len(parts)-2] == "" {
		return ""
	}
	return "http://" + net.JoinHostPort("127.0.0.1", parts[len(parts)-2])
}

func setString(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

func setDuration(d *Duration, def Duration, path string, present func(string) bool) {
	if *d == 0 && !present(path) {
		*d = def
	}
}

func ptr[T any](v T) *T { return &v }
