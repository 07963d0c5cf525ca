package vllmjson

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// v082 is testdata/v082_c64.json, written by gen_v082.py like a vLLM v0.8.2
// result file: 640 requests at c=64 with the per-request arrays, four of
// them failed, the "request_goodput:" key and request_rate "inf"; its
// summary was computed from its own arrays with numpy, as vLLM does.
const v082 = "v082_c64.json"

// fileSummary reads the keys of a result file that are not arrays.
func fileSummary(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// importRecords imports one testdata file and returns the run and its records.
func importRecords(t *testing.T, path string) (*schema.Run, []schema.RequestRecord) {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f, err := Open(fh, path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []schema.RequestRecord
	if err := f.Records(func(r *schema.RequestRecord) error { recs = append(recs, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return f.Run(), recs
}

// TestImportReproducesV082Summary is issue 21's acceptance: the stage's
// distributions, computed over the imported per-request records, are the
// file's own mean, median, std and percentiles: TTFT and ITL within
// floating-point error, TPOT and E2EL (TTFT + ITLs here, vLLM's [DONE]
// time there) within 1 %. On main the import read the summary only, and
// p50/p95 of a file stating p90 and p99 did not exist.
func TestImportReproducesV082Summary(t *testing.T) {
	run, recs := importRecords(t, v082)
	obj := fileSummary(t, v082)
	st := run.Stages[0]
	if len(recs) != 640 || st.Metrics.Sent != 640 || st.Metrics.Completed != 636 || st.Metrics.Failed != 4 {
		t.Fatalf("%d records; sent %d completed %d failed %d", len(recs), st.Metrics.Sent, st.Metrics.Completed, st.Metrics.Failed)
	}
	fromRecords := recordDists(recs)
	for _, c := range []struct {
		name string
		tol  float64
	}{{"ttft", 1e-9}, {"itl", 1e-9}, {"tpot", 0.01}, {"e2el", 0.01}} {
		d, _ := st.Metrics.Latency(c.name)
		if r := fromRecords[c.name]; r.Count != d.Count || r.Mean != d.Mean || r.Percentiles["p99"] != d.Percentiles["p99"] {
			t.Errorf("%s of the run is not the %s of its records: %+v vs %+v", c.name, c.name, d, r)
		}
		got := map[string]float64{"mean": d.Mean, "median": d.Median, "std": d.Std}
		for _, p := range []float64{90, 99} {
			got["p"+pWord(p)], _ = d.P(p)
		}
		for stat, v := range got {
			want := obj[stat+"_"+c.name+"_ms"].(float64)
			if rel := math.Abs(v-want) / want; !(rel <= c.tol) {
				t.Errorf("%s %s = %v, the file says %v (off by %.2g, tolerance %g)", c.name, stat, v, want, rel, c.tol)
			}
		}
		for _, p := range schema.DefaultPercentiles { // more than the file stated
			if _, ok := d.P(p); !ok {
				t.Errorf("%s has no p%v", c.name, p)
			}
		}
		if !d.Measured() {
			t.Errorf("%s not measured", c.name)
		}
	}
	if g := obj["request_goodput:"].(float64); st.Metrics.Goodput != g || g >= st.Metrics.RequestThroughput {
		t.Errorf("goodput %v, the file's request_goodput: says %v (below the throughput %v)", st.Metrics.Goodput, g, st.Metrics.RequestThroughput)
	}
	if st.Concurrency != 64 || st.Rate != 0 || st.ID != "vllm/imported/c64" {
		t.Errorf("level: c=%d rate=%v id %q", st.Concurrency, st.Rate, st.ID)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, want := range []string{"640 per-request records from the file's arrays", "E2EL and TPOT from TTFT + ITLs"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "differs from the file") {
		t.Errorf("the records disagree with the file:\n%s", notes)
	}
}

// recordDists summarizes records the way compare reads them: successful
// requests only, TPOT as schema defines it, ITLs pooled.
func recordDists(recs []schema.RequestRecord) map[string]schema.Dist {
	vals := map[string][]float64{}
	for _, r := range recs {
		if r.Error != nil {
			continue
		}
		vals["ttft"] = append(vals["ttft"], r.TTFTMS)
		vals["e2el"] = append(vals["e2el"], r.E2ELMS)
		vals["itl"] = append(vals["itl"], r.ITLMS...)
		if v, ok := schema.TPOT(r.TTFTMS, r.E2ELMS, r.OutputTokens, len(r.ITLMS)); ok {
			vals["tpot"] = append(vals["tpot"], v)
		}
	}
	out := map[string]schema.Dist{}
	for k, v := range vals {
		out[k] = schema.Summarize(v, []float64{99})
	}
	return out
}

// TestImportedRecords: each record is its request in servebench's units,
// a failure keeps vLLM's reason, classified.
func TestImportedRecords(t *testing.T) {
	run, recs := importRecords(t, v082)
	obj := fileSummary(t, v082)
	ttfts, itls, outs := obj["ttfts"].([]any), obj["itls"].([]any), obj["output_lens"].([]any)
	for _, i := range []int{0, 5, 639} { // 5 had two tokens in one chunk
		r := recs[i]
		gaps := itls[i].([]any)
		sum := ttfts[i].(float64)
		for _, g := range gaps {
			sum += g.(float64)
		}
		if r.Stage != run.Stages[0].ID || r.Index != i || r.Error != nil || len(r.ITLMS) != len(gaps) ||
			r.TTFTMS != ttfts[i].(float64)*1000 || math.Abs(r.E2ELMS-sum*1000) > 1e-9 || r.OutputTokens != int(outs[i].(float64)) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if len(recs[5].ITLMS) != recs[5].OutputTokens-2 {
		t.Errorf("record 5 should have one chunk of two tokens: %d gaps, %d tokens", len(recs[5].ITLMS), recs[5].OutputTokens)
	}
	for i, want := range map[int]schema.RequestFailure{
		97:  {Kind: schema.FailStreamEarly, Message: "aiohttp.client_exceptions.ClientPayloadError: Response payload is not completed"},
		205: {Kind: schema.FailServerError, Status: 500, Message: "Internal Server Error"},
	} {
		if r := recs[i]; r.Error == nil || *r.Error != want || r.TTFTMS != 0 || r.ITLMS != nil {
			t.Errorf("record %d: %+v error %+v, want %+v", i, r, r.Error, want)
		}
	}
	fails := run.Stages[0].Failures
	slices.SortFunc(fails, func(a, b schema.FailureCount) int { return strings.Compare(a.Kind, b.Kind) })
	if len(fails) != 2 || fails[0].Count != 2 || fails[1].Count != 2 {
		t.Errorf("failures %+v", fails)
	}
}

// TestImportWithoutArrays: a file without the arrays stays scalar-only,
// as before, and the run says so.
func TestImportWithoutArrays(t *testing.T) {
	run, recs := importRecords(t, "vllm_c8.json")
	if len(recs) != 0 || run.Stages[0].Metrics.TTFT.Count != 20 {
		t.Errorf("%d records, ttft %+v", len(recs), run.Stages[0].Metrics.TTFT)
	}
	if !strings.Contains(strings.Join(run.Notes, "\n"), "no per-request arrays (vllm bench serve saves them with --save-detailed") {
		t.Errorf("notes: %q", run.Notes)
	}
}

// TestImportArrayErrors: arrays that cannot be requests are errors that
// name the key, checked before a record is written.
func TestImportArrayErrors(t *testing.T) {
	const ok = `"input_lens": [1, 2], "output_lens": [3, 4], "ttfts": [0.1, 0.2], "itls": [[0.01, 0.02], [0.03, 0.04]], "errors": ["", ""]`
	cases := []struct{ name, in, want string }{
		{"short", strings.Replace(ok, `"ttfts": [0.1, 0.2]`, `"ttfts": [0.1]`, 1), `key "ttfts" has 1 entries but key "input_lens" has 2`},
		{"latencies", ok + `, "latencies": [1]`, `key "latencies" has 1 entries but key "input_lens" has 2`},
		{"not an array", strings.Replace(ok, `"errors": ["", ""]`, `"errors": "none"`, 1), `key "errors": want an array, got none`},
		{"itl type", strings.Replace(ok, `[0.03, 0.04]`, `[0.03, "x"]`, 1), `key "itls", element 1: want a list of numbers`},
		{"negative", strings.Replace(ok, `[0.1, 0.2]`, `[0.1, -0.2]`, 1), `key "ttfts", element 1: want seconds (0 to 1e+09), got -0.2`},
		{"clock", ok + `, "start_times": [1, 1e300]`, `key "start_times", element 1: want a clock reading in seconds`},
		{"fraction", strings.Replace(ok, `[3, 4]`, `[3, 4.5]`, 1), `key "output_lens", element 1: want a token count`},
		{"cut", `{"completed": 2, ` + ok[:60], `key "ttfts", element 1: the file ends early`},
		{"cut summary", `{"completed": 2, "duration": 1`, `is not a JSON object: the file ends early`},
		{"two objects", `{"completed": 2, ` + ok + "}\n{}", `more than one JSON object (vllm bench serve --append-result)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if !strings.HasPrefix(in, "{") {
				in = `{"completed": 2, ` + in + `}`
			}
			n := 0
			f, err := Open(strings.NewReader(in), "x.json")
			if err == nil {
				err = f.Records(func(*schema.RequestRecord) error { n++; return nil })
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want it to contain %q", err, c.want)
			}
			if n > 0 && !strings.Contains(c.want, "element") { // a bad element stops at that element
				t.Errorf("%d records written before the error", n)
			}
		})
	}
}
