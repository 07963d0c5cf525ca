//go:build unix

package sim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkZeroLatencyStream measures how fast the zero-latency simulator
// streams: one keep-alive connection, a pre-built request and a client that
// only splits lines, so the client costs far less than the server. It
// reports streamed tokens per second of wall time and per CPU-second of the
// whole process (server and client together), the figure that bounds a
// client benchmark on this machine.
func BenchmarkZeroLatencyStream(b *testing.B) {
	const tokens = 1000
	cfg := DefaultConfig()
	cfg.Model, cfg.ZeroLatency, cfg.MaxModelLen = "m", true, 1<<20
	_, url := start(b, cfg)
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	reqBody := fmt.Sprintf(`{"model":"m","prompt":"a b c d","max_tokens":%d,"ignore_eos":true,"stream":true}`, tokens)
	req := []byte(fmt.Sprintf("POST /v1/completions HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(reqBody), reqBody))
	br := bufio.NewReaderSize(conn, 64<<10)
	body := bufio.NewReaderSize(nil, 64<<10)
	cpu0 := cpuTime()
	b.ResetTimer()
	total := 0
	for b.Loop() {
		if _, err := conn.Write(req); err != nil {
			b.Fatal(err)
		}
		n, err := readStream(br, body)
		if err != nil || n != tokens {
			b.Fatalf("streamed %d tokens (%v), want %d", n, err, tokens)
		}
		total += n
	}
	elapsed := b.Elapsed()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(total)/elapsed.Seconds(), "tokens/s")
	b.ReportMetric(float64(total)/cpu.Seconds(), "tokens/cpu-s")
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(total), "ns/token")
}

// readStream reads one chunked SSE response and counts its token events.
func readStream(br, body *bufio.Reader) (int, error) {
	status, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200")) {
		return 0, fmt.Errorf("status line %q", status)
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
	}
	body.Reset(httputil.NewChunkedReader(br))
	n := 0
	for {
		line, err := body.ReadSlice('\n')
		if err == io.EOF {
			return n, skipTrailer(br)
		}
		if err != nil {
			return n, err
		}
		if bytes.HasPrefix(line, []byte(`data: {`)) {
			n++
		}
	}
}

// skipTrailer consumes the (empty) trailer that ends a chunked body, so
// the next response starts at its status line.
func skipTrailer(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil || len(line) <= 2 {
			return err
		}
	}
}

// cpuTime is the user + system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
