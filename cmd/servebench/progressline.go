package main

import (
	"fmt"
	"strings"
	"time"
)

// defaultWidth is assumed when a terminal does not say how wide it is.
const defaultWidth = 80

// Bar sizes of the live line: the bar shrinks to the room a narrow terminal
// leaves and is left out below barMin cells.
const (
	barMax = 24
	barMin = 6
)

// liveLine is the terminal's line of the step in progress: label, a bar of
// the step's progress (by requests, or by time for a level that ends by
// duration), counts, rate and time, cut to the terminal's width (0:
// unknown: defaultWidth) so that it never wraps.
func (p *progress) liveLine(now time.Time, width int) string {
	text, frac := p.status(now)
	line := p.label + "  " + text
	if width <= 1 {
		width = defaultWidth
	}
	if room := width - 1 - runeLen(line) - 2; room >= barMin {
		return p.label + "  " + bar(frac, min(room, barMax)) + "  " + text
	}
	return truncate(line, width-1)
}

// status is the step's counts, rate and time, and how far it is (0..1).
// Rate, ETA and the duration window count from the first measured send
// (warmup requests are neither counted nor part of the window); until then,
// from the step's start.
func (p *progress) status(now time.Time) (string, float64) {
	l := p.live
	done, failed := l.Done(), l.Failed()
	since := l.MeasuringSince()
	if since.IsZero() {
		since = p.start
	}
	measured := now.Sub(since)
	rate := float64(done) / max(measured.Seconds(), 1e-9)
	counts := fmt.Sprintf("%d errors  %.1f req/s", failed, rate)
	if l.Duration > 0 {
		return fmt.Sprintf("%d done  %s  %s", done, counts, window(measured, l.Duration)),
			min(measured.Seconds()/l.Duration.Seconds(), 1)
	}
	eta, frac := "?", 0.0
	if l.Total > 0 {
		frac = min(float64(done)/float64(l.Total), 1)
		if rate > 0 {
			eta = seconds(time.Duration(float64(int64(l.Total)-done) / rate * float64(time.Second)))
		}
	}
	return fmt.Sprintf("%d/%d done  %s  elapsed %s  eta %s", done, l.Total, counts, seconds(now.Sub(p.start)), eta), frac
}

// window is the time of a duration-bound level: how much of its measuring
// window has passed and how much is left.
func window(measured, d time.Duration) string {
	if measured >= d {
		return fmt.Sprintf("%s/%s  finishing", seconds(d), seconds(d))
	}
	return fmt.Sprintf("%s/%s  %s left", seconds(measured), seconds(d), seconds(d-measured))
}

func seconds(d time.Duration) string { return d.Round(time.Second).String() }

// bar draws frac (0..1) in n cells.
func bar(frac float64, n int) string {
	full := int(frac*float64(n) + 0.5)
	full = max(0, min(full, n))
	return strings.Repeat("█", full) + strings.Repeat("░", n-full)
}

// truncate cuts s to n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func runeLen(s string) int { return len([]rune(s)) }
