package scrape

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"

	"github.com/servebench/servebench/engine/httpx"
	"github.com/servebench/servebench/schema/redact"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// maxBody bounds one /metrics response. vLLM's is ~100 KB; a server that
// sends more than this is not sending metrics.
const maxBody = 16 << 20

// acceptHeader asks for the classic text format, which every server speaks,
// rather than OpenMetrics or protobuf.
const acceptHeader = "text/plain;version=0.0.4;q=1,*/*;q=0.1"

// statusError is a non-200 answer; location is set for a redirect.
type statusError struct {
	code     int
	location string
}

func (e statusError) Error() string { return fmt.Sprintf("HTTP status %d", e.code) }

// parseError is a body the Prometheus text parser rejected.
type parseError struct{ err error }

func (e parseError) Error() string { return e.err.Error() }
func (e parseError) Unwrap() error { return e.err }

// fetch performs one scrape and maps the families to short names.
func fetch(ctx context.Context, o Options) (snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.URL, nil)
	if err != nil {
		return snapshot{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", acceptHeader)
	resp, err := httpClient.Do(req)
	if err != nil {
		return snapshot{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
		se := statusError{code: resp.StatusCode}
		if loc, ok := httpx.Redirect(resp); ok {
			se.location = redact.Excerpt(loc, 200)
		}
		return snapshot{}, se
	}
	fams, err := parse(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return snapshot{}, err
	}
	return extract(fams, o.Model), nil
}

// parse runs the Prometheus text parser. UTF-8 validation accepts vLLM's
// colon names as well as any newer quoted names.
func parse(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, parseError{err}
	}
	return fams, nil
}

// values returns the finite sample values of a family that belong to model
// (all of them when model is empty or a sample has no model_name label).
// filtered reports whether samples were dropped for naming another model.
func values(f *dto.MetricFamily, modelName string) (vals []float64, filtered bool) {
	for _, m := range f.GetMetric() {
		if modelName != "" && !ofModel(m, modelName) {
			filtered = true
			continue
		}
		v, ok := value(m)
		if ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			vals = append(vals, v)
		}
	}
	return vals, filtered
}

// ofModel reports whether m belongs to modelName or carries no model_name.
func ofModel(m *dto.Metric, modelName string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == "model_name" {
			return l.GetValue() == modelName
		}
	}
	return true
}

// value reads the single value of a gauge, counter or untyped sample.
// Servers that omit # TYPE lines yield untyped samples.
func value(m *dto.Metric) (float64, bool) {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue(), true
	case m.Counter != nil:
		return m.GetCounter().GetValue(), true
	case m.Untyped != nil:
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}
