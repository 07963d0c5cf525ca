package benchclient

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/servebench/servebench/schema"
)

// Write prints the report as a table, one row per measured level, followed
// by the suite's memory figures. CPU columns marked "(+sim)" include the
// in-process simulator's work.
func Write(w io.Writer, rep *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tstage\tc\trequests\treq/s\tchunks/s\tCPU/chunk\tCPU/req\tallocs/req\tallocs/chunk\t"+
		"TTFT p50\tTTFT p99\tITL p50\tqueue p50\tpeak RSS\t")
	for _, r := range rep.Results {
		cpu := "µs"
		if r.Mode == ModeInProcess {
			cpu = "µs(+sim)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%.0f\t%s%s\t%s%s\t%.1f\t%.3f\t%s\t%s\t%s\t%s\t%s\t\n",
			r.Mode, r.Stage, r.Concurrency, r.Completed, r.ReqPerSec, r.ChunksPerSec,
			micros(r.CPUPerChunk()), cpu, micros(r.CPUPerRequest()), cpu,
			r.AllocsPerRequest(), r.AllocsPerChunk(),
			median(r.TTFT), p99(r.TTFT), median(r.ITL), median(r.Queue), mib(r.PeakRSS))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.StreamBytes != 0 {
		fmt.Fprintf(w, "RSS per in-flight stream: %.1f KiB (largest samples: goroutine stacks %.1f KiB, heap objects %.1f KiB, %.2f goroutines per stream)\n",
			rep.StreamBytes/1024, rep.StreamStacks/1024, rep.StreamHeap/1024, rep.StreamGoroutines)
	}
	if rep.BigHWM != 0 {
		fmt.Fprintf(w, "peak RSS (VmHWM) after the 1-token stage: %s\n", mib(rep.BigHWM))
	}
	for _, r := range rep.Results {
		if r.Bottleneck != "" {
			fmt.Fprintf(w, "note: %s %s c=%d: %s\n", r.Mode, r.Stage, r.Concurrency, r.Bottleneck)
		}
	}
	return nil
}

func micros(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Microsecond)) }

// median and p99 print a distribution in milliseconds, "-" when empty (no
// ITL with 1-token outputs).
func median(d schema.Dist) string {
	if d.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3fms", d.Median)
}

func p99(d schema.Dist) string {
	v, ok := d.P(99)
	if d.Count == 0 || !ok {
		return "-"
	}
	return fmt.Sprintf("%.3fms", v)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
