package plot

import (
	"math"

	"github.com/go-analyze/charts/chartdraw"
)

// legend lays the series names out in rows below the plot, each with a
// swatch of its line or marker, every name in full: a reader must find
// every configuration, however long its name.
type legend struct {
	entries []Series
	pos     [][2]int // x, row of each entry
	height  int
}

// Legend metrics, in pixels at chartdraw's default 10pt font.
const (
	legendRow    = 16
	legendSwatch = 22
	legendGap    = 14
	charWidth    = 6.4 // average advance; the layout only needs to be close
)

func newLegend(ss []Series) legend {
	l := legend{entries: ss}
	x, row := 12, 0
	for _, s := range ss {
		w := legendSwatch + 6 + int(math.Ceil(float64(len([]rune(s.Name)))*charWidth))
		if x > 12 && x+w > Width-12 {
			x, row = 12, row+1
		}
		l.pos = append(l.pos, [2]int{x, row})
		x += w + legendGap
	}
	if len(ss) > 0 {
		l.height = (row+1)*legendRow + 48 // room for the x axis title above it
	}
	return l
}

// draw is the chartdraw element that paints the legend under the canvas.
func (l legend) draw(r chartdraw.Renderer, canvas chartdraw.Box, defaults chartdraw.Style) {
	top := canvas.Bottom + 66 // below the tick labels and the axis title
	r.SetFont(defaults.GetFont())
	r.SetFontSize(9)
	for i, s := range l.entries {
		x, y := l.pos[i][0], top+l.pos[i][1]*legendRow
		st := style(s)
		r.SetStrokeColor(st.StrokeColor)
		r.SetFillColor(st.StrokeColor)
		if s.Kind != Points {
			r.SetStrokeWidth(st.StrokeWidth)
			r.SetStrokeDashArray(st.StrokeDashArray)
			r.MoveTo(x, y-4)
			r.LineTo(x+legendSwatch, y-4)
			r.Stroke()
		}
		if s.Kind != Line {
			r.SetStrokeWidth(1)
			r.SetStrokeDashArray(nil)
			r.Circle(3, x+legendSwatch/2, y-4)
			r.FillStroke()
		}
		r.SetFontColor(chartdraw.DefaultTextColor)
		r.Text(s.Name, x+legendSwatch+6, y)
	}
}

// marks draws labelled vertical lines at x values (linear axes only).
func marks(ms []Mark, xmin, xmax float64, log bool) chartdraw.Renderable {
	return func(r chartdraw.Renderer, canvas chartdraw.Box, defaults chartdraw.Style) {
		if len(ms) == 0 || log || !(xmax > xmin) {
			return
		}
		r.SetFont(defaults.GetFont())
		r.SetFontSize(8)
		for _, m := range ms {
			x := canvas.Left + int(math.Round((m.X-xmin)/(xmax-xmin)*float64(canvas.Width())))
			r.SetStrokeColor(chartdraw.DefaultAxisColor)
			r.SetStrokeWidth(1)
			r.SetStrokeDashArray([]float64{3, 3})
			r.MoveTo(x, canvas.Top)
			r.LineTo(x, canvas.Bottom)
			r.Stroke()
			r.SetFontColor(chartdraw.DefaultTextColor)
			r.Text(m.Label, x+3, canvas.Top+10)
		}
	}
}
