// Command gen writes scenario.schema.json and run.schema.json from the Go
// types and METRICS.md from the metric catalogue. Run it with
// `go generate ./schema` after changing a type; a test fails while a
// committed file is stale.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/servebench/servebench/schema"
)

func main() {
	write("scenario.schema.json", func() ([]byte, error) { return schema.GenerateJSONSchema(".") })
	write("run.schema.json", func() ([]byte, error) { return schema.GenerateRunSchema(".") })
	write("METRICS.md", func() ([]byte, error) {
		var md bytes.Buffer
		md.WriteString(schema.MetricReferenceTitle)
		err := schema.WriteMetricReference(&md)
		return md.Bytes(), err
	})
}

// write generates one file and exits with status 1 on any error.
func write(name string, gen func() ([]byte, error)) {
	out, err := gen()
	if err == nil {
		err = os.WriteFile(name, out, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: %s: %v\n", name, err)
		os.Exit(1)
	}
}
