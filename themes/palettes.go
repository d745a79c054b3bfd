package themes

import "charm.land/lipgloss/v2"

var c = lipgloss.Color

// darkPalette is for dark terminal backgrounds.
var darkPalette = Palette{
	Fg:          c("#D0D0D0"),
	Muted:       c("#8A8A8A"),
	Subtle:      c("#5F5F5F"),
	Border:      c("#4E4E4E"),
	BorderFocus: c("#5FAFFF"),
	Accent:      c("#5FAFFF"),
	SelectionFg: c("#FFFFFF"),
	SelectionBg: c("#303F5F"),
	Error:       c("#FF5F5F"),
	Warning:     c("#FFAF00"),
	Success:     c("#87D787"),
	HeaderFg:    c("#FFFFFF"),
	HeaderBg:    c("#1C3A5E"),
	FooterFg:    c("#BCBCBC"),
	FooterBg:    c("#262626"),
	ChipFg:      c("#D7D7FF"),
	ChipBg:      c("#3A3A5F"),

	Info:     c("#87AFD7"),
	Low:      c("#87D787"),
	Medium:   c("#FFD75F"),
	High:     c("#FF875F"),
	Critical: c("#FF5F87"),
	P1:       c("#FF5F87"),
	P2:       c("#FF875F"),
	P3:       c("#FFD75F"),
	P4:       c("#87AFD7"),

	Keyword:  c("#D787FF"),
	Field:    c("#5FD7FF"),
	String:   c("#AFD787"),
	Number:   c("#FFAF5F"),
	Operator: c("#FF87AF"),
	Comment:  c("#6C6C6C"),
	Function: c("#87D7D7"),
}

// lightPalette is for light terminal backgrounds.
var lightPalette = Palette{
	Fg:          c("#262626"),
	Muted:       c("#626262"),
	Subtle:      c("#A8A8A8"),
	Border:      c("#BCBCBC"),
	BorderFocus: c("#005FAF"),
	Accent:      c("#005FAF"),
	SelectionFg: c("#000000"),
	SelectionBg: c("#D7E7FF"),
	Error:       c("#D70000"),
	Warning:     c("#AF5F00"),
	Success:     c("#008700"),
	HeaderFg:    c("#FFFFFF"),
	HeaderBg:    c("#005FAF"),
	FooterFg:    c("#303030"),
	FooterBg:    c("#E4E4E4"),
	ChipFg:      c("#303060"),
	ChipBg:      c("#E0E0F8"),

	Info:     c("#005F87"),
	Low:      c("#008700"),
	Medium:   c("#AF8700"),
	High:     c("#D75F00"),
	Critical: c("#D7005F"),
	P1:       c("#D7005F"),
	P2:       c("#D75F00"),
	P3:       c("#AF8700"),
	P4:       c("#005F87"),

	Keyword:  c("#8700AF"),
	Field:    c("#005F87"),
	String:   c("#5F8700"),
	Number:   c("#AF5F00"),
	Operator: c("#AF005F"),
	Comment:  c("#8A8A8A"),
	Function: c("#00875F"),
}

// Okabe–Ito colours (Okabe & Ito, "Color Universal Design", 2008): eight hues that stay
// distinguishable under the common colour-vision deficiencies.
var (
	oiBlack     = c("#000000")
	oiOrange    = c("#E69F00")
	oiSkyBlue   = c("#56B4E9")
	oiGreen     = c("#009E73") // bluish green
	oiYellow    = c("#F0E442")
	oiBlue      = c("#0072B2")
	oiVermilion = c("#D55E00")
	oiPurple    = c("#CC79A7") // reddish purple
)

// okabeItoPalette is the high-contrast, colour-blind-safe theme: white on black, Okabe–Ito hues,
// and the severities ordered so that neighbours differ in lightness as well as hue. High and
// critical are also bold (critical reversed in the no-colour variant), so colour is never the
// only cue.
var okabeItoPalette = Palette{
	Fg:          c("#FFFFFF"),
	Muted:       c("#C6C6C6"),
	Subtle:      c("#9E9E9E"),
	Border:      c("#FFFFFF"),
	BorderFocus: oiYellow,
	Accent:      oiYellow,
	SelectionFg: oiBlack,
	SelectionBg: oiYellow,
	Error:       oiVermilion,
	Warning:     oiOrange,
	Success:     oiGreen,
	HeaderFg:    oiBlack,
	HeaderBg:    oiSkyBlue,
	FooterFg:    oiBlack,
	FooterBg:    c("#FFFFFF"),
	ChipFg:      oiBlack,
	ChipBg:      oiSkyBlue,

	Info:     oiSkyBlue,
	Low:      oiGreen,
	Medium:   oiYellow,
	High:     oiOrange,
	Critical: oiVermilion,
	P1:       oiVermilion,
	P2:       oiOrange,
	P3:       oiYellow,
	P4:       oiSkyBlue,

	Keyword:  oiOrange,
	Field:    oiSkyBlue,
	String:   oiGreen,
	Number:   oiYellow,
	Operator: oiPurple,
	Comment:  c("#9E9E9E"),
	Function: oiBlue,
}
