package reports

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/servebench/servebench/schema"
)

// JSON writes the run as indented run.json. Field order follows the schema
// structs and encoding/json sorts map keys, so the same run always produces
// the same bytes (diff-friendly, golden-testable).
func JSON(w io.Writer, run *schema.Run) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(run); err != nil {
		return fmt.Errorf("write run json: %w", err)
	}
	return nil
}
