package compare

import (
	"strconv"

	"github.com/servebench/servebench/reports/internal/decision"
	"github.com/servebench/servebench/schema"
)

// decisionCharts overlays the compared runs (each matrix variant of a run
// apart) on the decision charts of every stage and profile: latency
// against request throughput, and tokens/s per user against tokens/s in
// all with the Pareto front, so a comparison answers "which one?" the way
// a matrix run does.
func decisionCharts(c *Comparison) []chartView {
	var groups []decision.Group
	at := map[string]int{}
	for i := range c.Stages {
		s := &c.Stages[i]
		title := s.Stage + "/" + s.Profile
		if s.Stage == "" {
			title = "all stages"
		}
		gi, ok := at[title]
		if !ok {
			gi = len(groups)
			at[title] = gi
			groups = append(groups, decision.Group{Title: title})
		}
		for ri, st := range s.Results {
			if st != nil {
				addLevel(&groups[gi], curveName(c, ri, st), st)
			}
		}
	}
	var out []chartView
	for _, g := range groups {
		for i := range g.Curves {
			decision.SortLevels(g.Curves[i].Levels)
		}
		if !g.Worth() {
			continue
		}
		for _, ch := range decision.Charts(g) {
			out = append(out, chartView(ch))
		}
	}
	return out
}

// curveName names a run (and its variant) in a legend by its role, so two
// runs of one scenario stay apart.
func curveName(c *Comparison, ri int, st *schema.StageResult) string {
	role := "baseline"
	if ri > 0 {
		role = "candidate"
		if len(c.Runs) > 2 {
			role += " " + strconv.Itoa(ri)
		}
	}
	name := role + ": " + c.Runs[ri].Name
	if st.Variant != "" {
		name += " " + st.Variant
	}
	return name
}

// addLevel adds a level to the curve of its name, creating it.
func addLevel(g *decision.Group, name string, st *schema.StageResult) {
	for i := range g.Curves {
		if g.Curves[i].Name == name {
			g.Curves[i].Levels = append(g.Curves[i].Levels, st)
			return
		}
	}
	g.Curves = append(g.Curves, decision.Curve{Name: name, Color: len(g.Curves), Levels: []*schema.StageResult{st}})
}
