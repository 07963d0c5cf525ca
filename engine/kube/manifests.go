package kube

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"unicode/utf8"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// containerName is the name of the one container of every shard.
const containerName = "servebench"

// uid is the non-root user (and group) the image and the pods run as, the
// "nonroot" user of distroless images.
const uid = 65532

// Manifests are the objects `kubectl apply` creates, in the order they are
// printed: the ConfigMap and the Service exist before the Job's pods start.
type Manifests struct {
	ConfigMap *corev1.ConfigMap
	Service   *corev1.Service
	Job       *batchv1.Job
	// Notes are things the user must know that no manifest can say (where
	// the results go, which Secret keys are read); one sentence each.
	Notes []string
}

// Build makes the manifests for src and opts. Options are validated here
// too, with the name derived from the scenario when none is given.
func Build(src *Source, opts Options) (*Manifests, error) {
	if opts.Name == "" {
		// DeriveName's result is valid by construction; Validate checks it anyway.
		if opts.Name = DeriveName(src.Scenario.Name, opts.Shards); opts.Name == "" {
			return nil, fmt.Errorf("the scenario name %q leaves nothing to name the Job after: give --name", src.Scenario.Name)
		}
	}
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.Secret == "" {
		opts.Secret = opts.Name + "-secrets"
	}
	m := &Manifests{
		ConfigMap: configMap(src, opts),
		Service:   service(opts),
		Job:       job(src, opts),
	}
	m.Notes = notes(src, opts)
	return m, nil
}

// labels select the pods of one benchmark: the Service's selector and the
// pod template carry them.
func labels(opts Options) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     "servebench",
		"app.kubernetes.io/instance": opts.Name,
	}
}

func objectMeta(name string, opts Options) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: opts.Namespace, Labels: labels(opts)}
}

func configMapName(opts Options) string { return opts.Name + "-scenario" }

// configMap holds the scenario and the files it reads; text goes into data
// (readable with kubectl describe), anything else into binaryData.
func configMap(src *Source, opts Options) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: objectMeta(configMapName(opts), opts),
	}
	for _, f := range src.Files {
		if utf8.Valid(f.Data) {
			if cm.Data == nil {
				cm.Data = map[string]string{}
			}
			cm.Data[f.Key] = string(f.Data)
			continue
		}
		if cm.BinaryData == nil {
			cm.BinaryData = map[string][]byte{}
		}
		cm.BinaryData[f.Key] = f.Data
	}
	return cm
}

// service is headless: it only gives each pod of the Job a DNS name,
// NAME-INDEX.NAME, which is how the shards find shard 0. Addresses are
// published before a pod is ready, so the others can resolve shard 0 while it
// is still starting (they retry connecting, not resolving).
func service(opts Options) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: objectMeta(opts.Name, opts),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 labels(opts),
			PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{{
				Name:       "rendezvous",
				Protocol:   corev1.ProtocolTCP,
				Port:       int32(opts.Port),
				TargetPort: intstr.FromInt32(int32(opts.Port)),
			}},
		},
	}
}

// job runs one pod per shard, each told its index by Kubernetes
// (JOB_COMPLETION_INDEX). backoffLimit 0: a failed shard fails the whole
// Job at once instead of re-running a benchmark, so `kubectl wait` gates CI.
func job(src *Source, opts Options) *batchv1.Job {
	n := int32(opts.Shards)
	mode := batchv1.IndexedCompletion
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: objectMeta(opts.Name, opts),
		Spec: batchv1.JobSpec{
			CompletionMode: &mode,
			Completions:    &n,
			Parallelism:    &n,
			BackoffLimit:   ptr(int32(0)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels(opts)},
				Spec:       podSpec(src, opts),
			},
		},
	}
}

// podSpec is one shard: servebench alone, non-root, read-only root file
// system, no service-account token (it never calls the Kubernetes API); it
// meets the "restricted" Pod Security Standard.
func podSpec(src *Source, opts Options) corev1.PodSpec {
	return corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		Subdomain:                    opts.Name,
		AutomountServiceAccountToken: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:   ptr(true),
			RunAsUser:      ptr(int64(uid)),
			RunAsGroup:     ptr(int64(uid)),
			FSGroup:        ptr(int64(uid)), // a PVC becomes writable for the user
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{container(src, opts)},
		Volumes:    volumes(src, opts),
	}
}

func container(src *Source, opts Options) corev1.Container {
	cpu, mem := resource.MustParse(opts.CPU), resource.MustParse(opts.Memory) // Validate parsed them
	both := corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}
	return corev1.Container{
		Name:      containerName,
		Image:     opts.Image,
		Args:      args(src, opts),
		Ports:     []corev1.ContainerPort{{Name: "rendezvous", ContainerPort: int32(opts.Port), Protocol: corev1.ProtocolTCP}},
		Env:       env(src, opts),
		Resources: corev1.ResourceRequirements{Requests: both, Limits: both},
		VolumeMounts: []corev1.VolumeMount{
			{Name: "scenario", MountPath: ScenarioDir, ReadOnly: true},
			{Name: "results", MountPath: ResultsDir},
			{Name: "tmp", MountPath: "/tmp"},
		},
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			ReadOnlyRootFilesystem:   ptr(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
}

// args is the shard's command line. The shard index is not in it: the Job
// sets JOB_COMPLETION_INDEX in each pod. Shard 0 is reached at its pod
// hostname through the headless Service.
func args(src *Source, opts Options) []string {
	return []string{
		"run",
		"--shards", strconv.Itoa(opts.Shards),
		"--rendezvous", opts.Name + "-0." + opts.Name + ":" + strconv.Itoa(opts.Port),
		"--results-dir", ResultsDir,
		path.Join(ScenarioDir, src.Files[0].Path),
	}
}

// TokenEnv is the variable the shards read the rendezvous token from.
const TokenEnv = "SERVEBENCH_RENDEZVOUS_TOKEN"

// env passes every variable the scenario references from the Secret, key =
// variable name; a value is never written into a manifest. optional: a
// missing key leaves the variable unset, so ${NAME:-default} takes its
// default, and a reference without one fails `servebench run` at once with
// exit 2 and the variable's name, rather than a pod that never starts.
//
// The rendezvous token comes from the same Secret (key
// SERVEBENCH_RENDEZVOUS_TOKEN) when it holds one: a pod that can reach
// port 7077 but not the Secret cannot join the run.
func env(src *Source, opts Options) []corev1.EnvVar {
	var out []corev1.EnvVar
	names := append(slices.Clone(src.Vars), TokenEnv)
	for _, name := range names {
		out = append(out, corev1.EnvVar{
			Name: name,
			ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: opts.Secret},
				Key:                  name,
				Optional:             ptr(true),
			}},
		})
	}
	return out
}

// volumes: the scenario files at their relative paths, the results, and a
// writable /tmp (the root file system is read-only).
func volumes(src *Source, opts Options) []corev1.Volume {
	items := make([]corev1.KeyToPath, 0, len(src.Files))
	for _, f := range src.Files {
		items = append(items, corev1.KeyToPath{Key: f.Key, Path: f.Path})
	}
	results := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	if opts.ResultsSize != "" {
		results.EmptyDir.SizeLimit = ptr(resource.MustParse(opts.ResultsSize))
	}
	if opts.ResultsPVC != "" {
		results = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: opts.ResultsPVC}}
	}
	return []corev1.Volume{
		{Name: "scenario", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: configMapName(opts)},
			Items:                items,
		}}},
		{Name: "results", VolumeSource: results},
		{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
	}
}

func ptr[T any](v T) *T { return &v }
