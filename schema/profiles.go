package schema

import (
	"maps"
	"slices"
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
// value and every server.env value named in server.secrets read "[redacted]",
// so the scenario can be logged or embedded in run.json safely.
func (s *Scenario) Redacted() *Scenario {
	c := *s
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
	return &c
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
