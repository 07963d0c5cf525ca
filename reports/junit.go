package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// JUnit XML types: the subset CI systems (GitHub, GitLab, Jenkins) read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// JUnit writes one <testsuite> per stage level and one <testcase> per
// threshold, so CI shows which threshold failed at which level and with what
// values. A run that failed or was interrupted adds an errored test case
// saying why, so an incomplete run never looks green. Text from outside is
// made safe like every report's (XML escaping alone keeps bidi overrides
// and turns escape sequences into U+FFFD), and the document passes the
// redaction funnel.
func JUnit(w io.Writer, run *schema.Run) error {
	doc := junitSuites{Name: "servebench/" + format.Line(run.Name)}
	for i := range run.Stages {
		doc.Suites = append(doc.Suites, stageSuite(&run.Stages[i]))
	}
	if run.Status != schema.StatusCompleted {
		doc.Suites = append(doc.Suites, runSuite(run))
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode junit report: %w", err)
	}
	if _, err := io.WriteString(w, redact.String(xml.Header+string(out)+"\n")); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	return nil
}

func stageSuite(st *schema.StageResult) junitSuite {
	id := format.Line(st.ID)
	s := junitSuite{
		Name: id,
		Time: format.Float(st.Metrics.DurationS),
	}
	if !st.StartedAt.IsZero() {
		s.Timestamp = st.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	for _, t := range st.Thresholds {
		c := junitCase{Name: format.Line(ThresholdName(t)), Classname: id}
		if !t.Passed {
			c.Failure = thresholdFailure(t)
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	if st.Status != schema.StatusCompleted {
		s.Cases = append(s.Cases, junitCase{
			Name: "stage completed", Classname: id,
			Error: &junitProblem{Message: format.Line("stage " + st.Status + stopReason(st)), Type: format.Line(st.Status)},
		})
		s.Errors++
	}
	s.Tests = len(s.Cases)
	return s
}

func stopReason(st *schema.StageResult) string {
	if st.StopReason == "" {
		return ""
	}
	return ": " + st.StopReason
}

func thresholdFailure(t schema.ThresholdResult) *junitProblem {
	msg := t.Expr
	if len(t.Values) > 0 {
		msg += " read " + format.Values(t.Values)
	}
	var body strings.Builder
	body.WriteString("expr: " + t.Expr + "\n")
	if t.When != "" {
		body.WriteString("when: " + t.When + "\n")
	}
	for _, kv := range strings.Split(format.Values(t.Values), ", ") {
		if kv != "" {
			body.WriteString(kv + "\n")
		}
	}
	typ := "threshold"
	if t.Error != "" {
		msg += "; error: " + t.Error
		body.WriteString("error: " + t.Error + "\n")
		typ = "evaluation_error"
	}
	return &junitProblem{Message: format.Line(msg), Type: typ, Body: redact.Text(body.String())}
}

// runSuite is the extra suite of a run that did not complete.
func runSuite(run *schema.Run) junitSuite {
	done, cut := stageOutcomes(run)
	body := "finished stages: " + orNone(strings.Join(done, ", ")) + "\n"
	for _, c := range cut {
		body += "cut: " + c + "\n"
	}
	return junitSuite{
		Name: "run", Tests: 1, Errors: 1, Time: "0",
		Cases: []junitCase{{
			Name: format.Line("run " + run.Name + " completed"), Classname: "run",
			Error: &junitProblem{Message: format.Line("run " + run.Status + ": " + orDash(run.Error)),
				Type: format.Line(run.Status), Body: redact.Text(body)},
		}},
	}
}
