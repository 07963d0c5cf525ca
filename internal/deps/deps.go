package deps
import (
 _ "github.com/goccy/go-yaml"
 _ "github.com/goccy/go-yaml/parser"
 _ "github.com/goccy/go-yaml/ast"
 _ "github.com/expr-lang/expr"
 _ "github.com/urfave/cli/v2"
 _ "github.com/jedib0t/go-pretty/v6/table"
 _ "github.com/jedib0t/go-pretty/v6/progress"
 _ "github.com/HdrHistogram/hdrhistogram-go"
 _ "github.com/go-analyze/charts"
 _ "github.com/invopop/jsonschema"
 _ "github.com/santhosh-tekuri/jsonschema/v6"
 _ "github.com/prometheus/common/expfmt"
 _ "github.com/prometheus/client_model/go"
 _ "golang.org/x/term"
)
