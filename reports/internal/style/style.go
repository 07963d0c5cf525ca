// Package style holds the stylesheet shared by servebench's HTML pages (the
// run report and the comparison), so both look alike and stay self-contained:
// the CSS is inlined into each page, never linked.
package style

import (
	_ "embed"
	"html/template"
)

//go:embed style.css
var css string

// CSS is the inline stylesheet of every HTML report (light theme, system
// fonts only, tabular numbers).
func CSS() template.CSS { return template.CSS(css) } // #nosec: constant, compiled in
