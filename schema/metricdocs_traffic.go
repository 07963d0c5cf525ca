package schema

// The metrics of conversations, datasets and replays (run_sessions.go),
// added to the metric tree (metricdocs.go). Each is absent from a stage
// level that has no conversation, dataset or replay.

// sessionsOf reads a stage's session statistics; nil when it has none.
func sessionsOf(s source) *SessionStats {
	if s.st == nil {
		return nil
	}
	return s.st.Sessions
}

// noSessions says why a session metric has no value.
func noSessions(s source) string {
	if sessionsOf(s) == nil {
		return notMeasured("not a conversation stage")
	}
	return ""
}

// sessionDist is a distribution of the stage's sessions in unit.
func sessionDist(name, unit, doc string, f func(*SessionStats) Dist) metric {
	return metric{name: name, unit: unit, doc: doc, kind: kindDist,
		dist: func(s source) Dist {
			if st := sessionsOf(s); st != nil {
				return f(st)
			}
			return Dist{}
		},
		absent: func(s source) string {
			if why := noSessions(s); why != "" {
				return why
			}
			return notMeasured("no session completed a turn")
		}}
}

// sessionNum is a number of the stage's sessions.
func sessionNum(name, unit, doc string, f func(*SessionStats) float64) metric {
	m := num(name, unit, doc, func(s source) float64 {
		if st := sessionsOf(s); st != nil {
			return f(st)
		}
		return 0
	})
	m.absent = noSessions
	return m
}

// firstTTFT is the TTFT of the first turns; absent without one.
func firstTTFT(st *SessionStats) Dist {
	if len(st.ByTurn) == 0 {
		return Dist{}
	}
	return st.ByTurn[0].TTFT
}

// sessionGroup is session.*: how the stage's conversations went.
func sessionGroup() metric {
	return group("session",
		sessionNum("started", "sessions", "measured conversations that sent a turn", func(s *SessionStats) float64 { return float64(s.Started) }),
		sessionNum("completed", "sessions", "measured conversations whose every turn completed", func(s *SessionStats) float64 { return float64(s.Completed) }),
		sessionDist("duration", "ms", "a conversation's first send to its last token, think times included", func(s *SessionStats) Dist { return s.Duration }),
		sessionDist("turns", "turns", "turns completed per conversation", func(s *SessionStats) Dist { return s.Turns }),
	)
}

// turnGroup is turn.*: TTFT by turn index, where a prefix cache shows.
func turnGroup() metric {
	return group("turn",
		sessionDist("first_ttft", "ms", "time to first token of conversations' first turns", firstTTFT),
		sessionDist("later_ttft", "ms", "time to first token of every turn after the first (each carries the earlier turns: a prefix cache holds them)",
			func(s *SessionStats) Dist { return s.LaterTTFT }),
	)
}

// datasetGroup is dataset.*: what the stage took from its dataset.
func datasetGroup() metric {
	absent := func(s source) string {
		if s.st == nil || s.st.Dataset == nil {
			return notMeasured("its profile reads no dataset")
		}
		return ""
	}
	used := num("used", "records", "dataset records the stage level sent, warmup included", stage(func(s *StageResult) float64 {
		if s.Dataset == nil {
			return 0
		}
		return float64(s.Dataset.Used)
	}))
	skipped := num("skipped", "records", "dataset records left out by the filters or the over-length policy on the way", stage(func(s *StageResult) float64 {
		if s.Dataset == nil {
			return 0
		}
		n := 0
		for _, c := range s.Dataset.Skipped {
			n += c
		}
		return float64(n)
	}))
	used.absent, skipped.absent = absent, absent
	return group("dataset", used, skipped)
}

// replayGroup is replay.*: the trace a replay stage sent.
func replayGroup() metric {
	absent := func(s source) string {
		if s.st == nil || s.st.Replay == nil {
			return notMeasured("not a replay stage")
		}
		return ""
	}
	read := func(f func(*ReplayStats) float64) func(source) float64 {
		return stage(func(s *StageResult) float64 {
			if s.Replay == nil {
				return 0
			}
			return f(s.Replay)
		})
	}
	ms := []metric{
		num("speed", "×", "how many times faster than the trace the replay sent", read(func(r *ReplayStats) float64 { return r.Speed })),
		num("records", "requests", "records of the trace's window, warmup included", read(func(r *ReplayStats) float64 { return float64(r.Records) })),
		num("block_reuse", "ratio", "share of the records' prompt tokens in blocks an earlier record shared (from the file): the hit rate of an unbounded prefix cache",
			read(func(r *ReplayStats) float64 { return r.BlockReuse })),
	}
	for i := range ms {
		ms[i].absent = absent
	}
	return group("replay", ms...)
}
