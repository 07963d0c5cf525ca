package schema

import (
	"encoding/json"
	"hash/fnv"
	"path/filepath"
	"strconv"

	"github.com/invopop/jsonschema"
	"github.com/servebench/servebench/schema/dataset"
)

// This file is the traffic that comes from files and from replies: a
// profile whose prompts are a dataset's records, conversations whose later
// turns carry the server's earlier answers, and a stage that replays a
// trace's arrivals. Package schema/dataset reads the files; the checks are
// in validate_data.go, the engine's sources in engine/traffic.

// Dataset orders accepted by Dataset.Order.
const (
	OrderSequential = string(dataset.Sequential)
	OrderRandom     = string(dataset.Random)
)

// Over-length policies accepted by Dataset.OverLength.
const (
	OverLengthSkip = string(dataset.Skip)
	OverLengthFail = string(dataset.Fail)
)

// Dataset makes a profile send the prompts of a file instead of synthetic
// ones of fixed lengths: each request takes the next record of the stage's
// walk through the file (docs/datasets.md describes the formats).
type Dataset struct {
	// File is the dataset's path, relative to the scenario file.
	File string `yaml:"file" json:"file"`
	// Format is jsonl (prompts or chat messages) or sharegpt (conversations).
	Format string `yaml:"format" json:"format"`
	// Order is sequential (file order, the default) or random (a seeded permutation of the whole file).
	Order string `yaml:"order,omitempty" json:"order,omitempty"`
	// Wrap starts over when a stage has taken every fitting record; without it a stage needs no more requests than there are records.
	Wrap bool `yaml:"wrap,omitempty" json:"wrap,omitempty"`
	// Limit keeps only the first N usable records of the file; the rest is neither read nor checked.
	Limit int `yaml:"limit,omitempty" json:"limit,omitempty" jsonschema:"minimum=1"`
	// MinInput leaves out records whose prompt has fewer tokens.
	MinInput int `yaml:"min_input,omitempty" json:"min_input,omitempty" jsonschema:"minimum=1"`
	// MaxInput leaves out records whose prompt has more tokens.
	MaxInput int `yaml:"max_input,omitempty" json:"max_input,omitempty" jsonschema:"minimum=1"`
	// MinOutput leaves out records that ask for fewer output tokens.
	MinOutput int `yaml:"min_output,omitempty" json:"min_output,omitempty" jsonschema:"minimum=1"`
	// MaxOutput leaves out records that ask for more output tokens.
	MaxOutput int `yaml:"max_output,omitempty" json:"max_output,omitempty" jsonschema:"minimum=1"`
	// OutputTokens is the output length of a jsonl record without output_tokens (default 256); sharegpt records ask for their answer's length.
	OutputTokens int `yaml:"output_tokens,omitempty" json:"output_tokens,omitempty" jsonschema:"minimum=1"`
	// OverLength says what happens to a record whose prompt and output exceed max_model_len: skip (leave it out and count it, the default) or fail.
	OverLength string `yaml:"over_length,omitempty" json:"over_length,omitempty"`
}

// Conversation makes every request of a stage a turn of a multi-turn
// session: turn k sends every earlier user message and the server's actual
// replies, then its own message. Levels count users (concurrency) or
// session arrivals (rate), and requests and warmup count sessions.
type Conversation struct {
	// Turns is the number of turns of a session; with a sharegpt dataset, the most turns taken from each conversation (default: all of them).
	Turns int `yaml:"turns,omitempty" json:"turns,omitempty" jsonschema:"minimum=1"`
	// ThinkTime is the pause between a reply and the user's next turn (default 0).
	ThinkTime Duration `yaml:"think_time,omitempty" json:"think_time,omitempty"`
}

// Trace formats accepted by Replay.Format.
const TraceMooncake = string(dataset.Mooncake)

// Replay makes a stage send the requests of a trace at the trace's own
// times (divided by speed), an open loop on a fixed schedule: each record's
// input_length tokens built so that records sharing hash_ids share
// identical blocks, its output_length asked for with ignore_eos.
type Replay struct {
	// File is the trace's path, relative to the scenario file.
	File string `yaml:"file" json:"file"`
	// Format is mooncake, the only trace format.
	Format string `yaml:"format" json:"format"`
	// Speed divides the trace's timestamps: 2 sends twice as fast. A list (or {from, to, step}) replays the trace once per speed (default 1).
	Speed *RateLevels `yaml:"speed,omitempty" json:"speed,omitempty"`
	// From skips the records before this time of the trace.
	From Duration `yaml:"from,omitempty" json:"from,omitempty"`
	// To stops before the first record at or after this time of the trace (default: the end).
	To Duration `yaml:"to,omitempty" json:"to,omitempty"`
	// First replays only the first N records of the window.
	First int `yaml:"first,omitempty" json:"first,omitempty" jsonschema:"minimum=1"`
	// BlockSize is the tokens one hash id stands for (default 512, the Mooncake traces').
	BlockSize int `yaml:"block_size,omitempty" json:"block_size,omitempty" jsonschema:"minimum=1"`
}

// MaxTurns bounds conversation.turns: a session holds its history in
// memory, and a longer conversation than this is a typo.
const MaxTurns = 1000

// MaxReplayRecords bounds the records of a replay's window: the engine
// holds the window in memory (about 30 bytes per record and 8 per hash
// id), so ten million take a few hundred megabytes; a longer window is
// replayed in parts (from, to, first).
const MaxReplayRecords = 10_000_000

// DataPath is where a file the scenario names (a dataset or a trace) is
// read from: relative to the scenario file's directory unless absolute.
func (s *Scenario) DataPath(file string) string {
	if filepath.IsAbs(file) || s.File == "" {
		return file
	}
	return filepath.Join(filepath.Dir(s.File), file)
}

// DataFiles lists the files the scenario reads besides itself, as the
// scenario writes them (relative to its directory), each once: what a pod
// needs beside the scenario (engine/kube).
func (s *Scenario) DataFiles() []string {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, name := range s.ProfileNames() {
		if p, ok := s.Profiles[name]; ok && p.Dataset != nil {
			add(p.Dataset.File)
		}
	}
	for i := range s.Stages {
		if r := s.Stages[i].Replay; r != nil {
			add(r.File)
		}
	}
	return out
}

// Options are how the file is read.
func (d *Dataset) Options() dataset.Options {
	return dataset.Options{Format: dataset.Format(d.Format), MaxRecordBytes: dataset.DefaultMaxRecordBytes, Limit: d.Limit}
}

// Sampling is how a stage walks the dataset, the same in `validate` and
// in the run: the scenario's seed, the filter and the over-length policy
// against maxModelLen (0: unknown).
func (d *Dataset) Sampling(seed int64, maxModelLen int) dataset.Sampling {
	return dataset.Sampling{
		Order: dataset.Order(d.Order), Seed: seed, Wrap: d.Wrap,
		Filter: dataset.Filter{
			MinInput: d.MinInput, MaxInput: d.MaxInput, MinOutput: d.MinOutput, MaxOutput: d.MaxOutput,
			MaxModelLen: maxModelLen, OverLength: dataset.Policy(d.OverLength),
		},
	}
}

// DatasetStage numbers a stage's walk through a dataset profile (the
// Sampler's stage): every level and repeat of a stage and profile takes
// the same records; two stages take different random orders.
func DatasetStage(stage, profile string) int {
	h := fnv.New32a()
	h.Write([]byte(stage + "/" + profile))
	return int(h.Sum32() >> 1)
}

// TraceOptions are how the trace is read: its window and block size.
func (r *Replay) TraceOptions() dataset.TraceOptions {
	return dataset.TraceOptions{MaxRecordBytes: dataset.DefaultMaxRecordBytes, BlockSize: r.BlockSize,
		From: r.From.D(), To: r.To.D(), First: r.First}
}

// ConversationFor is the conversation of a stage's profile: the stage's
// own, else the profile's; nil when its requests are single ones.
func (s *Scenario) ConversationFor(st *Stage, profile string) *Conversation {
	if st.Conversation != nil {
		return st.Conversation
	}
	if p, ok := s.ProfileFor(profile); ok {
		return p.Conversation
	}
	return nil
}

// MaxModelLen is the context every request must fit: the smallest of the
// model's and the simulator's (0: unknown).
func (s *Scenario) MaxModelLen() int {
	n := s.Model.MaxModelLen
	if b := s.Server.Builtin; b != nil && b.MaxModelLen > 0 && (n == 0 || b.MaxModelLen < n) {
		n = b.MaxModelLen
	}
	return n
}

// setDataEnums restricts the keys of datasets and replays to the values
// the readers know, so editors complete them and the shape check words a
// typo like any other enum.
func setDataEnums(s *jsonschema.Schema) {
	setEnum(s, "Dataset", "format", string(dataset.JSONL), string(dataset.ShareGPT))
	setEnum(s, "Dataset", "order", OrderSequential, OrderRandom)
	setEnum(s, "Dataset", "over_length", OverLengthSkip, OverLengthFail)
	setEnum(s, "Replay", "format", TraceMooncake)
	if p := property(s, "Conversation", "turns"); p != nil {
		p.Maximum = json.Number(strconv.Itoa(MaxTurns))
	}
}
