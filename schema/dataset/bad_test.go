package dataset

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// badFiles pins the exact message of every file in testdata/*.bad.*, after
// "FILE:" ("LINE: message", or " message" for the file as a whole); the
// extension is the format (jsonl, sharegpt or mooncake).
var badFiles = map[string]string{
	"both.bad.jsonl":                  "1: a record has either prompt or messages, not both",
	"control-byte.bad.jsonl":          `1: invalid JSON: invalid character '\a' in string literal`,
	"empty-prompt.bad.jsonl":          "1: prompt is empty",
	"id-bool.bad.jsonl":               "1: id must be a string or a number, not true",
	"incomplete.bad.jsonl":            "3: the record ends early (incomplete JSON)",
	"message-content-parts.bad.jsonl": "1: messages[0].content must be a string, not an array",
	"message-no-content.bad.jsonl":    "1: messages[0] has no content",
	"message-role.bad.jsonl":          `1: messages[1].role "\x1b[31mbot" is not one of system, user, assistant`,
	"message-unknown-key.bad.jsonl":   `1: unknown key "name" in messages[0] (a message has role, content)`,
	"messages-empty.bad.jsonl":        "1: messages is empty",
	"messages-not-list.bad.jsonl":     "1: messages must be an array, not an object",
	"neither.bad.jsonl":               "1: a record needs a prompt (text) or messages (chat)",
	"not-object.bad.jsonl":            "1: a record must be an object, not an array",
	"output-tokens-float.bad.jsonl":   "1: output_tokens must be an integer from 1 to 2147483647, not 1.5",
	"output-tokens-string.bad.jsonl":  `1: output_tokens must be an integer, not the string "16"`,
	"output-tokens-zero.bad.jsonl":    "1: output_tokens must be an integer from 1 to 2147483647, not 0",
	"prompt-number.bad.jsonl":         "1: prompt must be a string, not the number 42",
	"syntax.bad.jsonl":                "2: invalid JSON: invalid character '}' looking for beginning of object key string",
	"two-values.bad.jsonl":            "1: more than one JSON value on the line (a jsonl record is one object per line)",
	"unknown-key.bad.jsonl":           `1: unknown key "promt" (a jsonl record has id, prompt, messages, output_tokens)`,
	"many.bad.jsonl": "2: prompt must be a string, not the number 1\n" +
		"testdata/many.bad.jsonl:4: messages is empty\n" +
		"testdata/many.bad.jsonl:5: invalid JSON: invalid character 'o' in literal null (expecting 'u')\n" +
		"testdata/many.bad.jsonl:6: output_tokens must be an integer from 1 to 2147483647, not -3",

	"conversations-object.bad.sharegpt": "4: conversations must be an array, not an object",
	"empty.bad.sharegpt":                " the file is empty (a sharegpt file is a JSON array of conversations)",
	"entry-not-object.bad.sharegpt":     "3: a conversation must be an object, not the number 1",
	"missing-comma.bad.sharegpt":        "6: invalid JSON: invalid character '{' after array element",
	"not-array.bad.sharegpt":            `1: a sharegpt file is a JSON array of conversations, not the string "hello"`,
	"raw-newline.bad.sharegpt":          `2: invalid JSON: invalid character '\n' in string literal`,
	"trailing.bad.sharegpt":             "2: an array follows the end of the conversations",
	"truncated.bad.sharegpt":            "6: the record ends early (incomplete JSON)",
	"turn-no-from.bad.sharegpt":         `5: conversations[0] has no "from"`,
	"turn-no-value.bad.sharegpt":        `6: conversations[1] has no "value"`,
	"value-number.bad.sharegpt":         "7: conversations[0].value must be a string, not the number 3",
	"two-bad-entries.bad.sharegpt": "2: conversations[0].value must be a string, not false\n" +
		"testdata/two-bad-entries.bad.sharegpt:4: id must be a string or a number, not an object",

	"decreasing.bad.mooncake":        "3: timestamp 900 ms comes before the previous record's 1000 ms: a trace must be in time order",
	"missing-fields.bad.mooncake":    "1: the record has no input_length and output_length",
	"negative-hash-id.bad.mooncake":  "1: hash_ids[1] must be an integer from 0 to 9223372036854775807, not -1",
	"not-object.bad.mooncake":        "2: a record must be an object, not an array",
	"output-zero.bad.mooncake":       "1: output_length must be an integer from 1 to 2147483647, not 0",
	"timestamp-string.bad.mooncake":  `1: timestamp must be a number, not the string "0"`,
	"too-many-hash-ids.bad.mooncake": "1: 3 hash_ids, but input_length 600 fills only 2 blocks of 512 tokens (is the trace's block size 512?)",
	"unknown-key.bad.mooncake":       `1: unknown key "text_input" (a mooncake record has timestamp, input_length, output_length, hash_ids)`,
}

// TestBadFiles: every bad file fails with its pinned message, each
// problem at FILE:LINE, as an *Error or an *ErrorList of them.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := filepath.Base(file)
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := badFiles[name]
			if !ok {
				t.Fatalf("no expected message for %s", name)
			}
			want = "testdata/" + name + ":" + want // "1: msg" has a line, " msg" has none
			err := readBad(file)
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != want {
				t.Errorf("message:\n got: %s\nwant: %s", err, want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != file {
				t.Errorf("not an *Error of %s: %#v", file, err)
			}
		})
	}
	for name := range badFiles {
		if !seen[name] {
			t.Errorf("%s is expected but missing from testdata", name)
		}
	}
}

// readBad reads a bad file the way `validate` will: the prompt formats
// with Open, a trace with CheckTrace.
func readBad(file string) error {
	format := Format(file[strings.LastIndex(file, ".")+1:])
	if format == Mooncake {
		_, err := CheckTrace(context.Background(), file, testTraceOptions, Filter{OverLength: Skip})
		return err
	}
	_, err := Open(context.Background(), file, Options{Format: format, MaxRecordBytes: DefaultMaxRecordBytes})
	return err
}

var testTraceOptions = TraceOptions{MaxRecordBytes: DefaultMaxRecordBytes, BlockSize: DefaultBlockSize}
