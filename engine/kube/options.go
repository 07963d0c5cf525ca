// Package kube builds the Kubernetes manifests that run a scenario as N
// shards of an Indexed Job: a ConfigMap holding the scenario file (and the
// small files it reads), a headless Service that gives the pod of index 0 a
// stable name for the rendezvous, and the Job itself. The objects are
// k8s.io/api types rendered through their JSON tags, never string templates,
// so a field that Kubernetes would reject cannot be misspelt here.
//
// The package imports schema and no other part of the engine: it describes
// how to start `servebench run` in a cluster and runs nothing itself.
package kube

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/servebench/servebench/engine/shard"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Defaults of Options (DefaultOptions); the command's flags start from them.
const (
	// DefaultPort is the rendezvous port shard 0 listens on; `servebench run
	// --rendezvous` uses the same default.
	DefaultPort = 7077
	// DefaultCPU is the CPU request and limit of every shard. Requests equal
	// to limits (with whole CPUs) give the pod the Guaranteed QoS class, so
	// the load generator is neither throttled below what it asked for nor
	// the first to be evicted, and its latencies do not depend on neighbours.
	DefaultCPU = "2"
	// DefaultMemory is the memory request and limit of every shard.
	DefaultMemory = "1Gi"
	// MaxShards is the rendezvous's bound (shard.MaxShards): shard 0 holds
	// a connection and, while merging, a file per shard. Kubernetes' own
	// bound on an Indexed Job (100000) is higher.
	MaxShards = shard.MaxShards
)

// Paths inside the pod.
const (
	// ScenarioDir is where the ConfigMap is mounted, read-only.
	ScenarioDir = "/scenario"
	// ResultsDir is where the results volume is mounted; `servebench run
	// --results-dir` points there.
	ResultsDir = "/results"
)

// Options are the settings of `servebench kube` besides the scenario. Start
// from DefaultOptions: a zero value is invalid, never silently defaulted.
// Validate reports every invalid field.
type Options struct {
	// Shards is the number of pods (completions = parallelism); required, >= 1.
	Shards int
	// Image is the container image holding servebench; required.
	Image string
	// Name of the Job and the Service; default: the scenario name made
	// DNS-1035 safe. A name given here must already be valid.
	Name string
	// Namespace of every object; empty leaves it to kubectl's context.
	Namespace string
	// CPU and Memory are both the request and the limit of each shard
	// (Kubernetes quantities such as 2 or 1Gi).
	CPU, Memory string
	// Secret names the Kubernetes Secret the scenario's ${VAR} references
	// are read from; default <name>-secrets.
	Secret string
	// Port is the rendezvous port.
	Port int
	// ResultsSize bounds the default emptyDir results volume (empty: no bound).
	ResultsSize string
	// ResultsPVC mounts this PersistentVolumeClaim as the results volume
	// instead of an emptyDir.
	ResultsPVC string
}

// DefaultOptions are the options with every default set; Shards and Image
// have none.
func DefaultOptions() Options {
	return Options{CPU: DefaultCPU, Memory: DefaultMemory, Port: DefaultPort}
}

// Validate reports every invalid option at once, each naming the flag, the
// value and what would be valid. An empty name is left to Build, which
// derives it from the scenario.
func (o Options) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch {
	case o.Shards < 1:
		bad("--shards %d: give the number of pods, at least 1", o.Shards)
	case o.Shards > MaxShards:
		bad("--shards %d: a sharded run has at most %d shards", o.Shards, MaxShards)
	}
	if o.Name != "" {
		errs = append(errs, checkName(o.Name, o.Shards))
	}
	if msg := imageProblem(o.Image); msg != "" {
		bad("--image %q: %s", o.Image, msg)
	}
	if o.Namespace != "" {
		if msgs := validation.IsDNS1123Label(o.Namespace); msgs != nil {
			bad("--namespace %q: %s", o.Namespace, strings.Join(msgs, "; "))
		}
	}
	if o.Secret != "" {
		if msgs := validation.IsDNS1123Subdomain(o.Secret); msgs != nil {
			bad("--secret %q: %s", o.Secret, strings.Join(msgs, "; "))
		}
	}
	if o.Port < 1 || o.Port > 65535 {
		bad("--port %d: use a TCP port from 1 to 65535", o.Port)
	}
	errs = append(errs, quantityProblem("--cpu", o.CPU), quantityProblem("--memory", o.Memory))
	if o.ResultsSize != "" {
		errs = append(errs, quantityProblem("--results-size", o.ResultsSize))
	}
	if o.ResultsPVC != "" {
		if msgs := validation.IsDNS1123Subdomain(o.ResultsPVC); msgs != nil {
			bad("--results-pvc %q: %s", o.ResultsPVC, strings.Join(msgs, "; "))
		}
		if o.ResultsSize != "" {
			bad("--results-size sizes the emptyDir results volume and --results-pvc replaces it: give one of them")
		}
	}
	return errors.Join(errs...)
}

// imageProblem says what is wrong with an image reference, or "". The
// registry's grammar is left to the container runtime; this catches what
// would otherwise surface only as a pod stuck in ErrImagePull.
func imageProblem(image string) string {
	switch {
	case image == "":
		return "name the container image holding servebench (see the Dockerfile), e.g. registry.example.com/servebench:1.0"
	case strings.ContainsFunc(image, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "an image reference has no spaces or control characters"
	}
	return ""
}

// quantityProblem checks a positive Kubernetes quantity such as 500m or 2Gi.
func quantityProblem(flag, value string) error {
	q, err := resource.ParseQuantity(value)
	if err != nil {
		return fmt.Errorf("%s %q: not a Kubernetes quantity: use e.g. 2, 500m, 512Mi or 4Gi", flag, value)
	}
	if q.Sign() <= 0 {
		return fmt.Errorf("%s %q: must be more than zero", flag, value)
	}
	return nil
}

// maxNameLen is the longest Job name whose pod hostnames (NAME-INDEX) are
// still DNS labels for every index below shards.
func maxNameLen(shards int) int {
	return validation.DNS1035LabelMaxLength - 1 - len(strconv.Itoa(max(shards-1, 0)))
}

// checkName reports why name cannot name the Job and the Service: both
// become DNS names (the Service a DNS-1035 label, the pods NAME-INDEX). The
// length depends on a valid shard count and is checked only with one.
func checkName(name string, shards int) error {
	if msgs := validation.IsDNS1035Label(name); msgs != nil {
		return fmt.Errorf("--name %q: %s", name, strings.Join(msgs, "; "))
	}
	if n := maxNameLen(shards); shards >= 1 && shards <= MaxShards && len(name) > n {
		return fmt.Errorf("--name %q: at most %d characters with %d shards, so that the pod hostnames %s-0 to %s-%d stay DNS labels",
			name, n, shards, name, name, shards-1)
	}
	return nil
}

// DeriveName makes a scenario name DNS-1035 safe: lower case, runs of other
// characters become one "-", it starts with a letter, and it is cut to the
// longest name the shard count allows. It returns "" when nothing usable is
// left (a scenario named "42"), and the caller asks for --name.
func DeriveName(scenario string, shards int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(scenario) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9' && b.Len() > 0:
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := b.String()
	if n := maxNameLen(shards); len(s) > n {
		s = s[:n]
	}
	return strings.TrimRight(s, "-")
}
