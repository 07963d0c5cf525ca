package schema

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
)

// Until stops a stage level as soon as every named metric is known well
// enough: the half-width of its 95% interval is at most the given share of
// its value (ttft.p99: 5% means p99 TTFT ± 5%). Names are interval metrics
// (IntervalNames), over everything sent or, with the steady. prefix, over
// the steady-state window. The stage's requests or duration is the bound:
// a level that has not converged by then ends there, reported as not
// converged.
type Until map[string]Percent

// Percent is a share written as a percentage ("5%"), held as a fraction (0.05).
type Percent float64

// ParsePercent reads "5%" or "0.5%" as a fraction strictly between 0 and 1.
func ParsePercent(s string) (Percent, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "%")
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || !(v > 0 && v < 100) {
		return 0, fmt.Errorf("invalid percentage %q: write a share of the value such as 5%% (more than 0%%, less than 100%%)", s)
	}
	return Percent(v / 100), nil
}

// String writes the percentage back ("5%").
func (p Percent) String() string { return strconv.FormatFloat(float64(p)*100, 'f', -1, 64) + "%" }

// UnmarshalYAML reads a percentage string.
func (p *Percent) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return fmt.Errorf("a percentage must be a string such as 5%%")
	}
	v, err := ParsePercent(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// MarshalJSON writes the percentage string.
func (p Percent) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a percentage string.
func (p *Percent) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParsePercent(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// formatPercent names the schema format of Percent values; the loader
// registers its check (ParsePercent), so 0% and 100% are shape errors with
// a position, like any other wrong value.
const formatPercent = "percent"

// checkPercent is the percent format.
func checkPercent(v any) error {
	if s, ok := v.(string); ok {
		_, err := ParsePercent(s)
		return err
	}
	return nil // not a string: the type check words it
}

// JSONSchema describes a percentage string.
func (Percent) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Format: formatPercent, Pattern: `^[0-9]+(\.[0-9]+)?%$`,
		Title:       "a percentage above 0% and below 100%, such as 5%",
		Description: "Relative half-width of the 95% interval, e.g. 5%."}
}

// JSONSchema describes until: a mapping from metric name to percentage.
func (Until) JSONSchema() *jsonschema.Schema {
	one := uint64(1)
	return &jsonschema.Schema{
		Type: "object", MinProperties: &one, AdditionalProperties: Percent(0).JSONSchema(),
		Title:       "a mapping from metric name to percentage, such as {ttft.p99: 5%}",
		Description: "Stop each level once every named metric's 95% interval is within ± this share of its value; requests or duration is the bound. Names: " + strings.Join(IntervalNames(nil), ", ") + " (steady.<name>: over the steady-state window).",
	}
}

// Targets is until as fractions by name, in name order for messages.
func (u Until) Targets() map[string]float64 {
	out := make(map[string]float64, len(u))
	for k, v := range u {
		out[k] = float64(v)
	}
	return out
}

// String is "ttft.p99 ±5%, steady.output_throughput ±2%", in name order.
func (u Until) String() string {
	parts := make([]string, 0, len(u))
	for _, k := range slices.Sorted(maps.Keys(u)) {
		parts = append(parts, k+" ±"+u[k].String())
	}
	return strings.Join(parts, ", ")
}

// until checks the names of a stage's until: each an interval metric of
// the scenario's percentile set, plain or with the steady. prefix.
func (v *validator) until(p string, st *Stage) {
	if st.Until == nil {
		return
	}
	valid := IntervalNames(v.sc.Report.Percentiles)
	all := slices.Clone(valid)
	for _, n := range valid {
		all = append(all, SteadyPrefix+n)
	}
	for _, name := range slices.Sorted(maps.Keys(st.Until)) {
		if slices.Contains(all, name) {
			continue
		}
		path := p + ".until." + name
		v.r.errorAt(path, v.r.keyTokens[path], "until: %q is not a metric with an interval%s; valid: %s, each also as steady.<name>",
			name, didYouMean(name, all), strings.Join(valid, ", "))
	}
}

// MarshalYAML writes the percentage string.
func (p Percent) MarshalYAML() (any, error) { return p.String(), nil }
