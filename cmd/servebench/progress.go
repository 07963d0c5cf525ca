package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Progress refresh periods: a terminal line is redrawn often; a log (CI,
// pipes) gets a line now and then so it stays readable.
const (
	ttyRefresh = 200 * time.Millisecond
	logRefresh = 10 * time.Second
)

// progress shows one line per stage level: on a terminal a line redrawn in
// place with done/total, errors, live req/s and elapsed/ETA; elsewhere plain
// timestamped log lines without cursor codes.
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	mu    sync.Mutex
	stop  chan struct{}
	done  chan struct{}
	label string
	live  *engine.Live
	start time.Time
	// width reports the terminal's columns: a live line longer than the
	// terminal wraps, and "\r" then returns only to the last row, leaving
	// the earlier rows behind on every redraw.
	width func() int
	drawn bool // a live line is on screen (TTY only)
}

var _ engine.Observer = (*progress)(nil)

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, tty: isTerminal(w), quiet: quiet, width: func() int { return terminalWidth(w) }}
}

// Logf prints a lifecycle message (server start, readiness, warnings).
func (p *progress) Logf(format string, args ...any) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLine()
	p.printf(format, args...)
}

// clearLine erases the live line, if one is drawn; the caller holds mu.
func (p *progress) clearLine() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// redraw overwrites the live line in place: the text first, then erase to
// the end of the line, so the terminal never shows an empty line between
// frames (no flicker). The caller holds mu.
func (p *progress) redraw() {
	fmt.Fprintf(p.w, "\r%s\033[K", p.liveLine(time.Now(), p.width()))
	p.drawn = true
}

// printf writes one line; the caller holds mu. The line may quote a server
// (an error body in a readiness message, a model id): control bytes are
// escaped, so it can neither move the cursor nor forge a line of output.
func (p *progress) printf(format string, args ...any) {
	var ts string
	if !p.tty {
		ts = time.Now().Format("15:04:05.000 ")
	}
	fmt.Fprint(p.w, ts+redact.Safe(fmt.Sprintf(format, args...))+"\n")
}

// StepStarted begins the line of a step and its refresh loop.
func (p *progress) StepStarted(step engine.Step, index, total int, live *engine.Live) {
	if p.quiet {
		return
	}
	p.Stop()
	p.mu.Lock()
	p.label = fmt.Sprintf("[%d/%d] %s", index+1, total, redact.Line(step.ID))
	p.live, p.start = live, time.Now()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	if !p.tty {
		p.printf("%s started: %s", p.label, describeStep(step))
	}
	p.mu.Unlock()
	go p.loop(p.stop, p.done)
}

func (p *progress) loop(stop, done chan struct{}) {
	defer close(done)
	period := logRefresh
	if p.tty {
		period = ttyRefresh
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.mu.Lock()
			if p.tty {
				p.redraw()
			} else {
				text, _ := p.status(time.Now())
				p.printf("%s  %s", p.label, text)
			}
			p.mu.Unlock()
		}
	}
}

// StepFinished ends the step's line with its headline numbers.
func (p *progress) StepFinished(st *schema.StageResult) {
	if p.quiet {
		return
	}
	p.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLine()
	m := st.Metrics
	ttft := "n/a" // no request completed: there is no TTFT, not a TTFT of 0
	if m.TTFT.Measured() {
		ttft = fmt.Sprintf("%.1f ms", m.TTFT.Median)
	}
	p.printf("%s %s: %d ok, %d failed, %.2f req/s, %.0f tok/s, TTFT p50 %s%s",
		p.label, st.Status, m.Completed, m.Failed, m.RequestThroughput, m.OutputThroughput,
		ttft, thresholdMark(st))
	p.live = nil
}

func thresholdMark(st *schema.StageResult) string {
	if len(st.Thresholds) == 0 {
		return ""
	}
	if st.Passed() {
		return "  thresholds ✔"
	}
	return "  thresholds ✗"
}

// Stop ends the refresh loop of the current step, if any, and erases its
// live line, so what is printed next (an interrupted run's summary) starts
// on a line of its own.
func (p *progress) Stop() {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop, p.done = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	p.mu.Lock()
	p.clearLine()
	p.mu.Unlock()
}

func describeStep(s engine.Step) string {
	if s.Part.Idle() {
		return fmt.Sprintf("no share of this level for shard %d of %d", s.Part.Index, s.Part.Count)
	}
	if s.Trace != nil {
		return replayLoad(s)
	}
	load := fmt.Sprintf("concurrency %d", s.Concurrency)
	if s.OpenLoop() {
		load = fmt.Sprintf("%g req/s", s.Rate)
	}
	size := fmt.Sprint(sizeOf(s))
	if !s.IsConversation() && s.Requests > 0 {
		size += " requests"
	}
	if s.Requests == 0 {
		size = s.Duration.String()
	}
	d := fmt.Sprintf("profile %s (%s), %s, %s", s.Profile, profileLengths(s.Lengths), load, size)
	if s.Part.Sharded() {
		d += fmt.Sprintf(" (shard %d of %d's part)", s.Part.Index, s.Part.Count)
	}
	return d
}
