package benchclient

import (
	"bytes"
	"os"
	"strconv"
)

// readRSS returns VmRSS (resident now) and VmHWM (the peak since the
// process started) of this process in bytes, from /proc/self/status; zeros
// where /proc is not available.
func readRSS() (rss, hwm int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	return statusKB(b, "VmRSS:") * 1024, statusKB(b, "VmHWM:") * 1024
}

// statusKB reads the "<key> <n> kB" line of a /proc status file.
func statusKB(status []byte, key string) int64 {
	i := bytes.Index(status, []byte(key))
	if i < 0 {
		return 0
	}
	line := status[i+len(key):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return n
}
