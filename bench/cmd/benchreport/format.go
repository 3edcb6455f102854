package main

import (
	"fmt"
	"math"
	"strings"
)

// formatValue prints a measurement with its unit at a precision that reads
// well in a table: three significant digits, thousands separated.
func formatValue(v float64, unit string) string {
	return formatNumber(v) + " " + unit
}

// formatNumber prints v with three significant digits (whole numbers from
// 1,000 up, with separators).
func formatNumber(v float64) string {
	abs := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case abs >= 1000:
		return groupThousands(fmt.Sprintf("%.0f", v))
	case abs >= 100:
		return fmt.Sprintf("%.0f", v)
	case abs >= 10:
		return fmt.Sprintf("%.1f", v)
	case abs >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}

// formatRatio prints a ratio as "0.48×".
func formatRatio(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.1f×", r)
	default:
		return fmt.Sprintf("%.2f×", r)
	}
}

func groupThousands(digits string) string {
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}
