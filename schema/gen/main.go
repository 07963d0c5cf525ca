// Command gen writes scenario.schema.json from the scenario Go types. Run it
// with `go generate ./schema` after changing a type; a test fails while the
// committed file is stale.
package main

import (
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
}
