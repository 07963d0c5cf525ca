package main

import (
	"strings"
	"testing"
)

// `servebench validate` reads a scenario's dataset: a broken record fails
// it with the record's FILE:LINE, and so do a missing file and a dataset
// with too few usable entries for its stages, each at the scenario's
// line:column of the key.
func TestValidateChecksTheDataset(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"dataset-broken-record", `dataset-broken-record.bad.yaml:5:21: profile "prompts": ` +
			`../../schema/dataset/testdata/syntax.bad.jsonl:2: invalid JSON`},
		{"dataset-missing", `dataset-missing.bad.yaml:4:21: profile "prompts": ` +
			`../../schema/testdata/data/no-such-file.jsonl: cannot read the dataset: no such file or directory`},
		{"dataset-too-few", `dataset-too-few.bad.yaml:11:14: stage "sweep" needs 50 records of profile "chats"`},
	} {
		code, _, errs := runCLI(t, "validate", "../../schema/testdata/"+tc.file+".bad.yaml")
		if code != ExitInvalid || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, want %d and %q in:\n%s", tc.file, code, ExitInvalid, tc.want, errs)
		}
	}
}
