package main

import (
	"strings"
	"testing"
)

// TestSimFlagsAreCheckedLikeTheFile: `sim --error-rate 2` used to start a
// simulator with an impossible probability that a scenario file rejects;
// the flags now go through the same checks and exit 2 naming the flag.
func TestSimFlagsAreCheckedLikeTheFile(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--error-rate", "2"}, "--error-rate: server.builtin.faults.error_rate must be between 0 and 1, got 2"},
		{[]string{"--max-num-seqs", "0"}, "--max-num-seqs: server.builtin.max_num_seqs must be at least 1, got 0"},
		{[]string{"--error-status", "200"}, "--error-status: server.builtin.faults.error_status[0] must be between 400 and 599, got 200"},
		{[]string{"--decode-step", "0s"}, "--decode-step: server.builtin.decode_step must be positive, got 0s"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			p := startCLI(t, nil, append([]string{"sim", "--port", "0", "--quiet"}, tc.args...)...)
			if code := p.wait(t); code != ExitInvalid || !strings.Contains(p.errText(), tc.want) {
				t.Fatalf("exit %d, want 2 and %q:\n%s", code, tc.want, p.errText())
			}
		})
	}
}
