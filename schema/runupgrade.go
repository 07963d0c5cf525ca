package schema

// upgradeRun brings a decoded run.json of an older schema_version to the
// current meaning, so `report` and `compare` read old runs the way new runs
// are written.
//
// Version 1 differs in two ways. It wrote unmeasured distributions as
// objects of zeros: a zero-count one decodes as absent anyway, but a
// non-streaming run also filled TPOT with one 0 per request. That run is
// recognisable (no inter-token latency at all, a TPOT whose largest value
// is 0) and its TPOT becomes absent. And version 1 counted requests
// cancelled by an interrupt as failed: they move to Canceled, out of
// failed, sent, error_rate and the failure groups.
//
// Version 2 lacks what version 3 adds (label, intervals, steady state,
// timeline, until): all optional, so it reads as it is.
func upgradeRun(run *Run, from int) {
	if from >= 2 {
		run.SchemaVersion = RunSchemaVersion
		return
	}
	for i := range run.Stages {
		upgradeStageV1(&run.Stages[i])
	}
	run.SchemaVersion = RunSchemaVersion
}

func upgradeStageV1(st *StageResult) {
	m := &st.Metrics
	if !m.ITL.Measured() && m.TPOT.Measured() && m.TPOT.Max == 0 {
		m.TPOT = Dist{}
	}
	kept := st.Failures[:0]
	for _, f := range st.Failures {
		if f.Kind == FailCanceled {
			m.Canceled += f.Count
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		kept = nil
	}
	st.Failures = kept
	if m.Canceled == 0 {
		return
	}
	m.Failed = max(m.Failed-m.Canceled, 0)
	m.Sent = m.Completed + m.Failed
	m.ErrorRate = 0
	if m.Sent > 0 {
		m.ErrorRate = float64(m.Failed) / float64(m.Sent)
	}
}
