// Package server owns the lifecycle of the server under test: it starts it
// (in-process simulator, external process, docker container) or attaches to
// one already running, waits until it is ready, checks before any load is sent
// that it serves the model with enough context for every stage, watches it
// while stages run, and stops it with nothing left behind.
//
// The seed workflow started `vllm serve` by hand and learned at request time
// that the context was too short; here every such problem is found before the
// first measured request and reported with what was tried and what to do.
//
// A started process runs in its own process group, so Stop reaches the
// workers it spawned too: SIGTERM to the group, StopTimeout of grace, then
// SIGKILL. Its stdout and stderr go, line by line and timestamped, to the
// server log in the run directory as they arrive, so a crash loses nothing.
package server
