package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// serveMatrixChild serves the simulator on 127.0.0.1:PORT with SEQS
// sequences and a decode step of STEP until SIGTERM. It holds DIR/alive
// while it runs and refuses to start when another server holds it, so a
// run that started two variants' servers at once fails; it appends its
// start and stop to DIR/events.
func serveMatrixChild(args []string) int {
	if len(args) != 4 {
		fmt.Println("matrixsim helper: want PORT DIR SEQS STEP, got", args)
		return 2
	}
	port, dir := args[0], args[1]
	seqs, _ := strconv.Atoi(args[2])
	step, err := time.ParseDuration(args[3])
	if err != nil || seqs < 1 {
		fmt.Println("matrixsim helper: bad SEQS or STEP:", args)
		return 2
	}
	lock, err := os.OpenFile(filepath.Join(dir, "alive"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Println("matrixsim helper: another server is alive:", err)
		return 3
	}
	fmt.Fprintf(lock, "%d", os.Getpid())
	lock.Close()
	event(dir, "start "+args[2]+" "+args[3])
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	cfg := sim.DefaultConfig()
	cfg.Model, cfg.MaxNumSeqs, cfg.DecodeStep = "child", seqs, step
	cfg.DecodePerSeq, cfg.PrefillPerToken = 10*time.Microsecond, time.Microsecond
	err = sim.ListenAndServe(ctx, "127.0.0.1:"+port, cfg, os.Stdout)
	event(dir, "stop "+args[2]+" "+args[3])
	os.Remove(filepath.Join(dir, "alive"))
	if err != nil {
		fmt.Println("matrixsim helper:", err)
		return 1
	}
	return 0
}

func event(dir, what string) {
	f, err := os.OpenFile(filepath.Join(dir, "events"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintln(f, what)
		f.Close()
	}
}

// crashChild is a server that fails at start-up, as a vLLM that cannot
// fit its model does.
func crashChild([]string) int {
	fmt.Println("INFO loading model weights")
	fmt.Println("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")
	return 1
}

// TestMatrixRunsServersOneAfterAnother: a 2×2 matrix of server processes
// starts four servers, one after another on the same port (each refuses to
// start while another holds its lock), with each variant's axis values in
// its command, and keeps the variant dimension in every result.
func TestMatrixRunsServersOneAfterAnother(t *testing.T) {
	port, dir := freePort(t), t.TempDir()
	marker := fmt.Sprintf("matrix-%d", time.Now().UnixNano())
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: matrix
server:
  command: %s
  env: {SERVEBENCH_TEST_HELPER: matrixsim, SERVEBENCH_TEST_MARKER: %q}
  url: http://127.0.0.1:%d
  ready: {timeout: 20s, interval: 50ms}
  stop_timeout: 5s
model: {name: child, max_model_len: 512}
profiles:
  tiny: {input: 16, output: 8}
matrix:
  axes:
    seqs: [2, 8]
    step: [1ms, 2ms]
stages:
  - {name: sweep, profile: tiny, concurrency: [1, 4], requests: 8}
thresholds:
  - {when: 'variant == "seqs8-step1ms"', expr: completed == 8}
`, helperArgv(t, strconv.Itoa(port), dir, "${matrix.seqs}", "${matrix.step}"), marker, port))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, runDir, err := execute(t, ctx, sc)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	checkNoChild(t, marker)
	events, _ := os.ReadFile(filepath.Join(dir, "events"))
	want := "start 2 1ms\nstop 2 1ms\nstart 2 2ms\nstop 2 2ms\nstart 8 1ms\nstop 8 1ms\nstart 8 2ms\nstop 8 2ms\n"
	if string(events) != want {
		t.Errorf("servers started and stopped as\n%s\nwant one after another:\n%s", events, want)
	}
	names := []string{"seqs2-step1ms", "seqs2-step2ms", "seqs8-step1ms", "seqs8-step2ms"}
	if got := run.VariantNames(); !slices.Equal(got, names) {
		t.Fatalf("variants %v, want %v", got, names)
	}
	saved := checkSaved(t, runDir, 8)
	checkRunSchema(t, runDir)
	for i, v := range saved.Variants {
		if v.Status != schema.StatusCompleted || !slices.Contains(v.Server.Command, strings.Split(names[i], "-")[1][len("step"):]) {
			t.Errorf("variant %s: status %q, command %q", v.Name, v.Status, v.Server.Command)
		}
		if v.Server.Log != "server-"+v.Name+".log" || !fileExists(filepath.Join(runDir, v.Server.Log)) {
			t.Errorf("variant %s: log %q is not its own file", v.Name, v.Server.Log)
		}
	}
	for _, st := range saved.Stages {
		if !strings.HasPrefix(st.ID, st.Variant+"/sweep/tiny/c") || !slices.Contains(names, st.Variant) {
			t.Errorf("stage %s: variant %q", st.ID, st.Variant)
		}
		if judged := len(st.Thresholds); (st.Variant == "seqs8-step1ms") != (judged == 1) {
			t.Errorf("stage %s: %d thresholds judged; when: variant == ... must select one variant", st.ID, judged)
		}
	}
	for _, r := range readRecords(t, runDir) {
		if r.Variant == "" || !strings.HasPrefix(r.Stage, r.Variant+"/") {
			t.Fatalf("request %s/%d: variant %q", r.Stage, r.Index, r.Variant)
		}
	}
}

// TestMatrixVariantFailingAtStartUp: a variant whose server exits at
// start-up is recorded with its log tail, the others complete, and the run
// fails as a run that could not complete (exit 3).
func TestMatrixVariantFailingAtStartUp(t *testing.T) {
	port := freePort(t)
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: matrix-crash
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
model: {max_model_len: 512}
profiles:
  tiny: {input: 16, output: 8}
matrix:
  variants:
    - name: before
    - name: oom
      server:
        command: %s
        env: {SERVEBENCH_TEST_HELPER: crash}
        url: http://127.0.0.1:%d
        ready: {timeout: 20s, interval: 50ms}
    - name: after
stages:
  - {name: sweep, profile: tiny, concurrency: [1, 2], requests: 4}
`, helperArgv(t), port))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, dir, err := execute(t, ctx, sc)
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RunError (exit 3)", err)
	}
	if !strings.Contains(err.Error(), "1 of 3 variants failed: oom:") || !strings.Contains(re.Detail, "CUDA out of memory") {
		t.Errorf("error does not name the variant with its log tail:\n%v", err)
	}
	saved := checkSaved(t, dir, 4)
	if saved.Status != schema.StatusFailed || run.Passed {
		t.Errorf("run status %q passed %v, want failed", saved.Status, run.Passed)
	}
	for _, st := range saved.Stages {
		if st.Variant == "oom" || st.Status != schema.StatusCompleted {
			t.Errorf("stage %s: %s", st.ID, st.Status)
		}
	}
	oom := saved.Variants[1]
	if oom.Name != "oom" || oom.Status != schema.StatusFailed || !strings.Contains(oom.Error, "exited with status 1") ||
		!strings.Contains(oom.LogTail, "torch.OutOfMemoryError: CUDA out of memory") {
		t.Errorf("variant oom recorded as %+v", oom)
	}
	if saved.Variants[2].Status != schema.StatusCompleted {
		t.Errorf("the variant after the failed one did not complete: %+v", saved.Variants[2])
	}
}

// TestMatrixVariantMatchesSingleRun: a variant of a matrix on the simulator
// measures what a scenario of the same settings alone measures, within the
// noise of a shared machine; and the bigger batch saturates higher. The
// decode steps are long (20 and 40 ms) so that a busy machine's scheduling
// delays stay small beside them, and the single run goes right before the
// matrix variant it is compared with.
func TestMatrixVariantMatchesSingleRun(t *testing.T) {
	const body = `
profiles:
  tiny: {input: 16, output: 4}
stages:
  - {name: sweep, profile: tiny, concurrency: [1, 8], requests: 8}
`
	single := scenario(t, `
version: 1
name: single
server:
  builtin: {decode_per_seq: 10us, prefill_per_token: 1us, max_num_seqs: 8, decode_step: 20ms}
`+body)
	alone, _, err := execute(t, context.Background(), single)
	if err != nil {
		t.Fatal(err)
	}
	mx := scenario(t, `
version: 1
name: matrix
server:
  builtin: {decode_per_seq: 10us, prefill_per_token: 1us}
matrix:
  axes:
    server.builtin.max_num_seqs: [8, 1]
    server.builtin.decode_step: [20ms, 40ms]
`+body)
	run, _, err := execute(t, context.Background(), mx)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.VariantNames()[0]; got != "max_num_seqs8-decode_step20ms" {
		t.Fatalf("first variant %s: the single run must go right before the variant it is compared with", got)
	}
	peak := map[string]float64{}
	for _, st := range run.Stages {
		peak[st.Variant] = max(peak[st.Variant], st.Metrics.OutputThroughput)
	}
	for _, step := range []string{"20ms", "40ms"} {
		big, small := peak["max_num_seqs8-decode_step"+step], peak["max_num_seqs1-decode_step"+step]
		if !(big > 2*small) {
			t.Errorf("decode step %s: peak output %.1f tok/s with 8 sequences, %.1f with 1: the bigger batch must saturate higher", step, big, small)
		}
	}
	for _, st := range alone.Stages {
		id := "max_num_seqs8-decode_step20ms/" + st.ID
		i := slices.IndexFunc(run.Stages, func(s schema.StageResult) bool { return s.ID == id })
		if i < 0 {
			t.Fatalf("the matrix has no level %s", id)
		}
		m := run.Stages[i].Metrics
		for name, pair := range map[string][2]float64{
			"output throughput": {m.OutputThroughput, st.Metrics.OutputThroughput},
			"TPOT mean":         {m.TPOT.Mean, st.Metrics.TPOT.Mean},
		} {
			if d := math.Abs(pair[0]/pair[1] - 1); d > 0.5 {
				t.Errorf("%s: %s %.2f in the matrix, %.2f alone (%.0f%% apart)", id, name, pair[0], pair[1], d*100)
			}
		}
		if m.Completed != st.Metrics.Completed || m.TotalOutputTokens != st.Metrics.TotalOutputTokens {
			t.Errorf("%s: %d requests and %d tokens in the matrix, %d and %d alone", id,
				m.Completed, m.TotalOutputTokens, st.Metrics.Completed, st.Metrics.TotalOutputTokens)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestMatrixCapacitySearchPerVariant: every variant runs its own capacity
// search, recorded with its name, its probes among its own levels.
func TestMatrixCapacitySearchPerVariant(t *testing.T) {
	sc := scenario(t, `
version: 1
name: capacity
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
profiles:
  tiny: {input: 16, output: 4}
matrix:
  axes:
    server.builtin.max_num_seqs: [1, 4]
stages:
  - name: cap
    profile: tiny
    search: {concurrency: {from: 1, to: 4}, max_probes: 3}
    requests: 4
thresholds:
  - expr: error_rate == 0
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Capacity) != 2 {
		t.Fatalf("%d capacity answers, want one per variant", len(run.Capacity))
	}
	for i, c := range run.Capacity {
		want := []string{"max_num_seqs1", "max_num_seqs4"}[i]
		if c.Variant != want || len(c.Probes) == 0 {
			t.Fatalf("answer %d: variant %q, %d probes", i, c.Variant, len(c.Probes))
		}
		for _, p := range c.Probes {
			if !strings.HasPrefix(p.StageID, want+"/cap/tiny/c") {
				t.Errorf("variant %s: probe %s is not one of its levels", want, p.StageID)
			}
		}
	}
}
