package kube

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// MaxConfigMapBytes is what Kubernetes accepts in one ConfigMap: keys plus
// values of data and binaryData together (the API server's own check).
const MaxConfigMapBytes = corev1.MaxSecretSize

// clientApplyLimit is the size above which plain `kubectl apply` fails: it
// keeps a copy of the whole object in an annotation, and annotations hold at
// most 256 KiB. Server-side apply keeps no such copy.
const clientApplyLimit = 256 << 10

// Source is a scenario read for a cluster: the file exactly as written
// (its ${VAR} references are expanded in the pod, from the Secret), the
// files it reads, and the names of the variables it references.
type Source struct {
	// Scenario is the validated scenario.
	Scenario *schema.Scenario
	// Files holds the scenario file first, then the files it reads.
	Files []File
	// Vars lists every ${NAME} the scenario references, sorted.
	Vars []string
}

// File is one file the pod needs, at Path relative to ScenarioDir.
type File struct {
	// Path is relative to the scenario's directory, with forward slashes.
	Path string
	// Key is Path made a valid ConfigMap key.
	Key string
	// From is where it was read, for messages.
	From string
	Data []byte
}

// Read loads the scenario at path and the files it reads (extra, written as
// the scenario writes them: relative to its directory). lookup reads the
// environment; a variable it does not know is validated as empty, because
// the pod, not this process, holds the values. Every problem is reported at
// once; a *schema.Diagnostics among them carries the scenario's own.
func Read(path string, extra []string, lookup func(string) (string, bool)) (*Source, error) {
	src := &Source{}
	budget := MaxConfigMapBytes
	scen, err := readFile(path, filepath.Base(path), &budget)
	if err != nil {
		return nil, err
	}
	src.Files = append(src.Files, scen)
	var errs []error
	seen, unset := map[string]bool{}, map[string]bool{}
	env := func(name string) (string, bool) {
		seen[name] = true
		if v, ok := lookup(name); ok {
			return v, true
		}
		unset[name] = true
		return "", true
	}
	src.Scenario, err = schema.LoadBytes(path, scen.Data, env)
	errs = append(errs, err)
	if err != nil && len(unset) > 0 {
		errs = append(errs, fmt.Errorf("note: %s: variables not set here were validated as empty strings: %s (the pods read them from the Secret)",
			path, strings.Join(sortedKeys(unset), ", ")))
	}
	if err == nil && src.Scenario.Server.Kind() == schema.ServerDocker {
		errs = append(errs, fmt.Errorf("%s: server.docker cannot run inside a pod (there is no docker there): run the server in the cluster and attach with server.url", path))
	}
	dir := filepath.Dir(path)
	if src.Scenario != nil {
		var data []error
		extra, data = withDataFiles(extra, src.Scenario.DataFiles())
		errs = append(errs, data...)
	}
	for _, rel := range extra {
		f, err := readExtra(dir, rel, &budget)
		errs = append(errs, err)
		if err == nil {
			src.Files = append(src.Files, f)
		}
	}
	errs = append(errs, duplicateKeys(src.Files))
	src.Vars = sortedKeys(seen)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := errors.Join(literalSecrets(src.Files[0]), inlinedSecrets(src.Files)); err != nil {
		return nil, err
	}
	return src, nil
}

// withDataFiles adds the datasets and traces the scenario names to the
// files the pod needs, each once: a pod reads them where the scenario
// does, relative to its directory, so one outside it cannot go along.
func withDataFiles(extra, data []string) ([]string, []error) {
	out := slices.Clone(extra)
	var errs []error
	for _, f := range data {
		switch {
		case !filepath.IsLocal(filepath.Clean(f)):
			errs = append(errs, fmt.Errorf("%q: the scenario reads this file outside its directory, where the pod cannot see it: "+
				"put it below the scenario's directory and name it relative to it", f))
		case !slices.Contains(out, f):
			out = append(out, f)
		}
	}
	return out, errs
}

// readExtra reads one file the scenario reads; it must lie below the
// scenario's directory, since the pod sees it at the same relative path.
func readExtra(dir, rel string, budget *int) (File, error) {
	clean := filepath.Clean(rel)
	if !filepath.IsLocal(clean) {
		return File{}, fmt.Errorf("--file %q: give the path as the scenario writes it, relative to its directory and below it", rel)
	}
	return readFile(filepath.Join(dir, clean), filepath.ToSlash(clean), budget)
}

// readFile reads a file into the ConfigMap's budget; a file that does not
// fit is an error that says so, and is never read whole.
func readFile(path, rel string, budget *int) (File, error) {
	key := configMapKey(rel)
	if msgs := validation.IsConfigMapKey(key); msgs != nil {
		return File{}, fmt.Errorf("%s: Kubernetes cannot hold it under the key %q (%s): rename it", path, key, strings.Join(msgs, "; "))
	}
	f, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("read %s: %w", rel, err)
	}
	defer f.Close()
	room := *budget - len(key)
	data, err := io.ReadAll(io.LimitReader(f, int64(room)+1))
	if err != nil {
		return File{}, fmt.Errorf("read %s: %w", rel, err)
	}
	if len(data) > room {
		return File{}, fmt.Errorf("%s does not fit in the ConfigMap: Kubernetes holds at most %d bytes in one, and %d are left for it; "+
			"put it into the image or a volume instead", path, MaxConfigMapBytes, max(room, 0))
	}
	*budget -= len(key) + len(data)
	return File{Path: rel, Key: key, From: path, Data: data}, nil
}

// configMapKey maps a relative path to a ConfigMap key: characters a key
// cannot hold ("/" among them) become "_". The volume's items put each key
// back at its path.
func configMapKey(rel string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '.' || r == '_' || r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, rel)
}

// duplicateKeys reports files that would share a ConfigMap key.
func duplicateKeys(files []File) error {
	var errs []error
	byKey := map[string]string{}
	for _, f := range files {
		if prev, ok := byKey[f.Key]; ok {
			errs = append(errs, fmt.Errorf("--file %q: it would share the ConfigMap key %q with %q: rename one of them", f.Path, f.Key, prev))
			continue
		}
		byKey[f.Key] = f.Path
	}
	return errors.Join(errs...)
}

// secretFields are the scenario fields servebench treats as secret (the
// API key, header values, server.secrets values, a URL's password), read
// from the file as written, before any ${VAR} expansion.
type secretFields struct {
	API struct {
		APIKey  string            `yaml:"api_key"`
		Headers map[string]string `yaml:"headers"`
	} `yaml:"api"`
	Server struct {
		URL     string            `yaml:"url"`
		Env     map[string]string `yaml:"env"`
		Secrets []string          `yaml:"secrets"`
	} `yaml:"server"`
}

// literalSecrets refuses secret fields written in clear: the ConfigMap
// carries the file as written, and anyone allowed to read ConfigMaps could
// read them. A field that references a variable (api_key: ${KEY},
// "Bearer ${TOKEN}") is fine: the pod reads the value from the Secret.
func literalSecrets(f File) error {
	var sf secretFields
	if err := yaml.UnmarshalWithOptions(f.Data, &sf, yaml.AllowDuplicateMapKey()); err != nil {
		return nil // the loader has reported it
	}
	var fields []string
	if inClear(sf.API.APIKey) {
		fields = append(fields, "api.api_key")
	}
	for _, k := range slices.Sorted(maps.Keys(sf.API.Headers)) {
		if inClear(sf.API.Headers[k]) {
			fields = append(fields, "api.headers."+k)
		}
	}
	for _, k := range sf.Server.Secrets {
		if inClear(sf.Server.Env[k]) {
			fields = append(fields, "server.env."+k)
		}
	}
	if u, err := url.Parse(sf.Server.URL); err == nil && u.User != nil && !references(sf.Server.URL) {
		if _, ok := u.User.Password(); ok {
			fields = append(fields, "the password of server.url")
		}
	}
	if fields == nil {
		return nil
	}
	return fmt.Errorf("%s: secret fields written in clear (%s): the ConfigMap would carry them to anyone who may read ConfigMaps; "+
		"write ${NAME} instead and put the values into the Kubernetes Secret", f.From, strings.Join(fields, ", "))
}

// inClear reports a non-empty value that references no variable.
func inClear(v string) bool { return v != "" && !references(v) }

// references reports whether v holds a ${...} reference ($$ is a literal $).
func references(v string) bool {
	return strings.Contains(strings.ReplaceAll(v, "$$", ""), "${")
}

// inlinedSecrets refuses text that the redaction funnel would hide (a
// "Bearer ..." token, an "sk-..." key, a registered secret) anywhere in the
// files, comments and data files included: the manifests must carry no
// credential, and a hidden one would silently change the file.
func inlinedSecrets(files []File) error {
	var errs []error
	for _, f := range files {
		if !utf8.Valid(f.Data) {
			continue // binary data is not text the funnel can judge
		}
		for i, line := range strings.Split(string(f.Data), "\n") {
			if redact.String(line) != line {
				errs = append(errs, fmt.Errorf("%s:%d: holds what looks like a credential (a bearer token, an API key) "+
					"that the ConfigMap would carry in clear: write ${NAME} there and put the value into the Kubernetes Secret", f.From, i+1))
				break
			}
		}
	}
	return errors.Join(errs...)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
