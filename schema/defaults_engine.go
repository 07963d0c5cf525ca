package schema

// Defaults the engine reads that defaults.go does not name yet. They belong
// beside the others in defaults.go (and its pass should use the two search
// resolutions instead of the literals 1 and 0.5); until then they live here
// so that the engine has no fallback of its own.
var (
	// DefaultOpenLoopPool is the number of idle keep-alive connections kept
	// by an open-loop stage without max_concurrency: requests in flight are
	// not capped, so the pool is sized for a busy stage, not from a level.
	DefaultOpenLoopPool = 256
	// DefaultSearchResolution is search.resolution of a concurrency search:
	// stop when the last passing and first failing levels are neighbours.
	DefaultSearchResolution = 1.0
	// DefaultSearchRateResolution is search.resolution of a rate search, in requests/s.
	DefaultSearchRateResolution = 0.5
)
