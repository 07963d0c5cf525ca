package schema

// VariantResult is one server configuration of a matrix run: which
// variant, what its server said about itself, and how its part of the run
// ended. A variant whose server did not start is kept with the reason and
// the last lines of its log, while the other variants still run.
type VariantResult struct {
	Name   string        `json:"name"`
	Axes   []AxisSetting `json:"axes,omitempty"`
	Server ServerInfo    `json:"server"`
	// Status is completed, failed (its server did not start, or died) or
	// interrupted; a variant the run did not reach is not listed.
	Status string `json:"status"`
	// Error says why the variant failed or was interrupted, in one line.
	Error string `json:"error,omitempty"`
	// LogTail is the last lines of the server's log when it exited.
	LogTail string   `json:"log_tail,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// VariantNames lists the variants of a run that reached a server, in order.
func (r *Run) VariantNames() []string {
	out := make([]string, len(r.Variants))
	for i, v := range r.Variants {
		out[i] = v.Name
	}
	return out
}
