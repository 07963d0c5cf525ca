// Package reports renders a finished servebench run for people and for CI:
// a terminal table, Markdown for pull requests and job summaries, a
// self-contained HTML page with inline SVG charts, JUnit XML and run.json.
//
// Every renderer is a function of an io.Writer and a finished *schema.Run. It
// opens no files and computes no statistics: the numbers were computed once,
// by the engine, and every format shows exactly those. That is what lets
// `servebench report` re-render an old run.json long after the engine changed.
package reports
