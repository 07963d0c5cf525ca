package traffic

import (
	"context"
	"sync"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

// Dataset is the source of a dataset profile: request i sends the next
// record of the stage's walk through the file (dataset.Sampler), warmup
// requests first, so warmup takes records 0..warmup-1 of the walk and
// measured request i record warmup+i. The walk is taken lazily and kept
// (12 bytes per request: the record's index and lengths), so Spec(i) stays
// a pure function of i whichever worker asks first, and each record is
// read again from the file when its request is built, never held.
type Dataset struct {
	prompts *dataset.Prompts
	cfg     dataset.Sampling
	stage   int
	warmup  int
	counter Counter
	chat    bool
	output  int
	format  string
	file    string // as the scenario names it

	mu      sync.Mutex
	sampler *dataset.Sampler
	taken   []taken
	err     error // why the walk stopped
}

var _ Source = (*Dataset)(nil)

// taken is one record of the walk.
type taken struct {
	pos, in, out int32
}

// DatasetOptions say which walk a stage takes through its dataset.
type DatasetOptions struct {
	// Spec is the profile's dataset; File names it in results.
	Spec *schema.Dataset
	// Seed is the scenario's; Stage numbers the walk (schema.DatasetStage).
	Seed  int64
	Stage int
	// MaxModelLen is the context the over-length policy checks (0: none).
	MaxModelLen int
	// Warmup is the stage's warmup count: its records come first.
	Warmup int
	// Chat says requests go to the chat endpoint, where a text prompt is
	// sent as one user message (and counted so).
	Chat bool
}

// NewDataset is the source of a dataset profile over the indexed file,
// counting lengths with c (Words until the server's tokenizer is known).
func NewDataset(p *dataset.Prompts, o DatasetOptions, c Counter) (*Dataset, error) {
	d := &Dataset{prompts: p, cfg: o.Spec.Sampling(o.Seed, o.MaxModelLen), stage: o.Stage, warmup: o.Warmup,
		counter: c, chat: o.Chat, output: o.Spec.OutputTokens, format: o.Spec.Format, file: o.Spec.File}
	return d, d.reset()
}

// reset starts the walk over.
func (d *Dataset) reset() error {
	s, err := d.prompts.Sampler(d.cfg, d.stage, measure(d.counter, d.chat, d.output))
	d.sampler, d.taken, d.err = s, nil, err
	return err
}

// WithCounter is the same walk with lengths counted by c: the engine's
// exact source once it knows the server's tokenizer.
func (d *Dataset) WithCounter(c Counter) *Dataset {
	x := &Dataset{prompts: d.prompts, cfg: d.cfg, stage: d.stage, warmup: d.warmup, counter: c,
		chat: d.chat, output: d.output, format: d.format, file: d.file}
	_ = x.reset() // the configuration already made d's sampler
	return x
}

// Prime takes the first n records of the walk (warmup included) with ctx,
// so that a counter that asks the server does so now, not while requests
// are timed; it reports a walk that runs out or stops at a record.
func (d *Dataset) Prime(ctx context.Context, n int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.walk(ctx, n-1)
}

// walk extends the walk to record k; d.mu is held.
func (d *Dataset) walk(ctx context.Context, k int) error {
	for len(d.taken) <= k && d.err == nil {
		smp, err := d.sampler.Next(ctx)
		if err != nil && ctx.Err() != nil {
			return err // cancelled: the walk may go on later
		}
		if err != nil {
			d.err = err
			break
		}
		d.taken = append(d.taken, taken{pos: int32(smp.Position), in: int32(smp.Input), out: int32(smp.Output)})
	}
	if len(d.taken) > k {
		return nil
	}
	return d.err
}

// record returns the walk's record k and its lengths.
func (d *Dataset) record(ctx context.Context, k int) (dataset.Entry, taken, error) {
	d.mu.Lock()
	err := d.walk(ctx, k)
	var t taken
	if err == nil {
		t = d.taken[k]
	}
	d.mu.Unlock()
	if err != nil {
		return dataset.Entry{}, t, err
	}
	e, err := d.prompts.Entry(int(t.pos))
	return e, t, err
}

// Spec is request i: its record's prompt or messages as they are, with the
// measured lengths. The counter it walks with after Prime answers from
// what it kept, so no Spec waits for the network.
func (d *Dataset) Spec(i int) Spec {
	e, t, err := d.record(context.Background(), d.warmup+i)
	if err != nil {
		return Spec{Err: err}
	}
	sp := Spec{Input: int(t.in), Output: int(t.out), Record: e.Line, Messages: e.Messages}
	if e.Messages == nil {
		sp.Text = e.Prompt
	}
	return sp
}

// Usage is what the walk took so far: the file's usable records and those
// left out on the way, by reason.
func (d *Dataset) Usage() (entries int, skipped dataset.Skips) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.prompts.Len(), d.sampler.Skipped()
}

// File and Format name the dataset as the scenario does.
func (d *Dataset) File() string   { return d.file }
func (d *Dataset) Format() string { return d.format }
