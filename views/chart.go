package views

import (
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Geometry of the overview chart, in SVG user units (the SVG scales to its box).
const (
	chartW      = 1000
	chartH      = 280
	chartLeft   = 56
	chartRight  = 16
	chartTop    = 40
	chartBottom = 30
	chartPlotW  = chartW - chartLeft - chartRight
	chartPlotH  = chartH - chartTop - chartBottom
	chartYTicks = 4
	chartXMax   = 10 // at most this many day labels under the axis
	// chartLegendX puts the legend at the top right, clear of the y-axis title.
	chartLegendX = chartW - chartRight - 340
)

type chartTick struct {
	Pos   string // x or y coordinate
	Label string
}

type chartPoint struct {
	X, YLogin, YBind string
	Tip              string
}

// chartModel is the overview chart laid out: every coordinate is computed here, so the
// template only places ready-made strings.
type chartModel struct {
	Empty        bool // no days at all
	AllZero      bool // days, but nothing happened
	YTicks       []chartTick
	XTicks       []chartTick
	LoginLine    string // polyline points
	LoginArea    string // path d: the area under the logins line
	BindLine     string
	Points       []chartPoint
	TotalLogins  int64
	TotalBinds   int64
	First, Last  string // first and last day, for the accessible description
	Summary      string // accessible description
	ShowMarkers  bool   // dots with tooltips, when days are few enough to hover
	BaselineY    string
	PlotLeft     string
	PlotRight    string
	PlotTop      string
	LegendLoginX string
	LegendBindX  string
}

// niceStep is the smallest of 1, 2, 2.5, 5 × 10^k (a whole number, at least 1) such that
// chartYTicks steps reach max.
func niceStep(max int64) int64 {
	if max <= 0 {
		return 1
	}
	raw := float64(max) / chartYTicks
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m == 2.5 && mag < 10 {
			continue
		}
		if s := m * mag; s >= raw {
			return max64(1, int64(math.Ceil(s)))
		}
	}
	return max64(1, int64(math.Ceil(10*mag)))
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func coord(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

func buildChart(lang string, days []DayStat) chartModel {
	m := chartModel{
		Empty:        len(days) == 0,
		BaselineY:    coord(chartTop + chartPlotH),
		PlotLeft:     coord(chartLeft),
		PlotRight:    coord(chartLeft + chartPlotW),
		PlotTop:      coord(chartTop),
		LegendLoginX: coord(chartLegendX),
		LegendBindX:  coord(chartLegendX + 170),
	}
	var peak int64
	for _, d := range days {
		m.TotalLogins += d.Logins
		m.TotalBinds += d.Binds
		peak = max64(peak, max64(d.Logins, d.Binds))
	}
	m.AllZero = !m.Empty && peak == 0
	step := niceStep(peak)
	top := step * chartYTicks
	for i := int64(0); i <= chartYTicks; i++ {
		y := chartTop + chartPlotH - float64(i)*chartPlotH/chartYTicks
		m.YTicks = append(m.YTicks, chartTick{Pos: coord(y), Label: fmtInt(i * step)})
	}
	if m.Empty {
		m.Summary = T(lang, "chart.empty")
		return m
	}
	m.First, m.Last = days[0].Day, days[len(days)-1].Day
	n := len(days)
	band := float64(chartPlotW) / float64(n)
	yOf := func(v int64) float64 {
		return chartTop + chartPlotH - float64(max64(v, 0))*chartPlotH/float64(top)
	}
	every := (n + chartXMax - 1) / chartXMax
	m.ShowMarkers = n <= 92 // up to the longest period, 90 days
	var login, bind []string
	for i, d := range days {
		x := chartLeft + (float64(i)+0.5)*band
		yl, yb := yOf(d.Logins), yOf(d.Binds)
		login = append(login, coord(x)+","+coord(yl))
		bind = append(bind, coord(x)+","+coord(yb))
		m.Points = append(m.Points, chartPoint{
			X: coord(x), YLogin: coord(yl), YBind: coord(yb),
			Tip: d.Day + " · " + T(lang, "chart.logins") + " " + fmtInt(d.Logins) +
				" · " + T(lang, "chart.binds") + " " + fmtInt(d.Binds),
		})
		// Label every few days, counting back from the last so that today is labelled.
		if (n-1-i)%every == 0 {
			m.XTicks = append(m.XTicks, chartTick{Pos: coord(x), Label: shortDay(d.Day)})
		}
	}
	m.LoginLine = strings.Join(login, " ")
	m.BindLine = strings.Join(bind, " ")
	first := chartLeft + 0.5*band
	last := chartLeft + (float64(n)-0.5)*band
	m.LoginArea = "M" + coord(first) + "," + m.BaselineY + " L" + strings.Join(login, " L") +
		" L" + coord(last) + "," + m.BaselineY + " Z"
	m.Summary = Tf(lang, "chart.summary", m.First, m.Last, fmtInt(m.TotalLogins), fmtInt(m.TotalBinds))
	return m
}

// overviewURL is the overview with the chart over days days, keeping the app choice.
func overviewURL(app string, days int) string {
	q := url.Values{}
	if app != "" {
		q.Set("app", app)
	}
	q.Set("days", strconv.Itoa(days))
	return PathOverview + "?" + q.Encode()
}
