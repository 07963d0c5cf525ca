package schema

import (
	"encoding/json"
	"strings"
	"testing"
)

// A profile written with every shape survives both ways out of the loader:
// Validate's YAML round trip (a scenario changed in memory is checked like
// a file) and run.json's JSON, where a fixed length stays a bare number so
// that older runs and older readers agree.
func TestProfileShapesRoundTrip(t *testing.T) {
	sc := loadFile(t, "testdata/profile-distributions.good.yaml")
	if err := Validate(sc); err != nil {
		t.Fatalf("Validate of a loaded scenario: %v", err)
	}
	b, err := json.Marshal(sc.Profiles)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"fixed":{"input":512,"output":128}`) {
		t.Errorf("a fixed profile is not written as numbers: %s", b)
	}
	var back map[string]Profile
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for name, p := range sc.Profiles {
		again, _ := json.Marshal(back[name])
		first, _ := json.Marshal(p)
		if string(again) != string(first) {
			t.Errorf("profile %s changed in a JSON round trip:\n%s\n%s", name, first, again)
		}
	}
}

// The defaults pass names every distribution and fills what its kind
// leaves out; an explicit distribution is kept.
func TestLengthDefaults(t *testing.T) {
	sc := loadFile(t, "testdata/profile-distributions.good.yaml")
	for _, c := range []struct {
		profile string
		got     Length
		want    Length
	}{
		{"uniform", sc.Profiles["uniform"].Input, Length{Distribution: LengthUniform, Min: 128, Max: 1024}},
		{"normal", sc.Profiles["normal"].Output, Length{Distribution: LengthNormal, Min: DefaultLengthMin, Max: 512, Mean: 128, Stddev: 32}},
		{"lognormal", sc.Profiles["lognormal"].Input, Length{Distribution: LengthLognormal, Min: DefaultLengthMin, Max: 4096, Mean: 800, Stddev: 600}},
		{"fixed", sc.Profiles["fixed"].Input, Fixed(512)},
	} {
		if c.got != c.want {
			t.Errorf("%s: %+v, want %+v", c.profile, c.got, c.want)
		}
	}
	if p := sc.Profiles["system-prompt"].Prefix; p == nil || p.Groups != 1 || p.Assign != AssignRoundRobin {
		t.Errorf("prefix defaults: %+v", p)
	}
	if p := sc.Profiles["rag"].Prefix; p.Groups != 16 || p.Assign != AssignRandom {
		t.Errorf("explicit prefix settings changed: %+v", p)
	}
}

// The worst case adds the prefix to the entry whose largest lengths add up
// to most, which is not always the entry with the largest input.
func TestProfileWorst(t *testing.T) {
	p := Profile{Prefix: &Prefix{Tokens: 100}, Mix: []MixEntry{
		{Weight: 1, Input: Fixed(1000), Output: Fixed(10)},
		{Weight: 1, Input: Length{Distribution: LengthUniform, Min: 1, Max: 600}, Output: Fixed(500)},
	}}
	prefix, in, out := p.Worst()
	if prefix != 100 || in != 600 || out != 500 {
		t.Fatalf("Worst = %d, %d, %d; want 100, 600, 500", prefix, in, out)
	}
	if p.Fits(1199) || !p.Fits(1200) {
		t.Error("Fits disagrees with the worst case of 1200 tokens")
	}
}
