package event

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxSpanDays is the most days a time.Duration holds (about 106,751).
const maxSpanDays = math.MaxInt64 / int64(24*time.Hour)

// ParseSpan reads a span of time as the command line and the policy file take it: a whole
// number of days ("7d", "-2d") or a Go duration ("36h", "90m", "1h30m", "250ms"). Callers
// check the range they accept (positive, not negative...). A number of days too large for a
// time.Duration is an error rather than a wrapped-around span.
func ParseSpan(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return 0, errors.New("not a whole number of days")
		}
		if days > maxSpanDays || days < -maxSpanDays {
			return 0, errors.New("too many days")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
