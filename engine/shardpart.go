package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/schema"
)

// partRun is what makes an Execute one shard's part of a sharded run:
// where its results go, what its run.json says about the sharding, and,
// at a rendezvous, the link through which it shares the session and
// starts every step together with the other shards.
type partRun struct {
	index, count int
	plan         string // the whole plan's fingerprint
	rendezvous   string
	link         link // nil: the part runs apart
	runDir       string
	offset, unc  time.Duration // this shard's clock minus shard 0's
}

// link is a shard's side of the rendezvous (shard.Leader or
// shard.Follower, through leaderLink and followerLink).
type link interface {
	// share publishes (shard 0) or receives (the others) the session.
	share(ctx context.Context, f *sessionFacts) (*sessionFacts, error)
	// start waits at step i's barrier and returns its start instant.
	start(ctx context.Context, i int, id string) (time.Time, error)
}

// sessionFacts is what shard 0's pre-flight learned, given to every other
// shard so they attach without checking the server again.
type sessionFacts struct {
	URL    string            `json:"url,omitempty"` // the built-in simulator's URL on shard 0's machine
	Model  string            `json:"model"`
	Tokens bool              `json:"tokens"`
	Info   schema.ServerInfo `json:"info"`
	Notes  []string          `json:"notes,omitempty"`
}

// partNote is said in every part's run.json: its thresholds are judged on
// the merged run, never on a part.
func partNote(index, count int) string {
	return fmt.Sprintf("this is shard %d of %d's part of a sharded run: thresholds are judged on the merged run, not on a part", index, count)
}

// record makes the recorder's run a part: its shard block, no thresholds
// of its own, and the note saying so. A nil part is the whole run.
func (p *partRun) record(r *recorder) {
	if p == nil {
		return
	}
	r.thresholds = nil
	r.run.Shard = &schema.ShardInfo{Index: p.index, Count: p.count, Plan: p.plan, Rendezvous: p.rendezvous,
		ClockOffsetMS: ms(p.offset), ClockUncertaintyMS: ms(p.unc)}
	r.note(partNote(p.index, p.count))
}

// dir is the part's own run directory when the sharded run chose it.
func (p *partRun) dir() string {
	if p == nil {
		return ""
	}
	return p.runDir
}

// open is openSession for a part: shard 0 starts and checks the server
// and shares what it learned; every other shard attaches to the server
// with that, never starting or checking it again (pre-flight once, not N
// times). A part run apart, or a whole run, opens its own session.
func (p *partRun) open(ctx context.Context, sc *schema.Scenario, steps []Step, dir string, follow io.Writer, logf func(string, ...any)) (*session, opening, error) {
	if p == nil || p.link == nil {
		return openSession(ctx, sc, steps, dir, follow, logf)
	}
	if p.index == 0 {
		s, op, err := openSession(ctx, sc, steps, dir, follow, logf)
		if err != nil {
			return s, op, err
		}
		f := &sessionFacts{Model: s.model, Tokens: s.tokens, Info: op.info, Notes: op.notes}
		if sc.Server.Kind() == schema.ServerBuiltin {
			f.URL = s.url // the others know every other server's URL from the scenario
		}
		if _, err := p.link.share(ctx, f); err != nil {
			s.close(logf)
			return nil, op, shardError(err)
		}
		return s, op, nil
	}
	f, err := p.link.share(ctx, nil)
	if err != nil {
		return nil, opening{}, shardError(err)
	}
	s := newSession(sc)
	url := sc.Server.URL
	if sc.Server.Kind() == schema.ServerBuiltin {
		url = f.URL // shard 0's simulator: reachable because every shard runs on one machine (checked up front)
	}
	s.handle, s.url, s.model, s.tokens = server.Joined(url), url, f.Model, f.Tokens
	logf("shard %d: attached to the server at %s that shard 0 started and checked", p.index, url)
	// Text prompts are built with the server's own tokenizer: each shard
	// measures it as shard 0 did (its notes are shard 0's, already shared).
	var measured opening
	s.settlePrompts(ctx, steps, &measured)
	return s, opening{info: f.Info, notes: f.Notes}, nil
}

// startStep waits at the barrier of step i, then until the agreed instant,
// so that every shard starts the step together. No-op outside a rendezvous.
func (p *partRun) startStep(ctx context.Context, i int, id string) error {
	if p == nil || p.link == nil {
		return nil
	}
	at, err := p.link.start(ctx, i, id)
	if err != nil {
		return shardError(err)
	}
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return shardError(ctx.Err())
	}
}

// shardError turns an error of the rendezvous into the run's: an
// interrupted shard interrupts the run, any other end of it fails the run
// (exit 3). The run's own errors pass as they are.
func shardError(err error) error {
	var se *shard.Error
	switch {
	case errors.As(err, &se) && se.Interrupted:
		return interrupted("(" + se.Msg + ")")
	case errors.As(err, &se):
		return runError(se)
	case errors.Is(err, context.Canceled):
		return interrupted("at the rendezvous")
	}
	return err
}

// shardCause is the run's error when ctx was cancelled by the rendezvous
// (another shard failed or was interrupted), nil otherwise.
func shardCause(ctx context.Context) error {
	var se *shard.Error
	if !errors.As(context.Cause(ctx), &se) {
		return nil
	}
	return shardError(se)
}

// causeOf replaces the error of a run that ended because the rendezvous
// cancelled its context with that cause, so the run says which shard and
// why, not "interrupted by the user".
func causeOf(ctx context.Context, err error) error {
	if cause := shardCause(ctx); err != nil && cause != nil {
		return cause
	}
	return err
}

// statusOf is the stage status an error that ends a run gives.
func statusOf(err error) string {
	if errors.Is(err, ErrInterrupted) {
		return schema.StatusInterrupted
	}
	return schema.StatusFailed
}

// leaderLink and followerLink adapt the two sides of the rendezvous.
type (
	leaderLink   struct{ l *shard.Leader }
	followerLink struct{ f *shard.Follower }
)

func (k leaderLink) share(_ context.Context, f *sessionFacts) (*sessionFacts, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return f, k.l.Publish(data)
}

func (k leaderLink) start(ctx context.Context, i int, id string) (time.Time, error) {
	return k.l.Start(ctx, i, id)
}

func (k followerLink) share(ctx context.Context, _ *sessionFacts) (*sessionFacts, error) {
	data, err := k.f.Facts(ctx)
	if err != nil {
		return nil, err
	}
	var f sessionFacts
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("shard 0 sent session facts that do not decode: %w", err)
	}
	return &f, nil
}

func (k followerLink) start(ctx context.Context, i int, id string) (time.Time, error) {
	return k.f.Start(ctx, i, id)
}

// mkdirRun creates a part's run directory chosen by the sharded run.
func mkdirRun(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create run directory %q: %w", dir, err)
	}
	return nil
}
