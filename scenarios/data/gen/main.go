// Command gen writes the sample datasets under scenarios/data. Every byte
// comes from package schema/dataset/synth (templates and a vocabulary
// written for servebench, a SplitMix64 random source) with the fixed seeds
// below: no third-party data, and the same files on every machine. A test
// checks that the committed files are what this program writes.
//
// Regenerate them after changing synth:
//
//	go generate ./scenarios/data/gen
//
// The files:
//
//   - sharegpt.json: 40 conversations in the ShareGPT layout `vllm bench
//     serve` reads (a JSON array, two-space indented), including the
//     conversations a reader leaves out (one turn; no answer).
//   - chat.jsonl: 60 chat records in servebench's JSONL format (messages,
//     output_tokens on most).
//   - mooncake.jsonl: an 80-record trace in the Mooncake FAST'25 format
//     (timestamp in ms, input_length, output_length, hash_ids of 512-token
//     blocks) with shared system prompts and follow-up turns.
package main

//go:generate go run . -dir ..

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
	"github.com/servebench/servebench/schema/dataset/synth"
)

// sample is one file: its name and how it is written.
type sample struct {
	name  string
	write func(io.Writer) error
}

var samples = []sample{
	{"sharegpt.json", func(w io.Writer) error { return synth.ShareGPT(w, 1401, 40) }},
	{"chat.jsonl", func(w io.Writer) error { return synth.ChatJSONL(w, 1402, 60) }},
	{"mooncake.jsonl", func(w io.Writer) error { return synth.Mooncake(w, 1403, 80, dataset.DefaultBlockSize) }},
}

func main() {
	dir := flag.String("dir", "scenarios/data", "directory to write the samples to")
	flag.Parse()
	for _, s := range samples {
		data, err := generate(s)
		if err == nil {
			err = schema.WriteFileAtomic(filepath.Join(*dir, s.name), data)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", s.name, err)
			os.Exit(1)
		}
	}
}

// generate is the content of one sample file.
func generate(s sample) ([]byte, error) {
	var b bytes.Buffer
	err := s.write(&b)
	return b.Bytes(), err
}
