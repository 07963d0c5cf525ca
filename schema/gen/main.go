// Command gen writes scenario.schema.json and run.schema.json from the Go
// types and
// METRICS.md from the metric catalogue. Run it
// with `go generate ./schema` after changing a type; a test fails while the
// committed file is stale.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/servebench/servebench/schema"
)

func main() {
	out, err := schema.GenerateJSONSchema(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("scenario.schema.json", out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	run, err := schema.GenerateRunSchema(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("run.schema.json", run, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	var md bytes.Buffer
	md.WriteString(schema.MetricReferenceTitle)
	if err := schema.WriteMetricReference(&md); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("METRICS.md", md.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
