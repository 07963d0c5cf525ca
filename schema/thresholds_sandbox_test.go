package schema

import (
	"os"
	"testing"
)

// TestThresholdsCannotReachTheProcess: a threshold reads the stage's metrics
// and nothing else. No expression can name the process environment, files,
// commands or the clock, so a scenario cannot leak or depend on the machine.
func TestThresholdsCannotReachTheProcess(t *testing.T) {
	t.Setenv("SERVEBENCH_THRESHOLD_PROBE", "leaked")
	for _, e := range []string{
		`getenv("SERVEBENCH_THRESHOLD_PROBE") == "leaked"`,
		`env("SERVEBENCH_THRESHOLD_PROBE") == "leaked"`,
		`SERVEBENCH_THRESHOLD_PROBE == "leaked"`,
		`os.Getenv("SERVEBENCH_THRESHOLD_PROBE") == "leaked"`,
		`readFile("/etc/hostname") != ""`,
		`file("/etc/hostname") != ""`,
		`exec("true") == ""`,
		`now() > 0`,
		`date("2024-01-01").Year() > 2000`,
		`duration("1s") > 0`,
	} {
		src := "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\nthresholds:\n  - expr: '" + e + "'\n"
		if _, err := LoadBytes("t.yaml", []byte(src), os.LookupEnv); err == nil {
			t.Errorf("%s compiled", e)
		}
	}
}

// TestThresholdEnvVariableIsTheMetrics: expr's $env is the metric
// environment, never the process's.
func TestThresholdEnvVariableIsTheMetrics(t *testing.T) {
	t.Setenv("SERVEBENCH_THRESHOLD_PROBE", "leaked")
	src := "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\nthresholds:\n  - expr: '$env[\"SERVEBENCH_THRESHOLD_PROBE\"] == \"leaked\"'\n"
	sc, err := LoadBytes("t.yaml", []byte(src), os.LookupEnv)
	if err != nil {
		return // refused at compile time: nothing to evaluate
	}
	ths, err := CompileThresholds(sc)
	if err != nil {
		return
	}
	res, _ := ths[0].Evaluate(&StageResult{Stage: "s"}, &Run{})
	if res.Passed {
		t.Fatalf("$env read the process environment: %+v", res)
	}
}
