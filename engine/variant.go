package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Variant is one server configuration of a plan: a matrix variant with
// its complete scenario, or the scenario itself (Name "") without a
// matrix. Every step runs against one, and each variant's steps run
// against a server of their own.
type Variant struct {
	Name     string
	Axes     []schema.AxisSetting
	Scenario *schema.Scenario
}

// planVariants is the scenario's variants as the plan keeps them. A matrix
// that did not come from schema.Load has none: that is a bug in the caller.
func planVariants(sc *schema.Scenario) ([]*Variant, error) {
	vs := sc.Variants()
	if len(vs) == 0 {
		return nil, fmt.Errorf("scenario %q has a matrix without resolved variants (a scenario must come from schema.Load, which resolves them)", sc.Name)
	}
	out := make([]*Variant, len(vs))
	for i, v := range vs {
		out[i] = &Variant{Name: v.Name, Axes: v.Axes, Scenario: v.Scenario}
	}
	return out, nil
}

// name is the variant's name: "" without a matrix, or for a step built
// by hand without a variant.
func (v *Variant) name() string {
	if v == nil {
		return ""
	}
	return v.Name
}

// stepID puts the variant's name in front of a step ID
// ("tp2-seqs128/sweep/safe/c8"), so IDs stay unique across variants.
func (v *Variant) stepID(id string) string {
	if v.name() == "" {
		return id
	}
	return v.Name + "/" + id
}

// variantSteps is a variant and its steps, as the plan lists them.
type variantSteps struct {
	v     *Variant
	first int // index of the first step in the plan
	steps []Step
}

// groupSteps cuts the plan's steps into runs of one variant each.
func groupSteps(p *Plan) []variantSteps {
	var out []variantSteps
	for i, st := range p.Steps {
		if n := len(out); n > 0 && out[n-1].v == st.Variant {
			out[n-1].steps = append(out[n-1].steps, st)
			continue
		}
		out = append(out, variantSteps{v: st.Variant, first: i, steps: []Step{st}})
	}
	return out
}

// runVariants is the outer loop of a run: every variant's steps against
// its own server, one server at a time (the previous one is stopped before
// the next starts, so two never share a GPU or a port). A variant whose
// server does not start, or dies, is recorded and the next one still runs;
// an interruption or results that cannot be saved end the whole run.
func runVariants(ctx context.Context, o Options, rec *recorder, logf func(string, ...any)) error {
	groups := groupSteps(o.Plan)
	var failed []variantFailure
	for i, g := range groups {
		if g.v.Name != "" {
			logf("variant %s (%d of %d)", g.v.Name, i+1, len(groups))
		}
		err := runAll(ctx, o, rec, g.v, g.steps, g.first, logf)
		rec.variantEnded(g.v, err)
		switch {
		case err == nil:
		case errors.Is(err, ErrInterrupted), rec.saveErr != nil, len(groups) == 1:
			return err
		default:
			logf("variant %s failed: %s; going on with the next variant", g.v.Name, summary(err))
			failed = append(failed, variantFailure{name: g.v.Name, err: err})
		}
	}
	return variantsError(failed, len(groups))
}

// variantFailure is a variant whose part of the run could not complete.
type variantFailure struct {
	name string
	err  error
}

// variantsError is the run's error when some variants failed: a RunError
// (exit 3) naming each, with their servers' log tails as the detail, or a
// ConfigError (exit 2) when every failure was a scenario that does not fit
// its server.
func variantsError(failed []variantFailure, total int) error {
	if len(failed) == 0 {
		return nil
	}
	msgs := make([]string, len(failed))
	var details []string
	config := true
	for i, f := range failed {
		msgs[i] = f.name + ": " + summary(f.err)
		var re *RunError
		if errors.As(f.err, &re) && re.Detail != "" {
			details = append(details, "variant "+f.name+": "+re.Detail)
		}
		var ce *ConfigError
		config = config && errors.As(f.err, &ce)
	}
	err := fmt.Errorf("%d of %d variants failed: %s", len(failed), total, strings.Join(msgs, "; "))
	if config {
		return &ConfigError{Err: err}
	}
	return &RunError{Err: err, Detail: strings.Join(details, "\n")}
}

// maxLogTail bounds the log tail a variant keeps in run.json: a server's
// last lines can be long (a Python traceback with a 64 KB repr).
const maxLogTail = 8 << 10

// variantEnded records how a variant's part of the run ended.
func (r *recorder) variantEnded(v *Variant, err error) {
	vr := r.variant(v)
	if vr == nil {
		return
	}
	vr.Status, vr.Error = endState(err)
	var re *RunError
	if vr.Status == schema.StatusFailed && errors.As(err, &re) {
		vr.LogTail = lastBytes(redact.String(re.Detail), maxLogTail)
	}
	r.saveNow()
}

// variant is the run's record of v, nil without a matrix.
func (r *recorder) variant(v *Variant) *schema.VariantResult {
	for i := range r.run.Variants {
		if r.run.Variants[i].Name == v.Name && v.Name != "" {
			return &r.run.Variants[i]
		}
	}
	return nil
}

// openedVariant starts the run's record of a matrix variant with what
// opening its session learned; its notes are the variant's.
func (r *recorder) openedVariant(v *Variant, o opening) {
	r.run.Variants = append(r.run.Variants, schema.VariantResult{Name: v.Name, Axes: v.Axes, Server: o.info,
		Status: schema.StatusCompleted, Notes: o.notes})
	if len(r.run.Variants) == 1 {
		r.run.Server = o.info // the run's headline shows the first server
	}
	for _, n := range o.notes {
		r.note("variant " + v.Name + ": " + n)
	}
}

// lastBytes keeps the last n bytes of s, cut at a line start when it can.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return "…" + s[i:]
	}
	return "…" + strings.ToValidUTF8(s, "")
}
