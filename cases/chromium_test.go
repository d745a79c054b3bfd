package cases

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// chromium is where Debian's chromium package puts the browser (apt-get install -y chromium).
const chromium = "/usr/bin/chromium"

// TestHTMLReportRendersInChromium opens the HTML report of the fixed case in headless Chromium,
// takes a screenshot and prints it to PDF, and checks the screenshot has the requested size and
// is not blank (several colours, a fair share of non-white pixels), and the PDF is a real one.
func TestHTMLReportRendersInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s not found: install Debian's chromium package (apt-get install -y chromium) to run the HTML render check", chromium)
	}
	var page bytes.Buffer
	if err := fixtureReport(t).WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	if err := os.WriteFile(html, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shot, pdf := filepath.Join(dir, "shot.png"), filepath.Join(dir, "report.pdf")
	const w, h = 1200, 1800
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile")}
	for _, args := range [][]string{
		{"--screenshot=" + shot, "--window-size=1200,1800"},
		{"--print-to-pdf=" + pdf, "--no-pdf-header-footer"},
	} {
		cmd := exec.CommandContext(ctx, chromium, append(append(append([]string(nil), base...), args...), "file://"+html)...)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, out)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), w, h)
	}
	colours, ink := pixelStats(img)
	t.Logf("screenshot %v: %d colours, %.1f%% non-white pixels", img.Bounds().Size(), colours, ink*100)
	if colours < 20 || ink < 0.02 {
		t.Errorf("screenshot looks blank: %d colours, %.2f%% non-white", colours, ink*100)
	}
	// The red alert marks of the SVG chart are drawn: some strongly red pixels exist.
	if !hasColour(img, func(r, g, b uint32) bool { return r > 0xa000 && g < 0x5000 && b < 0x5000 }) {
		t.Error("no red pixels: the timeline chart's alert marks did not render")
	}
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) || len(b) < 10000 {
		t.Errorf("print to PDF gave %d bytes starting %q", len(b), b[:min(len(b), 8)])
	}
	t.Logf("PDF %d bytes", len(b))
}

func pixelStats(img image.Image) (colours int, ink float64) {
	seen := map[[3]uint32]bool{}
	var dark, all int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			all++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				dark++
			}
		}
	}
	return len(seen), float64(dark) / float64(all)
}

func hasColour(img image.Image, match func(r, g, b uint32) bool) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if match(r, g, bl) {
				return true
			}
		}
	}
	return false
}
