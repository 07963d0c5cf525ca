package format

import (
	"testing"

	"github.com/servebench/servebench/schema"
)

func TestMarkdown(t *testing.T) {
	cases := []struct{ in, want string }{
		{"1.90", "1.90"},
		{"-5.0%", "-5.0%"},
		{"sweep/safe/c=8", "sweep/safe/c=8"},
		{"1. item", `1\. item`},
		{"12) item", `12\) item`},
		{"- item", `\- item`},
		{"---", `\---`},
		{"== x", `\== x`},
		{"# heading", `\# heading`},
		{"a | b", "a | b"}, // go-pretty escapes pipes in cells; inert in list items
		{"[x](http://e) **b** `c` <i> &amp; ~s~", `\[x\](http://e) \*\*b\*\* \` + "`c\\`" + ` &lt;i&gt; &amp;amp; \~s\~`},
		{"a\nb\x1b[2J", `a\\nb\\x1b\[2J`}, // renders as the visible escapes a\nb\x1b[2J
	}
	for _, c := range cases {
		if got := Markdown(c.in); got != c.want {
			t.Errorf("Markdown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDistStat(t *testing.T) {
	d := schema.Dist{Count: 2, Mean: 1.5, Median: 1.5, Percentiles: map[string]float64{"p99": 2}}
	for stat, want := range map[string]string{"mean": "1.50", "p99": "2.00", "p50": "1.50", "p90": NA} {
		if got := DistStat(d, stat); got != want {
			t.Errorf("%s = %q, want %q", stat, got, want)
		}
	}
	if got := DistStat(schema.Dist{}, "mean"); got != NA {
		t.Errorf("absent mean = %q", got)
	}
}
