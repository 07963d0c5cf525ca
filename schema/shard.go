package schema

// ShardInfo describes a run that is one part of a sharded run (Merged
// false: the part of shard Index), or the run merged from every part
// (Merged true, Parts filled).
type ShardInfo struct {
	// Index is the shard (0-based) whose part this run is; 0 on a merged run.
	Index int `json:"index"`
	// Count is the number of shards.
	Count int `json:"count"`
	// Plan identifies the plan every shard ran (a hash of the scenario as
	// resolved): parts of different plans are never merged.
	Plan string `json:"plan"`
	// Rendezvous is shard 0's address when the shards met there (stages
	// started together, clocks measured); empty for parts run apart.
	Rendezvous string `json:"rendezvous,omitempty"`
	// ClockOffsetMS is this shard's clock minus shard 0's, measured at the
	// rendezvous, and ClockUncertaintyMS its bound (half the round trip of
	// the best measurement). Merging subtracts the offset from the part's
	// timestamps.
	ClockOffsetMS      float64 `json:"clock_offset_ms"`
	ClockUncertaintyMS float64 `json:"clock_uncertainty_ms"`
	// Merged is true on the run merged from the parts.
	Merged bool `json:"merged,omitempty"`
	// Parts lists the merged parts, by shard index.
	Parts []ShardPart `json:"parts,omitempty"`
}

// ShardPart is one part as the merged run remembers it.
type ShardPart struct {
	Index              int     `json:"index"`
	Hostname           string  `json:"hostname,omitempty"`
	Status             string  `json:"status"`
	Error              string  `json:"error,omitempty"`
	ClockOffsetMS      float64 `json:"clock_offset_ms"`
	ClockUncertaintyMS float64 `json:"clock_uncertainty_ms"`
	// Dir is the part's run directory as merge was given it (relative to
	// the merged run's directory when it lies inside it).
	Dir string `json:"dir"`
	// Requests is the number of records the part contributed.
	Requests int `json:"requests"`
}
