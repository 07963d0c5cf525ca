package server

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The helpers below read Linux's /proc, best effort: elsewhere, or without
// permission to see another user's processes, they find nothing and the
// callers fall back to less precise answers.

// procRoot is /proc; tests never change it, but naming it keeps paths in one place.
const procRoot = "/proc"

// portHolder names the process that has a TCP socket bound to port, as
// `pid 1234 (vllm serve ...)`, or "" when it cannot tell.
func portHolder(port int) string {
	inodes := socketInodes(port)
	if len(inodes) == 0 {
		return ""
	}
	pids, _ := filepath.Glob(filepath.Join(procRoot, "[0-9]*"))
	for _, dir := range pids {
		if ownsSocket(dir, inodes) {
			pid := filepath.Base(dir)
			if cmd := cmdline(dir); cmd != "" {
				return fmt.Sprintf("pid %s (%s)", pid, cmd)
			}
			return "pid " + pid
		}
	}
	return ""
}

// socketInodes returns the inodes of TCP sockets whose local port is port,
// from /proc/net/tcp and tcp6 (lines: sl local_address rem_address st ... inode).
func socketInodes(port int) map[string]bool {
	want := fmt.Sprintf(":%04X", port)
	inodes := map[string]bool{}
	for _, name := range []string{"tcp", "tcp6"} {
		f, err := os.Open(filepath.Join(procRoot, "net", name))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || !strings.HasSuffix(fields[1], want) || fields[9] == "0" {
				continue
			}
			inodes[fields[9]] = true
		}
		f.Close()
	}
	return inodes
}

// ownsSocket reports whether the process in dir has one of the socket inodes open.
func ownsSocket(dir string, inodes map[string]bool) bool {
	fds, err := os.ReadDir(filepath.Join(dir, "fd"))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
		if err != nil || !strings.HasPrefix(target, "socket:[") {
			continue
		}
		if inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] {
			return true
		}
	}
	return false
}

// cmdline returns a process's argv joined by spaces, cut to a readable length.
func cmdline(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "cmdline"))
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// procState returns the state letter (R, S, Z ...) and process group of pid.
func procState(pid int) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// The command name in parentheses may hold spaces; fields follow the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, false
	}
	pgrp, err = strconv.Atoi(f[2])
	return f[0][0], pgrp, err == nil
}

// liveGroupMember reports whether some process other than a zombie is in
// group pgid. ok is false when /proc cannot be read.
func liveGroupMember(pgid int) (alive, ok bool) {
	dirs, err := filepath.Glob(filepath.Join(procRoot, "[0-9]*"))
	if err != nil || len(dirs) == 0 {
		return false, false
	}
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		if st, g, found := procState(pid); found && g == pgid && st != 'Z' {
			return true, true
		}
	}
	return false, true
}
