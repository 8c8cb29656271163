package views

import (
	"strconv"
	"strings"
	"testing"
)

func TestChartEmpty(t *testing.T) {
	for _, days := range [][]DayStat{nil, {}} {
		doc, _ := render(t, Chart(LangZH, days))
		svg := doc.Find("svg" + testid("chart-svg"))
		if svg.Length() != 1 {
			t.Fatal("no svg")
		}
		if svg.Find("title").First().Text() != "每日登录与绑定" {
			t.Errorf("title = %q", svg.Find("title").First().Text())
		}
		if doc.Find(testid("chart-empty")).Text() != "暂无数据" {
			t.Error("empty chart does not say so")
		}
		if svg.Find("polyline").Length() != 0 {
			t.Error("empty chart draws lines")
		}
		if svg.Find(".axis-y text").Length() != chartYTicks+1 {
			t.Errorf("%d y labels", svg.Find(".axis-y text").Length())
		}
		checkCSP(t, doc)
	}
}

func TestChartAllZero(t *testing.T) {
	days := []DayStat{{Day: "2025-03-01"}, {Day: "2025-03-02"}, {Day: "2025-03-03"}}
	doc, _ := render(t, Chart(LangEN, days))
	if doc.Find(testid("chart-zero")).Length() != 1 {
		t.Error("all-zero chart does not say so")
	}
	// The lines lie on the baseline, not in the middle or off the plot (no NaN).
	base := coord(chartTop + chartPlotH)
	for _, pt := range strings.Fields(doc.Find(testid("series-logins")).AttrOr("points", "")) {
		if !strings.HasSuffix(pt, ","+base) {
			t.Errorf("zero point %s is not on the baseline y=%s", pt, base)
		}
	}
	if s := doc.Find("svg").Text(); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Error("NaN in the chart")
	}
}

func TestChartSeries(t *testing.T) {
	days := sampleDays(30)
	days[17].Logins = 990 // the peak
	doc, html := render(t, Chart(LangEN, days))
	svg := doc.Find("svg")
	if strings.Contains(html, "NaN") {
		t.Fatal("NaN in the chart")
	}
	if got := svg.AttrOr("role", ""); got != "img" {
		t.Errorf("role = %q", got)
	}
	logins := strings.Fields(doc.Find(testid("series-logins")).AttrOr("points", ""))
	binds := strings.Fields(doc.Find(testid("series-binds")).AttrOr("points", ""))
	if len(logins) != 30 || len(binds) != 30 {
		t.Fatalf("%d login and %d bind points, want 30 each", len(logins), len(binds))
	}
	// The peak is the highest point (smallest y), within the plot, and under the top tick.
	minY, minI := 1e9, -1
	for i, pt := range logins {
		_, ys, _ := strings.Cut(pt, ",")
		y, err := strconv.ParseFloat(ys, 64)
		if err != nil {
			t.Fatalf("point %q: %v", pt, err)
		}
		if y < chartTop || y > chartTop+chartPlotH {
			t.Errorf("point %q outside the plot", pt)
		}
		if y < minY {
			minY, minI = y, i
		}
	}
	if minI != 17 {
		t.Errorf("highest login point is day %d, want 17", minI)
	}
	// Legend, both series named, axis labels: y ticks up to 1,000 and day labels.
	legend := svg.Find(".legend").Text()
	if !strings.Contains(legend, "Logins") || !strings.Contains(legend, "Binds") {
		t.Errorf("legend = %q", legend)
	}
	if top := svg.Find(".axis-y text").Last().Text(); top != "1,000" {
		t.Errorf("top y label = %q, want 1,000", top)
	}
	xs := svg.Find(".axis-x text")
	if xs.Length() < 2 || xs.Length() > chartXMax {
		t.Errorf("%d day labels", xs.Length())
	}
	if last := xs.Last().Text(); last != shortDay(days[29].Day) {
		t.Errorf("last day label = %q, want the last day", last)
	}
	if desc := svg.Find("desc").Text(); !strings.Contains(desc, days[0].Day) || !strings.Contains(desc, days[29].Day) {
		t.Errorf("desc = %q", desc)
	}
	if svg.Find(".marker title").Length() != 30 {
		t.Error("no per-day tooltips")
	}
	checkCSP(t, doc)
}

func TestChartOneDay(t *testing.T) {
	m := buildChart(LangEN, []DayStat{{Day: "2025-03-01", Logins: 3, Binds: 1}})
	if len(m.Points) != 1 || m.Points[0].X != coord(chartLeft+chartPlotW/2.0) {
		t.Errorf("one day not centred: %+v", m.Points)
	}
}

func TestNiceStep(t *testing.T) {
	for max, want := range map[int64]int64{0: 1, 1: 1, 3: 1, 4: 1, 5: 2, 9: 5, 40: 10, 41: 20, 990: 250, 1000: 250, 1001: 500, 123456: 50000} {
		got := niceStep(max)
		if got != want {
			t.Errorf("niceStep(%d) = %d, want %d", max, got, want)
		}
		if got*chartYTicks < max {
			t.Errorf("niceStep(%d) = %d does not reach the maximum", max, got)
		}
	}
}
