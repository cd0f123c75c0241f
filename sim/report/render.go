package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Layout, in points (1/72 in). Every size is a multiple of 3 points, so the
// PNG, at pngDPI, has a whole number of pixels (4 per 3 points).
const (
	pngDPI          = 96
	overlayWidth    = 576 // 8 in
	overlayHeight   = 288 // 4 in
	panelWidth      = 288
	panelHeight     = 240
	maxPanelCols    = 3
	titleHeight     = 30
	legendRowHeight = 15
	legendColWidth  = 192
	legendMargin    = 9
)

// palette is Okabe and Ito's colour-blind-safe set, yellow left out (it is
// unreadable on white).
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xff}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.RGBA{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
}

// lineWidths: the first lines drawn are the widest, so a later line lying on
// an earlier one (two policies that agree, mark on index) leaves the earlier
// one visible as a border.
var lineWidths = []vg.Length{3, 2.1, 1.4, 0.9}

func colourOf(i int) color.Color { return palette[i%len(palette)] }

// dashes: solid, dashed, dotted, dash-dot.
var dashes = [][]vg.Length{nil, {6, 3}, {1.5, 2}, {6, 2, 1.5, 2}}

// lineStyle is the style of legend entry e's lines.
func lineStyle(e entry) draw.LineStyle {
	return draw.LineStyle{Color: colourOf(e.colour), Width: widthOf(e.width), Dashes: dashes[e.dash%len(dashes)]}
}

func widthOf(i int) vg.Length { return lineWidths[min(i, len(lineWidths)-1)] }

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    font.From(sans, size),
		Handler: plot.DefaultTextHandler,
	}
}

// layout is a figure's geometry.
type layout struct {
	w, h                   vg.Length
	cols, rows             int // panels
	legendCols, legendRows int
}

func (f *figure) layout() layout {
	var l layout
	if len(f.panels) <= 1 {
		l.cols, l.rows = 1, 1
		l.w = overlayWidth
		l.h = overlayHeight
	} else {
		l.cols = min(len(f.panels), maxPanelCols)
		if len(f.panels) == 4 {
			l.cols = 2 // 2×2 rather than 3 + 1
		}
		l.rows = (len(f.panels) + l.cols - 1) / l.cols
		l.w = max(overlayWidth, vg.Length(l.cols)*panelWidth)
		l.h = vg.Length(l.rows) * panelHeight
	}
	if n := len(f.legend); n > 0 {
		l.legendCols = max(1, min(n, int(l.w/legendColWidth)))
		l.legendRows = (n + l.legendCols - 1) / l.legendCols
		l.h += vg.Length(l.legendRows)*legendRowHeight + 2*legendMargin
	}
	l.h += titleHeight
	return l
}

// pngSize is the figure's PNG size in pixels.
func (f *figure) pngSize() (w, h int) {
	l := f.layout()
	return int(l.w/vg.Inch*pngDPI + 0.5), int(l.h/vg.Inch*pngDPI + 0.5)
}

// renderPNG and renderSVG draw the figure. gonum panics on some inputs it
// considers impossible; such a panic is returned as an error.
func (f *figure) renderPNG() ([]byte, error) {
	l := f.layout()
	return render(func() (vg.CanvasWriterTo, error) {
		c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(l.w, l.h), vgimg.UseDPI(pngDPI))}
		return c, f.draw(draw.New(c), l)
	})
}

func (f *figure) renderSVG() ([]byte, error) {
	l := f.layout()
	svg, err := render(func() (vg.CanvasWriterTo, error) {
		c := vgsvg.New(l.w, l.h)
		return c, f.draw(draw.New(c), l)
	})
	if err != nil {
		return nil, err
	}
	// The fonts are not embedded (they would add hundreds of kilobytes to
	// every file). Liberation Sans has Arial's metrics, so Arial is an exact
	// fallback for text laid out with Liberation's; sans-serif a near one.
	return bytes.ReplaceAll(svg, []byte("font-family:Liberation Sans;"),
		[]byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")), nil
}

func render(drawn func() (vg.CanvasWriterTo, error)) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("drawing: %v", p)
		}
	}()
	c, err := drawn()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// draw lays the figure out on dc: its title on top, the panels below it
// (tiled, with the same axes ranges in every panel), the legend at the
// bottom, outside the data so that it hides no line.
func (f *figure) draw(dc draw.Canvas, l layout) error {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	title := textStyle(13)
	title.XAlign, title.YAlign = draw.XCenter, draw.YTop
	dc.FillText(title, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - 8}, f.title)

	legendH := vg.Length(0)
	if l.legendRows > 0 {
		legendH = vg.Length(l.legendRows)*legendRowHeight + 2*legendMargin
	}
	area := draw.Crop(dc, 0, 0, legendH, -titleHeight)

	plots, err := f.plots()
	if err != nil {
		return err
	}
	grid := make([][]*plot.Plot, l.rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, l.cols)
	}
	for i, p := range plots {
		grid[i/l.cols][i%l.cols] = p
	}
	tiles := draw.Tiles{Rows: l.rows, Cols: l.cols, PadX: 12, PadY: 6, PadLeft: 6, PadRight: 12}
	canvases := plot.Align(grid, tiles, area)
	for i, p := range plots {
		p.Draw(canvases[i/l.cols][i%l.cols])
	}

	if l.legendRows > 0 {
		f.drawLegend(draw.Crop(dc, legendMargin, -legendMargin, legendMargin, legendH-dc.Size().Y-legendMargin), l)
	}
	return nil
}

// plots builds one gonum plot per panel, every panel with the union of the
// panels' ranges.
func (f *figure) plots() ([]*plot.Plot, error) {
	plots := make([]*plot.Plot, len(f.panels))
	xMin, xMax := math.Inf(1), math.Inf(-1)
	yMin, yMax := math.Inf(1), math.Inf(-1)
	for i, pn := range f.panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.Title.TextStyle.Font = font.From(sans, 11)
		p.Title.Padding = 6
		p.X.Label.Text = f.xLabel
		p.Y.Label.Text = f.yLabel
		for _, a := range []*plot.Axis{&p.X, &p.Y} {
			a.Label.TextStyle.Font = font.From(sans, 10)
			a.Tick.Label.Font = font.From(sans, 9)
			a.Tick.Marker = compactTicks{}
		}
		grid := plotter.NewGrid()
		grid.Vertical.Color = color.Gray{0xe0}
		grid.Horizontal.Color = color.Gray{0xe0}
		p.Add(grid)
		for _, ln := range pn.lines {
			if len(ln.pts) == 0 {
				continue
			}
			pl, err := plotter.NewLine(ln.pts)
			if err != nil {
				return nil, err
			}
			pl.LineStyle = lineStyle(f.legend[ln.entry])
			p.Add(pl)
		}
		xMin, xMax = math.Min(xMin, p.X.Min), math.Max(xMax, p.X.Max)
		yMin, yMax = math.Min(yMin, p.Y.Min), math.Max(yMax, p.Y.Max)
		plots[i] = p
	}
	for _, p := range plots {
		p.X.Min, p.X.Max = xMin, xMax
		p.Y.Min, p.Y.Max = yMin, yMax
	}
	return plots, nil
}

// drawLegend draws the legend in columns, filled column by column.
func (f *figure) drawLegend(c draw.Canvas, l layout) {
	colW := c.Size().X / vg.Length(l.legendCols)
	for col := range l.legendCols {
		lg := plot.NewLegend()
		lg.TextStyle = textStyle(10)
		lg.Top, lg.Left = true, true
		lg.ThumbnailWidth = 24
		lg.Padding = legendRowHeight - 10
		for row := range l.legendRows {
			i := col*l.legendRows + row
			if i >= len(f.legend) {
				break
			}
			e := f.legend[i]
			label := e.label
			if label == "" {
				label = "(unlabelled)"
			}
			if e.empty {
				label += " (no data)"
			}
			var th plotter.Line
			th.LineStyle = lineStyle(e)
			lg.Add(label, &th)
		}
		cc := draw.Crop(c, vg.Length(col)*colW, 0, 0, 0)
		cc.Max.X = cc.Min.X + colW
		lg.Draw(cc)
	}
}
