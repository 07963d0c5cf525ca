// Package vllmjson speaks the result file of `vllm bench serve --save-result`
// in both directions: it writes one such file per servebench stage level, so
// the scripts people already run on bench_results/results_*.json keep
// working, and it imports a file written by vLLM itself as a one-stage
// schema.Run, so `servebench report` and `compare` accept old vLLM results.
package vllmjson
