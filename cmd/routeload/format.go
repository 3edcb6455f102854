package main

import (
	"fmt"
	"strconv"
	"time"
)

// humanCount renders n with three significant digits and a k, M or G
// suffix: 2.41M.
func humanCount(n float64) string {
	switch {
	case n >= 1e9:
		return threeDigits(n/1e9) + "G"
	case n >= 1e6:
		return threeDigits(n/1e6) + "M"
	case n >= 1e3:
		return threeDigits(n/1e3) + "k"
	}
	return fmt.Sprintf("%.0f", n)
}

// threeDigits renders v, expected in [1, 1000), with about three significant
// digits and never in exponent form.
func threeDigits(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// groupDigits renders n with a comma between groups of three digits.
func groupDigits(n uint64) string {
	digits := strconv.FormatUint(n, 10)
	grouped := make([]byte, 0, len(digits)+len(digits)/3)
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			grouped = append(grouped, ',')
		}
		grouped = append(grouped, digits[i])
	}
	return string(grouped)
}

// percent renders part/whole as a percentage with one decimal; "-" when
// whole is 0.
func percent(part, whole uint64) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

// share returns part/whole, 0 when whole is 0.
func share(part, whole uint64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// humanNanos renders a latency in nanoseconds with a unit that keeps it
// short: 87ns, 1.24µs, 3.1ms.
func humanNanos(ns int64) string {
	switch {
	case ns < 1_000:
		return strconv.FormatInt(ns, 10) + "ns"
	case ns < 1_000_000:
		return threeDigits(float64(ns)/1e3) + "µs"
	case ns < 1_000_000_000:
		return threeDigits(float64(ns)/1e6) + "ms"
	}
	return threeDigits(float64(ns)/1e9) + "s"
}

// humanBytes renders a byte count in binary units: 25.1 MiB.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	value, suffix := float64(n), "B"
	for _, next := range []string{"KiB", "MiB", "GiB", "TiB"} {
		if value < unit && value > -unit {
			break
		}
		value, suffix = value/unit, next
	}
	return fmt.Sprintf("%.1f %s", value, suffix)
}

// seconds renders a duration given in seconds the way time.Duration does,
// to the millisecond: 10.013s, 500ms.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}
