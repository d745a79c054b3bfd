package themes

import (
	"strings"
	"testing"
)

func TestByName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		noColor  bool
		err      bool
	}{
		{"", "dark", false, false},
		{"dark", "dark", false, false},
		{"Light", "light", false, false},
		{"high-contrast", "high-contrast", false, false},
		{"colorblind", "high-contrast", false, false},
		{"okabe-ito", "high-contrast", false, false},
		{"no-color", "no-color", true, false},
		{"plain", "no-color", true, false},
		{"NoColor", "no-color", true, false},
		{"no-colour", "no-color", true, false},
		{"solarized", "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			th, err := ByName(tc.in)
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "high-contrast") {
					t.Fatalf("ByName(%q) error = %v, want an error listing the themes", tc.in, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if th.Name != tc.want || th.NoColor != tc.noColor {
				t.Errorf("ByName(%q) = %s (no colour %v), want %s (%v)", tc.in, th.Name, th.NoColor, tc.want, tc.noColor)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, flag, env, setting, noColorEnv string
		want                                 string
		noColor                              bool
	}{
		{"default", "", "", "", "", "dark", false},
		{"setting", "", "", "light", "", "light", false},
		{"env beats setting", "", "high-contrast", "light", "", "high-contrast", false},
		{"flag beats env", "light", "high-contrast", "dark", "", "light", false},
		{"NO_COLOR strips colour", "light", "", "", "1", "light", true},
		{"NO_COLOR empty is ignored", "light", "", "", "", "light", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{EnvTheme: tc.env, "NO_COLOR": tc.noColorEnv}
			th, err := choose(tc.flag, tc.setting, func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if th.Name != tc.want || th.NoColor != tc.noColor {
				t.Errorf("got %s (no colour %v), want %s (%v)", th.Name, th.NoColor, tc.want, tc.noColor)
			}
		})
	}
	if _, err := choose("nope", "", func(string) string { return "" }); err == nil {
		t.Error("an unknown flag value gave no error")
	}
}

// TestNoColorHasNoColour renders every style of the no-colour theme and checks that no colour
// sequence (SGR 38/48) appears, while emphasis (bold, reverse) does.
func TestNoColorHasNoColour(t *testing.T) {
	t.Parallel()
	th, _ := ByName("no-color")
	var b strings.Builder
	for _, s := range Severities {
		b.WriteString(th.Severity(s).Render(s))
	}
	for p := 1; p <= 4; p++ {
		b.WriteString(th.Priority(p).Render("P"))
	}
	for _, s := range []string{th.Base.Render("x"), th.Selected.Render("x"), th.Header.Render("x"), th.Footer.Render("x"),
		th.Chip.Render("x"), th.Syn.Keyword.Render("x"), th.Syn.String.Render("x"), th.Panel.Render("x"), th.Error.Render("x")} {
		b.WriteString(s)
	}
	out := b.String()
	if strings.Contains(out, "38;") || strings.Contains(out, "48;") {
		t.Errorf("no-colour theme emits colour: %q", out)
	}
	if !strings.Contains(out, "\x1b[1") || !strings.Contains(out, "7m") {
		t.Errorf("no-colour theme lost bold/reverse emphasis: %q", out)
	}
}

// TestSeveritiesDistinct checks that every coloured theme gives the five severities and the four
// priorities five (four) different colours, and that unknown names fall back to muted.
func TestSeveritiesDistinct(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"dark", "light", "high-contrast"} {
		t.Run(name, func(t *testing.T) {
			th, err := ByName(name)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]string{}
			for _, s := range Severities {
				r := th.Severity(s).Render("x")
				if prev, ok := seen[r]; ok {
					t.Errorf("severity %s renders like %s: %q", s, prev, r)
				}
				seen[r] = s
			}
			if th.Severity("INFORMATIONAL").Render("x") != th.Severity("info").Render("x") {
				t.Error("informational is not styled as info")
			}
			if th.Severity("bogus").Render("x") != th.Muted.Render("x") {
				t.Error("an unknown severity is not muted")
			}
			pri := map[string]int{}
			for p := 1; p <= 4; p++ {
				pri[th.Priority(p).Render("x")] = p
			}
			if len(pri) != 4 {
				t.Errorf("priorities share styles: %v", pri)
			}
			if th.Priority(0).Render("x") != th.Priority(1).Render("x") || th.Priority(9).Render("x") != th.Priority(4).Render("x") {
				t.Error("priorities are not clamped to 1..4")
			}
		})
	}
}
