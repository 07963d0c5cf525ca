package reports

import (
	"io"

	"github.com/servebench/servebench/schema"
)

// JSON writes the run as run.json through schema's one run writer, so the
// json report format and the engine's saves produce the same bytes.
func JSON(w io.Writer, run *schema.Run) error { return schema.EncodeRun(w, run) }
