package syslog

import "time"

// yearTracker chooses the year of RFC 3164 timestamps, which have none, for one file.
//
// The first undated line of a file gets the year given by the "year" option; without it, the
// latest year that does not put the line in the future of the reference time, with two days of
// slack for clock skew and time zones. The reference time is the "now" option, else the file's
// modification time (its last line was written by then, so an archived log copied with its
// times keeps its year), else the import time. A log last written in March 2025 whose first
// line is "Dec 10" is thus from December 2024.
//
// After that the file is taken to be in time order: when the month goes backwards by more than
// six months (Dec -> Jan) a new year has begun and the year steps up for the rest of the file.
// A month more than six months ahead of the last one (a "Dec 31" line written just after a
// "Jan 1" line, as merged logs do) is taken to be a late line from the previous year and does
// not move the year. Lines with a full date (RFC 3339, RFC 5424, "Mmm dd yyyy") set the year and
// month directly. The limitation: a silence of more than six months inside one file is read as
// out-of-order lines, not as a gap.
type yearTracker struct {
	fixed int       // the "year" option, 0 when not set
	ref   time.Time // reference time for the first guess
	loc   *time.Location

	year  int // year of the last dated line, 0 before the first
	month time.Month
}

// slack is how far in the future of the reference time a first line may be.
const slack = 48 * time.Hour

// resolve returns the year of an undated timestamp in the given month and day.
func (y *yearTracker) resolve(st bsdStamp) int {
	if y.year == 0 {
		yr := y.fixed
		if yr == 0 {
			yr = y.ref.In(y.loc).Year()
			t := time.Date(yr, st.month, st.day, st.hour, st.minute, st.second, st.nsec, y.loc)
			if t.After(y.ref.Add(slack)) {
				yr--
			}
		}
		y.year, y.month = yr, st.month
		return yr
	}
	switch d := int(st.month) - int(y.month); {
	case d < -6:
		y.year++
	case d > 6:
		return y.year - 1
	}
	y.month = st.month
	return y.year
}

// seen records a line whose timestamp had a year.
func (y *yearTracker) seen(t time.Time) {
	if t.IsZero() {
		return
	}
	t = t.In(y.loc)
	y.year, y.month = t.Year(), t.Month()
}
