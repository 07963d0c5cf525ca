package stats

import "math"

// proportionCI is the interval of a proportion observed as 0/1 values in
// time order (a request failed or not): Wilson's score interval, with the
// sample size cut to its effective size n·p(1−p)/(n·se²) where batch
// means show the failures come in bursts (a server that fails while it
// restarts fails many requests in a row). Wilson's interval stays inside
// [0, 1] and does not collapse when no request failed: 0 failures of 300
// still leave an upper bound near 1.3%.
func proportionCI(x []float64, level float64) (lo, hi float64, e est, why string) {
	e, ok := meanEst(x)
	if !ok {
		return 0, 0, est{n: len(x)}, notEnough(len(x))
	}
	n := float64(e.n)
	p := e.value
	neff := n
	if iid := p * (1 - p) / n; iid > 0 && e.se*e.se > iid {
		neff = n * iid / (e.se * e.se)
	}
	z := TQuantile((1+level)/2, e.df)
	z2 := z * z
	center := (p + z2/(2*neff)) / (1 + z2/neff)
	h := z / (1 + z2/neff) * math.Sqrt(p*(1-p)/neff+z2/(4*neff*neff))
	return max(center-h, 0), min(center+h, 1), e, ""
}
