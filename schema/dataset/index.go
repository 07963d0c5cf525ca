package dataset

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
)

// Options say how to read a prompt dataset.
type Options struct {
	Format Format
	// MaxRecordBytes bounds one record (DefaultMaxRecordBytes).
	MaxRecordBytes int
	// Limit, when positive, keeps only the first Limit usable entries: the
	// read stops there, and the rest of the file is neither read nor checked.
	Limit int
}

// validate checks the options' own values.
func (o Options) validate(file string) error {
	switch {
	case o.Format == Mooncake:
		return fmt.Errorf("dataset %q: %s is a trace format: read it with OpenTrace", file, o.Format)
	case o.MaxRecordBytes <= 0:
		return fmt.Errorf("dataset %q: the record bound must be positive, not %d", file, o.MaxRecordBytes)
	case o.Limit < 0:
		return fmt.Errorf("dataset %q: the limit must not be negative, not %d", file, o.Limit)
	}
	if _, err := ParseFormat(string(o.Format)); err != nil {
		return fmt.Errorf("dataset %q: %w", file, err)
	}
	return nil
}

// Prompts is an indexed prompt dataset: one streaming pass checked every
// record and kept the offset and line of each usable one (12 bytes per
// entry), so that any entry can be read again on demand and a
// multi-gigabyte file is never in memory. It is safe for concurrent use.
type Prompts struct {
	file    string
	opts    Options
	ra      io.ReaderAt
	size    int64
	closer  io.Closer
	offsets column[int64]
	lines   column[uint32]
	stats   Stats
}

// Stats counts what the streaming pass found.
type Stats struct {
	// Records is every record read; Usable of them are in the index.
	Records int
	Usable  int
	// TooFewTurns, NoPrompt and NoAnswer count ShareGPT conversations left
	// out, as `vllm bench serve` leaves them out: fewer than two turns, no
	// human turn, no assistant answer after the first human turn.
	TooFewTurns int
	NoPrompt    int
	NoAnswer    int
	// Limited is true when Options.Limit stopped the read before a record
	// that followed.
	Limited bool
}

// Open indexes the prompt dataset at path. Every broken record is
// reported at once as an *ErrorList of *Error at FILE:LINE; a file that
// does not open is one *Error.
func Open(ctx context.Context, path string, opts Options) (*Prompts, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the dataset: " + describeOpen(err), Err: err}
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = fmt.Errorf("is a directory")
	}
	if err != nil {
		f.Close()
		return nil, &Error{File: path, Msg: "cannot read the dataset: " + err.Error(), Err: err}
	}
	p, err := Index(ctx, f, fi.Size(), path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	p.closer = f
	return p, nil
}

// Index indexes a prompt dataset of size bytes read through ra; file
// names it in errors. Open is Index of a file. A large JSONL file without
// a limit is read in parallel sections (see indexParallel).
func Index(ctx context.Context, ra io.ReaderAt, size int64, file string, opts Options) (*Prompts, error) {
	return index(ctx, ra, size, file, opts, parallelWorkers(size))
}

// index is Index with up to workers sections read in parallel.
func index(ctx context.Context, ra io.ReaderAt, size int64, file string, opts Options, workers int) (*Prompts, error) {
	if err := opts.validate(file); err != nil {
		return nil, err
	}
	p := &Prompts{file: file, opts: opts, ra: ra, size: size}
	var parts []*part
	var err error
	if opts.Format == JSONL && opts.Limit <= 0 && workers > 1 {
		parts, err = indexParallel(ctx, ra, size, file, opts, workers)
	} else {
		var pt *part
		pt, err = scanPart(ctx, ra, 0, size, file, opts)
		parts = []*part{pt}
	}
	if err != nil {
		return nil, err
	}
	if err := p.merge(parts); err != nil {
		return nil, err
	}
	return p, nil
}

// part is what the streaming pass found in one section of the file, with
// lines counted from the section's first line (1).
type part struct {
	offsets column[int64]
	lines   column[uint32]
	stats   Stats
	errs    ErrorList
	nlines  int // lines in the section
}

// scanPart reads the records of the section [start, end), which begins a
// line (JSONL) or is the whole file (ShareGPT).
func scanPart(ctx context.Context, ra io.ReaderAt, start, end int64, file string, opts Options) (*part, error) {
	r, err := newReaderAt(io.NewSectionReader(ra, start, end-start), file, opts.Format, opts.MaxRecordBytes, start, 1, readBufferSize)
	if err != nil {
		return nil, err
	}
	pt := &part{}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			pt.errs.add(asError(file, 0, err))
			continue
		}
		if opts.Limit > 0 && pt.stats.Usable == opts.Limit {
			pt.stats.Limited = true // a record follows the last one kept
			break
		}
		if e.Line > math.MaxUint32 {
			return nil, tooManyLines(file, e.Line)
		}
		pt.add(e)
	}
	if r.lines != nil {
		pt.nlines = r.lines()
	}
	return pt, nil
}

// merge joins the parts in file order, turning their lines into the
// file's; each part's blocks are released as they are moved.
func (p *Prompts) merge(parts []*part) error {
	var errs ErrorList
	base := 0 // lines before the part
	for _, pt := range parts {
		for _, e := range pt.errs.List {
			if e.Line > 0 {
				e.Line += base
			}
			errs.add(e)
		}
		errs.More += pt.errs.More
		var tooMany int
		pt.lines.drain(func(l uint32) {
			line := int(l) + base
			if line > math.MaxUint32 {
				tooMany = line
			}
			p.lines.append(uint32(line))
		})
		if tooMany > 0 {
			return tooManyLines(p.file, tooMany)
		}
		pt.offsets.drain(p.offsets.append)
		p.stats.add(pt.stats)
		base += pt.nlines
	}
	return errs.err()
}

// tooManyLines is the error of a file whose lines do not fit the index's
// 32-bit line numbers.
func tooManyLines(file string, line int) error {
	return errorf(file, line, "the file has more than %d lines; split it", uint32(math.MaxUint32))
}

// add sums the counts of another part of the file.
func (s *Stats) add(o Stats) {
	s.Records += o.Records
	s.Usable += o.Usable
	s.TooFewTurns += o.TooFewTurns
	s.NoPrompt += o.NoPrompt
	s.NoAnswer += o.NoAnswer
	s.Limited = s.Limited || o.Limited
}

// add counts one record and indexes it when it is usable.
func (pt *part) add(e Entry) {
	pt.stats.Records++
	if e.Format == ShareGPT {
		switch {
		case len(e.Turns) < 2:
			pt.stats.TooFewTurns++
			return
		case !hasRole(e.Turns, RoleUser):
			pt.stats.NoPrompt++
			return
		case !hasAnswer(e.Turns):
			pt.stats.NoAnswer++
			return
		}
	}
	pt.stats.Usable++
	pt.offsets.append(e.Offset)
	pt.lines.append(uint32(e.Line))
}

func hasRole(turns []Message, role string) bool {
	for _, t := range turns {
		if t.Role == role {
			return true
		}
	}
	return false
}

// hasAnswer reports whether an assistant turn follows the first user turn.
func hasAnswer(turns []Message) bool {
	for i, t := range turns {
		if t.Role == RoleUser {
			return hasRole(turns[i+1:], RoleAssistant)
		}
	}
	return false
}

// File is the path the dataset was opened with.
func (p *Prompts) File() string { return p.file }

// Len is the number of usable entries.
func (p *Prompts) Len() int { return p.offsets.len() }

// Stats is what the streaming pass counted.
func (p *Prompts) Stats() Stats { return p.stats }

// Line is the line of usable entry i.
func (p *Prompts) Line(i int) int { return int(p.lines.at(i)) }

// Entry reads usable entry i (0 <= i < Len) again from the file.
func (p *Prompts) Entry(i int) (Entry, error) {
	off, line := p.offsets.at(i), p.Line(i)
	r, err := newReaderAt(io.NewSectionReader(p.ra, off, p.size-off), p.file, p.opts.Format,
		p.opts.MaxRecordBytes, off, line, entryBufferSize)
	if err != nil {
		return Entry{}, err
	}
	e, err := r.Next()
	if err == nil && e.Offset != off {
		err = errorf(p.file, line, "no record starts here any more")
	}
	if err != nil {
		return Entry{}, fmt.Errorf("read entry again (did the file change since it was indexed?): %w", err)
	}
	return e, nil
}

// entryBufferSize is the read buffer of one entry read again: most records
// fit, and a longer one is read in further pieces.
const entryBufferSize = 4 << 10

// Close closes the file Open opened.
func (p *Prompts) Close() error {
	if p.closer == nil {
		return nil
	}
	return p.closer.Close()
}

// describeOpen words an error of os.Open without repeating the path.
func describeOpen(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
