package engine

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// CheckShardable reports, all at once, what keeps the plan from running
// as shard index of count, meeting at rendezvous (empty: the part runs
// apart): a plan that cannot be split exactly, or a server the other
// shards cannot reach.
func CheckShardable(p *Plan, index, count int, rendezvous string) error {
	var errs []error
	if _, err := p.Partition(index, count); err != nil {
		errs = append(errs, err)
	}
	if err := checkServerReach(p.Scenario.Server, count, rendezvous); err != nil {
		errs = append(errs, err)
	}
	if count > 1 && len(p.Variants) > 1 {
		// Each variant restarts the server and opens a session that shard 0
		// shares with the others; a variant that fails to start on shard 0
		// would leave the others waiting for the wrong one. Until the
		// rendezvous carries variants, a matrix is run unsharded.
		errs = append(errs, fmt.Errorf("a matrix of %d variants cannot be sharded yet: run it without --shard/--shards, or shard one variant at a time", len(p.Variants)))
	}
	if count > 1 {
		errs = append(errs, unshardableTraffic(p)...)
		for _, st := range p.Scenario.Stages {
			if len(st.Until) > 0 {
				// Each part would stop on its own share's intervals, which are
				// wider than the whole's: the parts would end at different
				// times and the merged level would not be the one until: asked for.
				errs = append(errs, fmt.Errorf("stage %q: until: cannot be sharded yet (each shard would stop on its own share's intervals): give the stage a fixed requests or duration, or run it without --shard/--shards", st.Name))
			}
		}
	}
	return errors.Join(errs...)
}

// unshardableTraffic refuses the steps whose requests are not independent
// of one another: a replay sends its trace on one schedule (split, each
// part would keep its own clock and the blocks its records share would be
// spread over the parts' prompts), and a conversation's turns carry its
// session's history. Dataset profiles shard like any other: a request's
// record is a pure function of its index.
func unshardableTraffic(p *Plan) []error {
	var errs []error
	seen := map[string]bool{}
	for _, s := range p.Steps {
		what := ""
		switch {
		case s.Trace != nil:
			what = "a trace replay"
		case s.IsConversation():
			what = "a conversation"
		}
		if what == "" || seen[s.Stage.Name] {
			continue
		}
		seen[s.Stage.Name] = true
		errs = append(errs, fmt.Errorf("stage %q is %s, which cannot be sharded yet: run it without --shard/--shards", s.Stage.Name, what))
	}
	return errs
}

// checkServerReach refuses a server the other shards cannot reach. Only
// shard 0 starts or checks the server; the others attach to its URL. A
// loopback URL (and the built-in simulator, which listens on 127.0.0.1 of
// shard 0) works only when every shard runs on one machine, which a
// loopback rendezvous says. Parts run apart each open their own session,
// so they must share a server.url.
func checkServerReach(s schema.Server, count int, rendezvous string) error {
	if count < 2 {
		return nil
	}
	kind := s.Kind()
	if rendezvous == "" {
		if kind != schema.ServerURL {
			return fmt.Errorf("a shard run apart (--shard without --rendezvous) attaches to a shared server: give server.url, not a %s server, which every part would start for itself", kind)
		}
		return nil
	}
	host, _, _ := shard.SplitAddr(rendezvous)
	if shard.Loopback(host) {
		return nil
	}
	if kind == schema.ServerBuiltin {
		return fmt.Errorf("the built-in simulator listens on 127.0.0.1 of shard 0, which the shards at the rendezvous %s cannot reach: "+
			"run `servebench sim --host 0.0.0.0` as a server of its own and point server.url at it", rendezvous)
	}
	if u, err := url.Parse(s.URL); err == nil && shard.Loopback(u.Hostname()) {
		return fmt.Errorf("server.url %s is a loopback address, which the other shards (rendezvous %s) cannot reach: "+
			"give an address every shard reaches", redact.URL(s.URL), rendezvous)
	}
	return nil
}
