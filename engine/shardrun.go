package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// ShardOptions make a run one shard's part of a sharded run.
type ShardOptions struct {
	Index, Count int
	// Rendezvous is shard 0's HOST:PORT. Empty: the part runs apart (no
	// barrier, no collection) and its run directory is merged later with
	// `servebench merge`.
	Rendezvous string
	// Key is the rendezvous's shared secret (shard.Key).
	Key []byte
	// Timeout bounds the join, and with api.timeout added each stage's
	// barrier and the collection (shard.Config).
	Timeout time.Duration
	// Finish renders the run this shard reports (the merged run on shard
	// 0 at a rendezvous, its own part otherwise) before shard 0 tells the
	// other shards the outcome, so no shard ends before shard 0's reports
	// are written. Nil: nothing to render.
	Finish func(run *schema.Run, dir string) error
}

// ErrThresholdsFailed ends the run of a shard other than 0 when the merged
// run failed a threshold: every shard exits as shard 0 does.
var ErrThresholdsFailed = errors.New("a threshold failed on the merged run")

// word is shard 0's word to the other shards on the merged run.
type word struct {
	Status string `json:"status"`
	Passed bool   `json:"passed"`
	Error  string `json:"error,omitempty"`
	Dir    string `json:"dir"`
}

// err is the error a shard's run ends with after the outcome.
func (o word) err() error {
	where := fmt.Sprintf("(the merged run at shard 0's %s)", o.Dir)
	switch {
	case o.Status == schema.StatusInterrupted:
		return interrupted(where + ": " + o.Error)
	case o.Status != schema.StatusCompleted:
		return runError(fmt.Errorf("the merged run failed %s: %s", where, o.Error))
	case !o.Passed:
		return fmt.Errorf("%w %s", ErrThresholdsFailed, where)
	}
	return nil
}

// ExecuteShard runs shard so.Index's part of o.Plan. At a rendezvous,
// shard 0 waits for every shard, starts and checks the server, starts
// every step together with the others, collects their results and writes
// the merged run (its own part and the others' under shards/ of the
// merged run's directory); it returns the merged run. Every other shard
// returns its own part, with the merged run's verdict as its error, so
// every shard exits as shard 0 does. Any shard that fails, is
// interrupted, dies or falls silent ends the run for all.
func ExecuteShard(ctx context.Context, o Options, so ShardOptions) (*schema.Run, string, error) {
	whole := o.Plan
	plan, err := whole.Partition(so.Index, so.Count)
	if err != nil {
		return nil, "", &ConfigError{Err: err}
	}
	o.Plan = plan
	o.part = &partRun{index: so.Index, count: so.Count, plan: whole.Fingerprint(), rendezvous: so.Rendezvous}
	cfg := shard.Config{Index: so.Index, Count: so.Count, Addr: so.Rendezvous, Key: so.Key, Plan: o.part.plan,
		Version: o.Version, Timeout: so.Timeout, Straggle: o.Plan.Scenario.API.Timeout.D()}
	if o.Logf != nil {
		// The lines quote other shards' reasons: through the funnel.
		cfg.Logf = func(format string, args ...any) { o.Logf("%s", redact.String(fmt.Sprintf(format, args...))) }
	}
	switch {
	case so.Rendezvous == "":
		run, dir, err := Execute(ctx, o)
		return run, dir, finish(so, run, dir, err)
	case so.Index == 0:
		return lead(ctx, o, so, cfg)
	}
	return follow(ctx, o, so, cfg)
}

// finish renders the run the shard reports; its error counts only when
// the run had none.
func finish(so ShardOptions, run *schema.Run, dir string, err error) error {
	if run == nil || so.Finish == nil {
		return err
	}
	if ferr := so.Finish(run, dir); ferr != nil && err == nil {
		return ferr
	}
	return err
}

// lead is shard 0: the merged run's directory first (its own part goes to
// shards/0, the others' to shards/I), then the rendezvous, its part, the
// collection, the merge, the reports, and the word to the others.
func lead(ctx context.Context, o Options, so ShardOptions, cfg shard.Config) (*schema.Run, string, error) {
	sc := o.Plan.Scenario
	base := sc.Report.Dir
	if o.ResultsDir != "" {
		base = o.ResultsDir
	}
	dir, err := schema.CreateRunDir(base, sc.Name, time.Now())
	if err != nil {
		return nil, "", runError(err)
	}
	inbox := filepath.Join(dir, "shards")
	cfg.Inbox = inbox
	l, err := shard.Lead(ctx, cfg)
	if err != nil {
		_ = os.Remove(dir) // nothing was measured; the directory is still empty
		return nil, "", shardError(err)
	}
	defer l.Close()
	wctx, stop := watch(ctx, l)
	defer stop()
	o.part.link, o.part.runDir = leaderLink{l}, filepath.Join(inbox, "0")
	own, ownDir, err := Execute(wctx, o)
	if err == nil {
		err = causeOf(wctx, l.Collect(wctx))
	}
	if err != nil {
		err = shardError(err)
		l.Abort(summary(err), errors.Is(err, ErrInterrupted))
		return own, ownDir, finish(so, own, ownDir, err)
	}
	parts := make([]string, so.Count)
	for i := range parts {
		parts[i] = filepath.Join(inbox, strconv.Itoa(i))
	}
	run, _, err := Merge(ctx, MergeOptions{Parts: parts, Dir: dir, Logf: o.Logf})
	err = finish(so, run, dir, err)
	w := word{Status: schema.StatusFailed, Dir: dir}
	if run != nil {
		w.Status, w.Passed, w.Error = run.Status, run.Passed, run.Error
	}
	if err != nil && w.Error == "" {
		w.Status, w.Error = statusOf(err), summary(err)
	}
	data, _ := json.Marshal(w) // plain strings and a bool
	l.Finish(data)
	return run, dir, err
}

// follow is every other shard: the rendezvous, its part, its results sent
// to shard 0, and shard 0's word on the merged run.
func follow(ctx context.Context, o Options, so ShardOptions, cfg shard.Config) (*schema.Run, string, error) {
	f, err := shard.Join(ctx, cfg)
	if err != nil {
		return nil, "", shardError(err)
	}
	defer f.Close()
	wctx, stop := watch(ctx, f)
	defer stop()
	o.part.link = followerLink{f}
	o.part.offset, o.part.unc = f.Clock()
	run, dir, err := Execute(wctx, o)
	if err == nil {
		if serr := f.Send(dir); serr != nil {
			err = causeOf(wctx, runError(fmt.Errorf("send the results to shard 0: %w", serr)))
		}
	}
	if err == nil {
		err = verdict(f.Final(ctx))
	} else {
		f.Abort(summary(err), errors.Is(err, ErrInterrupted))
	}
	return run, dir, finish(so, run, dir, err)
}

// verdict is the error a shard other than 0 ends with, from shard 0's word
// on the merged run.
func verdict(data []byte, err error) error {
	if err != nil {
		return shardError(err)
	}
	var w word
	if err := json.Unmarshal(data, &w); err != nil {
		return runError(fmt.Errorf("shard 0's word on the merged run does not decode: %w", err))
	}
	return w.err()
}

// failing is either side of the rendezvous, as watch needs it.
type failing interface {
	Failed() <-chan struct{}
	Err() error
}

// watch is ctx, cancelled with the rendezvous's error as its cause when
// the run ends for every shard (another shard failed, died or fell
// silent): the part in progress stops at once.
func watch(ctx context.Context, f failing) (context.Context, func()) {
	wctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		select {
		case <-f.Failed():
			cancel(f.Err())
		case <-done:
		}
	}()
	return wctx, func() { close(done); cancel(nil) }
}
