package report

import "testing"

// BenchmarkWrite writes a two-hour, four-policy report (1 s ticks): every
// chart downsampled, drawn twice (PNG, SVG), then report.md and report.html.
func BenchmarkWrite(b *testing.B) {
	r := synthetic(7200)
	r2 := synthetic(7200)
	for i := range r2.Runs {
		r2.Runs[i].Policy += "_2"
	}
	r.Runs = append(r.Runs, r2.Runs...)
	dir := b.TempDir()
	for b.Loop() {
		if err := Write(dir, r); err != nil {
			b.Fatal(err)
		}
	}
}
