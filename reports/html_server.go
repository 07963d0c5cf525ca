package reports

import (
	"slices"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/reports/internal/plot"
	"github.com/servebench/servebench/schema"
)

// serverCharts draws one timeline per stage (and matrix variant) of the
// gauges the server's /metrics reported, its levels back to back with
// their boundaries marked: how the KV cache fills and the queue grows as
// the load rises reads from one chart, not from two small ones per level.
// Counts (requests running, waiting) use the left axis; ratios (KV-cache
// usage) the right one, as percentages.
func serverCharts(run *schema.Run) []chartView {
	var out []chartView
	for _, tl := range serverTimelines(run) {
		if svg, err := plot.SVG(tl.spec()); err == nil {
			out = append(out, chartView{Title: tl.title, SVG: svg})
		}
	}
	return out
}

// serverTimeline is one stage's (and variant's) levels, in run order.
type serverTimeline struct {
	title  string
	levels []*schema.StageResult
}

func serverTimelines(run *schema.Run) []*serverTimeline {
	var out []*serverTimeline
	byKey := map[string]*serverTimeline{}
	for i := range run.Stages {
		st := &run.Stages[i]
		if st.Server == nil || len(st.Server.Series) == 0 {
			continue
		}
		key := st.Stage
		if st.Variant != "" {
			key = st.Variant + "/" + st.Stage
		}
		tl := byKey[key]
		if tl == nil {
			tl = &serverTimeline{title: key + ": server metrics over the stage (levels back to back)"}
			byKey[key] = tl
			out = append(out, tl)
		}
		tl.levels = append(tl.levels, st)
	}
	return out
}

// spec lays the levels' series end to end: each level starts where the
// previous one's last sample ended, at a marked boundary.
func (tl *serverTimeline) spec() plot.Spec {
	s := plot.Spec{Title: tl.title, XTitle: "seconds (levels back to back)", YTitle: "requests",
		Y2Title: "share", Y2Suffix: "%"}
	series := map[string]*plot.Series{}
	var names []string
	offset := 0.0
	for _, st := range tl.levels {
		label := format.Level(st)
		if st.Repeat > 0 {
			label += " #" + format.Float(float64(st.Repeat))
		}
		s.Marks = append(s.Marks, plot.Mark{X: offset, Label: label})
		end := offset
		for _, ser := range st.Server.Series {
			ps := series[ser.Name]
			if ps == nil {
				ratio := isRatio(ser)
				ps = &plot.Series{Name: ser.Name, Kind: plot.Line, Secondary: ratio, Color: len(names)}
				if ratio {
					ps.Name += " (%)"
				}
				series[ser.Name] = ps
				names = append(names, ser.Name)
			}
			for i := range min(len(ser.T), len(ser.Values)) {
				v := ser.Values[i]
				if ps.Secondary {
					v *= 100
				}
				ps.X, ps.Y = append(ps.X, offset+ser.T[i]), append(ps.Y, v)
				end = max(end, offset+ser.T[i])
			}
		}
		offset = end
	}
	for _, n := range names {
		s.Series = append(s.Series, *series[n])
	}
	return s
}

// isRatio tells a gauge between 0 and 1 (KV-cache usage) from a count.
func isRatio(s schema.Series) bool {
	if strings.Contains(s.Name, "usage") || strings.Contains(s.Name, "perc") {
		return true
	}
	return len(s.Values) > 0 && slices.Max(s.Values) <= 1 && slices.Min(s.Values) >= 0 && !strings.HasPrefix(s.Name, "num_")
}
