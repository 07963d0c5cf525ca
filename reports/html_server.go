package reports

import (
	"slices"
	"strings"

	"github.com/servebench/servebench/reports/internal/chart"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// serverCharts draws the server's gauges over time for every stage level
// that scraped them. Ratios (0..1, e.g. kv_cache_usage) and counts (requests
// running/waiting) get separate charts so neither is flattened by the other.
func serverCharts(run *schema.Run) []chartView {
	var out []chartView
	for i := range run.Stages {
		st := &run.Stages[i]
		if st.Server == nil || len(st.Server.Series) == 0 {
			continue
		}
		ratios, counts := splitSeries(st.Server.Series)
		for _, set := range []struct {
			title string
			ss    []schema.Series
		}{{"ratio", ratios}, {"count", counts}} {
			for _, spec := range seriesSpecs(st.ID+": server "+set.title, set.ss) {
				out = appendChart(out, spec)
			}
		}
	}
	return out
}

func splitSeries(ss []schema.Series) (ratios, counts []schema.Series) {
	for _, s := range ss {
		if isRatio(s) {
			ratios = append(ratios, s)
		} else {
			counts = append(counts, s)
		}
	}
	return ratios, counts
}

func isRatio(s schema.Series) bool {
	if strings.Contains(s.Name, "usage") || strings.Contains(s.Name, "perc") {
		return true
	}
	return len(s.Values) > 0 && slices.Max(s.Values) <= 1 && slices.Min(s.Values) >= 0 && !strings.HasPrefix(s.Name, "num_")
}

// seriesSpecs puts series sharing one time axis on one chart and gives a
// series with its own sampling times a chart of its own.
func seriesSpecs(title string, ss []schema.Series) []chart.Spec {
	var out []chart.Spec
	shared := -1 // index in out of the chart whose time axis is sharedT
	var sharedT []float64
	for _, s := range ss {
		n := min(len(s.T), len(s.Values))
		if n == 0 {
			continue
		}
		if shared >= 0 && slices.Equal(sharedT, s.T[:n]) {
			out[shared].Series = append(out[shared].Series, chart.Series{Name: s.Name, Values: s.Values[:n]})
			continue
		}
		out = append(out, chart.Spec{Title: title, XTitle: "seconds since stage start", X: timeLabels(s.T[:n]),
			Series: []chart.Series{{Name: s.Name, Values: s.Values[:n]}}})
		shared, sharedT = len(out)-1, s.T[:n]
	}
	return out
}

func timeLabels(t []float64) []string {
	out := make([]string, len(t))
	for i, v := range t {
		out[i] = format.Float(float64(int(v*10)) / 10)
	}
	return out
}
