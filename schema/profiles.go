package schema

import (
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/servebench/servebench/schema/redact"
)

// ProfileFor resolves a profile name: the scenario's own profiles override
// the built-in ones of the same name.
func (s *Scenario) ProfileFor(name string) (Profile, bool) {
	if p, ok := s.Profiles[name]; ok {
		return p, true
	}
	p, ok := BuiltinProfiles[name]
	return p, ok
}

// ProfileNames lists every profile name the scenario can use, sorted.
func (s *Scenario) ProfileNames() []string {
	names := slices.Collect(maps.Keys(BuiltinProfiles))
	for n := range s.Profiles {
		if _, builtin := BuiltinProfiles[n]; !builtin {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// RedactedValue is placeholder text for secret values.
const RedactedValue = "[redacted]"

// Redacted returns a deep-enough copy in which the API key, every header
// value, every server.env value named in server.secrets and the password of
// server.url read "[redacted]", so the scenario can be logged or embedded in
// run.json safely.
func (s *Scenario) Redacted() *Scenario {
	c := *s
	c.Server.URL = redact.URL(s.Server.URL)
	if c.API.APIKey != "" {
		c.API.APIKey = RedactedValue
	}
	c.API.Headers = redactAll(s.API.Headers)
	if len(s.Server.Env) > 0 {
		c.Server.Env = maps.Clone(s.Server.Env)
		for _, k := range s.Server.Secrets {
			if _, ok := c.Server.Env[k]; ok {
				c.Server.Env[k] = RedactedValue
			}
		}
	}
	// ${VAR} expansion can put a secret into argv too (--api-key ${KEY}).
	secrets := s.SecretValues()
	c.Server.Command = hideValues(s.Server.Command, secrets)
	if s.Server.Docker != nil {
		d := *s.Server.Docker
		d.Args, d.Options = hideValues(d.Args, secrets), hideValues(d.Options, secrets)
		c.Server.Docker = &d
	}
	return &c
}

// hideValues returns a copy of args with every secret value replaced.
func hideValues(args, secrets []string) []string {
	if args == nil || len(secrets) == 0 {
		return args
	}
	out := slices.Clone(args)
	for i := range out {
		for _, v := range secrets {
			out[i] = strings.ReplaceAll(out[i], v, RedactedValue)
		}
	}
	return out
}

// minSecretLen is the shortest value SecretValues hides: replacing a value
// of one to three characters everywhere would garble logs and hide nothing
// worth hiding.
const minSecretLen = 4

// SecretValues lists the values Redacted hides (the API key, every header
// value, the server.env values named in server.secrets and the password of
// server.url), for scrubbing text servebench does not control: error bodies
// a server echoes and the server's own log.
func (s *Scenario) SecretValues() []string {
	vals := []string{s.API.APIKey, urlPassword(s.Server.URL)}
	for _, v := range s.API.Headers {
		vals = append(vals, v)
	}
	for _, k := range s.Server.Secrets {
		vals = append(vals, s.Server.Env[k])
	}
	for _, v := range s.variants { // a variant may set its own key or env
		vals = append(vals, v.Scenario.SecretValues()...)
	}
	vals = slices.DeleteFunc(vals, func(v string) bool { return len(v) < minSecretLen })
	// Longest first, so a secret that contains another is hidden whole.
	slices.SortStableFunc(vals, func(a, b string) int { return len(b) - len(a) })
	return vals
}

func redactAll(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k := range m {
		out[k] = RedactedValue
	}
	return out
}

// urlPassword is the password of a URL's userinfo, or "".
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	pass, _ := u.User.Password()
	return pass
}

// RegisterSecrets registers the scenario's secrets with the redaction
// funnel, process-wide: every string servebench writes from now on hides
// them, in every encoding a server might echo. Load calls it; call it again
// after changing a loaded scenario's secrets.
func (s *Scenario) RegisterSecrets() {
	redact.Add(s.SecretValues()...)
	redact.AddURL(s.Server.URL)
	for _, v := range s.variants {
		redact.AddURL(v.Scenario.Server.URL)
	}
}
