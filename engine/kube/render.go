package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/servebench/servebench/schema/redact"
	"sigs.k8s.io/yaml"
)

// YAML renders the manifests as one YAML stream, documents separated by
// "---", in the order kubectl should create them. Each object is rendered
// through its JSON tags (as kubectl itself would send it), with keys sorted,
// so the output is stable; the status the API server fills in is left out.
// It fails when the stream would carry a value the redaction funnel hides:
// a manifest must never hold a secret.
func (m *Manifests) YAML() ([]byte, error) {
	var buf bytes.Buffer
	for i, obj := range []any{m.ConfigMap, m.Service, m.Job} {
		doc, err := document(obj)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(doc)
	}
	out := buf.Bytes()
	if !bytes.Equal(redact.Bytes(out), out) {
		return nil, errors.New("the manifests would carry what looks like a credential in clear; nothing was printed")
	}
	return out, nil
}

// document renders one object without its status: a status the client
// sends is ignored by the API server and only adds noise ("status: {}").
func document(obj any) ([]byte, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("render manifest: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var fields map[string]any
	if err := dec.Decode(&fields); err != nil {
		return nil, fmt.Errorf("render manifest: %w", err)
	}
	delete(fields, "status")
	return yaml.Marshal(fields)
}

// notes say what the manifests cannot: where results go, which Secret keys
// are read, and when plain `kubectl apply` is not enough.
func notes(src *Source, opts Options) []string {
	var out []string
	ns := ""
	if opts.Namespace != "" {
		ns = " -n " + opts.Namespace
	}
	if opts.ResultsPVC == "" {
		out = append(out, fmt.Sprintf("results go to an emptyDir volume, which cannot be copied out of a finished pod and is deleted with it: "+
			"read the merged report in the log of shard 0 (kubectl logs%s -l batch.kubernetes.io/job-completion-index=0,app.kubernetes.io/instance=%s --tail=-1), "+
			"or keep run.json and every report with --results-pvc CLAIM", ns, opts.Name))
	} else {
		out = append(out, fmt.Sprintf("every shard mounts the claim %q at %s and shard 0 writes the merged run there: "+
			"it must be ReadWriteMany, or ReadWriteOnce with all shards on one node", opts.ResultsPVC, ResultsDir))
	}
	if len(src.Vars) > 0 {
		var lits []string
		for _, v := range src.Vars {
			lits = append(lits, "--from-literal="+v+"=...")
		}
		out = append(out, fmt.Sprintf("the pods read %s from the Secret %q; create it first: kubectl create secret generic %s%s %s",
			strings.Join(src.Vars, ", "), opts.Secret, opts.Secret, ns, strings.Join(lits, " ")))
	}
	if n := configMapSize(src, opts); n > clientApplyLimit {
		out = append(out, fmt.Sprintf("the ConfigMap is %d bytes, more than the %d that plain kubectl apply keeps in its last-applied annotation: "+
			"apply with kubectl apply --server-side -f -", n, clientApplyLimit))
	}
	return out
}

// configMapSize is the size of the ConfigMap as kubectl sends it.
func configMapSize(src *Source, opts Options) int {
	j, err := json.Marshal(configMap(src, opts))
	if err != nil {
		return 0
	}
	return len(j)
}
