package schema

import (
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Defaults, applied in one explicit pass after decoding (applyDefaults), so
// that every setting the engine reads arrives filled in and the engine has
// no defaults of its own. A key the file writes explicitly is never
// overwritten, so an explicit zero stays visible to validation instead of
// being silently repaired.
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
	DefaultMetricsEnabled  = true
	DefaultMetricsPath     = "/metrics"
	DefaultMetricsInterval = Duration(time.Second)
	DefaultProfile         = "safe"
	DefaultDistribution    = DistPoisson
	DefaultBurstiness      = 1.0
	DefaultGrace           = Duration(30 * time.Second)
	DefaultRepeat          = 1
	DefaultSearchRequests  = 50
	DefaultSearchProbes    = 12
	// DefaultSearchResolution is the resolution of a concurrency search;
	// DefaultSearchRateResolution that of a rate search (requests/s).
	DefaultSearchResolution     = 1.0
	DefaultSearchRateResolution = 0.5
	// DefaultLengthMin is the min of a normal or lognormal length that sets none.
	DefaultLengthMin = 1
	// DefaultPrefixGroups is one shared prefix, vLLM's --random-prefix-len.
	DefaultPrefixGroups = 1
	DefaultPrefixAssign = AssignRoundRobin
)

// Defaults of the built-in simulator (server.builtin and `servebench sim`).
// They are sized like a small model on one GPU so that an untuned scenario
// shows the familiar shape: throughput grows with concurrency and plateaus
// at 64 sequences.
var (
	// DefaultSimModel is the model name the simulator serves when model.name is unset.
	DefaultSimModel = "sim-model"
	// DefaultSimMaxModelLen applies when neither server.builtin.max_model_len
	// nor model.max_model_len is set.
	DefaultSimMaxModelLen     = 4096
	DefaultSimMaxNumSeqs      = 64
	DefaultSimKVCacheTokens   = 65536
	DefaultSimPrefillPerToken = Duration(50 * time.Microsecond)
	DefaultSimDecodeStep      = Duration(8 * time.Millisecond)
	DefaultSimDecodePerSeq    = Duration(250 * time.Microsecond)
	DefaultSimStall           = Duration(time.Minute)
	DefaultSimErrorStatus     = []int{500}
	// DefaultSimPrefixCaching follows vLLM V1, where automatic prefix
	// caching is on unless --no-enable-prefix-caching is given.
	DefaultSimPrefixCaching = true
	// DefaultSimBlockSize is vLLM's default --block-size on GPUs.
	DefaultSimBlockSize = 16
)

// DefaultBuiltin returns a builtin block with every default set, as the
// defaults pass leaves a scenario that sets none of them (and no
// model.max_model_len): `servebench sim` and the simulator's tests start
// from it, so each default is written once.
func DefaultBuiltin() Builtin {
	var b Builtin
	defaultBuiltin(&b, 0, "server.builtin", func(string) bool { return false })
	return b
}

// DefaultOpenLoopConnections is the connection pool of an open-loop (rate)
// stage that sets no max_concurrency. It is not a scenario setting: arrivals
// are paced by the rate, and the pool only bounds how many requests can be
// in flight at once (256 is far above what a single server answers at the
// rates it can sustain); a request that finds no free connection waits for
// one, which the client reports as its own delay.
const DefaultOpenLoopConnections = 256

// applyDefaults fills every unset field; present reports whether the file
// wrote a key (always false for in-memory scenarios).
func applyDefaults(sc *Scenario, present func(string) bool) {
	if sc.Name == "" && sc.File != "" {
		base := filepath.Base(sc.File)
		sc.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	defaultServer(&sc.Server, present)
	if b := sc.Server.Builtin; b != nil {
		defaultBuiltin(b, sc.Model.MaxModelLen, "server.builtin", present)
		setString(&sc.Model.Name, DefaultSimModel)
		if sc.Model.MaxModelLen == 0 && !present("model.max_model_len") {
			sc.Model.MaxModelLen = b.MaxModelLen
		}
	}
	defaultAPI(&sc.API, present)
	for name, p := range sc.Profiles {
		sc.Profiles[name] = defaultProfile(p, join("profiles", name), present)
	}
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
		s.Metrics.Enabled = ptr(DefaultMetricsEnabled)
	}
	setString(&s.Metrics.Path, DefaultMetricsPath)
	setDuration(&s.Metrics.Interval, DefaultMetricsInterval, "server.metrics.interval", present)
}

// defaultBuiltin fills the simulator's settings; its context length is the
// model's when only that is set, so the two agree.
func defaultBuiltin(b *Builtin, modelLen int, path string, present func(string) bool) {
	if modelLen == 0 {
		modelLen = DefaultSimMaxModelLen
	}
	setInt(&b.MaxModelLen, modelLen, path+".max_model_len", present)
	setInt(&b.MaxNumSeqs, DefaultSimMaxNumSeqs, path+".max_num_seqs", present)
	setInt(&b.KVCacheTokens, DefaultSimKVCacheTokens, path+".kv_cache_tokens", present)
	setInt(&b.BlockSize, DefaultSimBlockSize, path+".block_size", present)
	if b.PrefixCaching == nil {
		b.PrefixCaching = ptr(DefaultSimPrefixCaching)
	}
	setDuration(&b.PrefillPerToken, DefaultSimPrefillPerToken, path+".prefill_per_token", present)
	setDuration(&b.DecodeStep, DefaultSimDecodeStep, path+".decode_step", present)
	setDuration(&b.DecodePerSeq, DefaultSimDecodePerSeq, path+".decode_per_seq", present)
	setDuration(&b.Faults.Stall, DefaultSimStall, path+".faults.stall", present)
	if len(b.Faults.ErrorStatus) == 0 && !present(path+".faults.error_status") {
		b.Faults.ErrorStatus = append([]int(nil), DefaultSimErrorStatus...)
	}
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

// defaultProfile names the distribution of every length that leaves it out
// and fills the prefix's groups and assignment.
func defaultProfile(p Profile, path string, present func(string) bool) Profile {
	p.Input = defaultLength(p.Input, path+".input", present)
	p.Output = defaultLength(p.Output, path+".output", present)
	if len(p.Mix) > 0 {
		p.Mix = append([]MixEntry(nil), p.Mix...)
	}
	for i := range p.Mix {
		e := index(path+".mix", i)
		p.Mix[i].Input = defaultLength(p.Mix[i].Input, e+".input", present)
		p.Mix[i].Output = defaultLength(p.Mix[i].Output, e+".output", present)
	}
	if p.Prefix != nil {
		x := *p.Prefix
		setInt(&x.Groups, DefaultPrefixGroups, path+".prefix.groups", present)
		setString(&x.Assign, DefaultPrefixAssign)
		p.Prefix = &x
	}
	if p.Dataset != nil {
		p.Dataset = defaultDataset(p.Dataset, path+".dataset", present)
	}
	return p
}

// defaultLength infers a distribution's kind from its keys: a mean or a
// stddev makes it normal, min and max alone uniform.
func defaultLength(l Length, path string, present func(string) bool) Length {
	if l.IsFixed() {
		return l
	}
	if l.Distribution == "" {
		l.Distribution = LengthUniform
		if l.Mean != 0 || l.Stddev != 0 {
			l.Distribution = LengthNormal
		}
	}
	if l.Distribution != LengthUniform {
		setInt(&l.Min, DefaultLengthMin, path+".min", present)
	}
	return l
}

func defaultStage(st *Stage, path string, present func(string) bool) {
	if st.Replay != nil {
		st.Replay = defaultReplay(st.Replay, path+".replay", present)
	}
	if len(st.Profile) == 0 && !present(path+".profile") && st.Replay == nil {
		st.Profile = ProfileRef{DefaultProfile}
	}
	if st.Rate != nil || (st.Search != nil && st.Search.Rate != nil) {
		setString(&st.Distribution, DefaultDistribution)
		if st.Burstiness == 0 && !present(path+".burstiness") {
			st.Burstiness = DefaultBurstiness
		}
	}
	setDuration(&st.Grace, DefaultGrace, path+".grace", present)
	setInt(&st.Repeat, DefaultRepeat, path+".repeat", present)
	if st.Search != nil {
		defaultSearch(st, path, present)
	}
}

func defaultSearch(st *Stage, path string, present func(string) bool) {
	if st.Requests == 0 && st.Duration == 0 && !present(path+".requests") && !present(path+".duration") {
		st.Requests = DefaultSearchRequests
	}
	if st.Search.Resolution == 0 && !present(path+".search.resolution") {
		st.Search.Resolution = DefaultSearchResolution
		if st.Search.Rate != nil {
			st.Search.Resolution = DefaultSearchRateResolution
		}
	}
	setInt(&st.Search.MaxProbes, DefaultSearchProbes, path+".search.max_probes", present)
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

func setInt(v *int, def int, path string, present func(string) bool) {
	if *v == 0 && !present(path) {
		*v = def
	}
}

func setDuration(d *Duration, def Duration, path string, present func(string) bool) {
	if *d == 0 && !present(path) {
		*d = def
	}
}

func ptr[T any](v T) *T { return &v }
