package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// workloadKinds are the kinds whose pods the API server admits or denies.
var workloadKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "ReplicationController": true, "Job": true, "CronJob": true, "Pod": true}

// notServed are left out of the corpus apply: nothing serves them here.
var notServed = map[string]bool{"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true, "APIService": true}

type render struct {
	name, file string
	index      int
	namespace  string // helm template --namespace
	objs       []*unstructured.Unstructured
	hostLevel  map[string]bool // workloads the tool reports as host-level
	exempt     map[string]bool
	verifyFail map[string]string // workloads --verify does not pass, with why
}

// key names a workload by kind, namespace (as applied) and name.
func key(kind, ns, name string) string { return kind + " " + ns + "/" + name }

// appliedNS maps a namespace of render i to the namespace it is applied in:
// every render gets namespaces of its own, so renders of one chart (and
// charts that share kube-system or monitoring) never meet.
func appliedNS(i int, ns string) string {
	s := fmt.Sprintf("c%02d-%s", i, ns)
	if len(s) > 63 {
		s = strings.TrimRight(s[:63], "-")
	}
	return s
}

func corpusDir(t *testing.T) []string {
	dir := os.Getenv("CHARTSEC_CORPUS")
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no corpus at %s: CI must run the corpus tests", dir)
		}
		t.Skipf("no corpus at %s", dir)
	}
	return files
}

// renderNamespaces reads each render's --namespace from MANIFEST.tsv.
func renderNamespaces(t *testing.T, dir string) map[string]string {
	data, err := os.ReadFile(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`--namespace[= ](\S+)`)
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if m := re.FindStringSubmatch(cols[len(cols)-1]); m != nil {
			out[cols[0]] = m[1]
		}
	}
	return out
}

// harden runs the built binary over a render with the default config.
func harden(t *testing.T, in []byte, args ...string) (stdout []byte, report []byte, code int) {
	t.Helper()
	rf := filepath.Join(t.TempDir(), "report.json")
	cmd := exec.Command(binary, append(args, "--report=json", "--report-file="+rf, "-q")...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s: %v", binary, err)
	}
	report, _ = os.ReadFile(rf)
	return out.Bytes(), report, code
}

type jsonReport struct {
	Findings []struct {
		ID, Control, Severity, Kind, Name, Namespace, Message string
	}
}

// TestCorpusOnAPIServer applies every corpus render, hardened with the
// default configuration, to the control plane, into namespaces that enforce
// Pod Security "restricted", and holds the tool to what the API server says:
// no object refused, every workload the tool does not report as host-level
// or exempt admitted and given its pods, the denied ones exactly those, and
// --verify's verdict the API server's. Then every generated NetworkPolicy and
// PodDisruptionBudget must select exactly its own workload's pods.
func TestCorpusOnAPIServer(t *testing.T) {
	files := corpusDir(t)
	nsOf := renderNamespaces(t, filepath.Dir(files[0]))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	applier, err := NewApplier(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cp.Config)

	var renders []*render
	for i, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r := &render{name: name, file: f, index: i, namespace: nsOf[name], hostLevel: map[string]bool{},
			exempt: map[string]bool{}, verifyFail: map[string]string{}}
		if r.namespace == "" {
			r.namespace = "default"
		}
		out, _, code := harden(t, in)
		if code != 0 {
			t.Fatalf("%s: chartsec-harden exited %d", name, code)
		}
		if r.objs, err = Decode(out); err != nil {
			t.Fatalf("%s: the hardened output does not decode as kubectl reads it: %v", name, err)
		}
		_, rep, code := harden(t, in, "--verify")
		var jr jsonReport
		if err := json.Unmarshal(rep, &jr); err != nil || code > 1 {
			t.Fatalf("%s: --verify exited %d, report %q: %v", name, code, rep, err)
		}
		for _, f := range jr.Findings {
			ns := f.Namespace
			if ns == "" {
				ns = r.namespace
			}
			k := key(f.Kind, appliedNS(i, ns), f.Name)
			switch {
			case f.ID == "podSecurity.hostLevel":
				r.hostLevel[k] = true
			case strings.HasPrefix(f.ID, "exemption."):
				r.exempt[k] = true
			}
			if f.Control == "podSecurityStandards" {
				r.verifyFail[k] = f.Message
			}
		}
		renders = append(renders, r)
	}

	// CRDs first, each once (renders of one chart share them).
	crds := map[string]*unstructured.Unstructured{}
	var crdNames []string
	for _, r := range renders {
		for _, o := range r.objs {
			if o.GetKind() == "CustomResourceDefinition" {
				if crds[o.GetName()] == nil {
					crdNames = append(crdNames, o.GetName())
				}
				crds[o.GetName()] = o
			}
		}
	}
	for _, n := range crdNames {
		if res := applier.Apply(ctx, crds[n], ""); res.Err != nil {
			t.Errorf("CRD %s refused: %v", n, res.Err)
		}
	}
	if err := WaitEstablished(ctx, dyn, crdNames, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	applier.ResetMapping()

	// Every namespace a render names, mapped, labelled to enforce restricted.
	var objs []*unstructured.Unstructured
	owner := map[*unstructured.Unstructured]*render{}
	namespaces := map[string]bool{}
	left := map[string]int{}
	for _, r := range renders {
		namespaces[appliedNS(r.index, r.namespace)] = true
		for _, o := range r.objs {
			kind := o.GetKind()
			if kind == "CustomResourceDefinition" || notServed[kind] {
				left[kind]++
				continue
			}
			if kind == "Namespace" {
				o.SetName(appliedNS(r.index, o.GetName()))
				namespaces[o.GetName()] = true
				continue
			}
			m, err := applier.Mapping(o.GroupVersionKind())
			if err != nil {
				t.Errorf("%s: %s %s: the API serves no such kind: %v", r.name, o.GetAPIVersion()+"/"+kind, o.GetName(), err)
				continue
			}
			if m.Scope.Name() == meta.RESTScopeNameNamespace {
				ns := o.GetNamespace()
				if ns == "" {
					ns = r.namespace
				}
				o.SetNamespace(appliedNS(r.index, ns))
				namespaces[o.GetNamespace()] = true
			}
			if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
				subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
				for _, s := range subjects {
					if sm, ok := s.(map[string]any); ok {
						if ns, ok := sm["namespace"].(string); ok && ns != "" {
							sm["namespace"] = appliedNS(r.index, ns)
						}
					}
				}
				_ = unstructured.SetNestedSlice(o.Object, subjects, "subjects")
			}
			objs = append(objs, o)
			owner[o] = r
		}
	}
	t.Logf("left out (nothing serves them here, or applied first): %v", left)
	for ns := range namespaces {
		if err := cp.Namespace(ctx, ns, "restricted"); err != nil {
			t.Fatal(err)
		}
	}

	SortForInstall(objs)
	t0 := time.Now()
	results := applier.ApplyAll(ctx, objs)
	// The renders' cluster-wide objects would collide with the Helm tests'
	// releases of the same charts: delete them afterwards.
	t.Cleanup(func() {
		var cluster []*unstructured.Unstructured
		for _, res := range results {
			if res.Err == nil && res.Object.GetNamespace() == "" {
				cluster = append(cluster, res.Object)
			}
		}
		for _, n := range crdNames {
			cluster = append(cluster, crds[n])
		}
		if err := applier.DeleteAll(context.Background(), cluster, 2*time.Minute); err != nil {
			t.Error(err)
		}
	})
	t.Logf("applied %d objects of %d renders in %.1fs", len(objs), len(renders), time.Since(t0).Seconds())

	denied := map[string][]string{} // workload -> why the API server denied it
	for _, res := range results {
		o := res.Object
		k := key(o.GetKind(), o.GetNamespace(), o.GetName())
		for _, w := range res.Warnings {
			if strings.Contains(w, "PodSecurity") {
				denied[k] = append(denied[k], "warning on apply: "+w)
			}
		}
		if res.Err != nil {
			if o.GetKind() == "Pod" && strings.Contains(res.Err.Error(), "violates PodSecurity") {
				denied[k] = append(denied[k], "refused: "+res.Err.Error())
				continue
			}
			t.Errorf("%s: %s refused: %v", owner[o].name, k, res.Err)
		}
	}

	// A CronJob's pods exist only on schedule: run each once, as
	// `kubectl create job --from=cronjob/NAME` does.
	for _, o := range objs {
		if o.GetKind() != "CronJob" {
			continue
		}
		live, err := dyn.Resource(schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "cronjobs"}).
			Namespace(o.GetNamespace()).Get(ctx, o.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Errorf("%s: CronJob %s: %v", owner[o].name, o.GetName(), err)
			continue
		}
		job := cronJobRun(live)
		res := applier.Apply(ctx, job, "")
		if res.Err != nil {
			t.Errorf("%s: job from CronJob %s refused: %v", owner[o].name, o.GetName(), res.Err)
		}
	}

	workloads := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		if workloadKinds[o.GetKind()] {
			workloads[key(o.GetKind(), o.GetNamespace(), o.GetName())] = o
		}
	}
	state := waitSettled(ctx, t, dyn, workloads, denied, 3*time.Minute)

	var admitted, deniedN int
	for _, r := range renders {
		for _, o := range r.objs {
			if !workloadKinds[o.GetKind()] || owner[o] == nil {
				continue
			}
			k := key(o.GetKind(), o.GetNamespace(), o.GetName())
			why, isDenied := state.denied[k]
			_, verifyFails := r.verifyFail[k]
			expected := r.hostLevel[k] || r.exempt[k]
			switch {
			case isDenied && !expected:
				t.Errorf("%s: %s is not reported host-level or exempt, but the API server denies it: %s", r.name, k, strings.Join(why, "; "))
			case !isDenied && expected:
				t.Errorf("%s: %s is reported host-level or exempt, but the API server admits it", r.name, k)
			}
			if isDenied != verifyFails {
				t.Errorf("%s: %s: --verify says fail=%v (%s), the API server says denied=%v (%s)", r.name, k,
					verifyFails, r.verifyFail[k], isDenied, strings.Join(why, "; "))
			}
			if isDenied {
				deniedN++
				continue
			}
			admitted++
			if state.expectsPods(o) && len(state.pods[k]) == 0 && state.created[k] == 0 {
				t.Errorf("%s: %s is admitted but has no pods", r.name, k)
			}
		}
	}
	t.Logf("workloads admitted: %d, denied (all reported host-level): %d", admitted, deniedN)

	t.Run("companions select their own workload's pods", func(t *testing.T) {
		checkCompanions(ctx, t, renders, owner, state)
	})
}

// cronJobRun is the Job `kubectl create job --from=cronjob/NAME` makes:
// owned by the CronJob, so its pods count as the CronJob's.
func cronJobRun(cron *unstructured.Unstructured) *unstructured.Unstructured {
	spec, _, _ := unstructured.NestedMap(cron.Object, "spec", "jobTemplate", "spec")
	job := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "batch/v1", "kind": "Job", "spec": spec}}
	job.SetName(cron.GetName() + "-e2e-run")
	job.SetNamespace(cron.GetNamespace())
	job.SetAnnotations(map[string]string{"cronjob.kubernetes.io/instantiate": "manual"})
	controller := true
	job.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cron.GetName(),
		UID: cron.GetUID(), Controller: &controller}})
	return job
}

// clusterState is what the API server holds once the workloads settled.
type clusterState struct {
	pods map[string][]corev1.Pod // workload -> its pods
	// created counts the pods the API server admitted for a workload, by
	// its controllers' SuccessfulCreate events: a finished Job with
	// ttlSecondsAfterFinished: 0 is gone with its pods, its events stay.
	created map[string]int
	denied  map[string][]string // workload -> why denied
	ds      map[string]int64    // DaemonSet -> desiredNumberScheduled
}

// expectsPods says whether a workload should have pods by now.
func (s *clusterState) expectsPods(o *unstructured.Unstructured) bool {
	switch o.GetKind() {
	case "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController":
		n, found, _ := unstructured.NestedInt64(o.Object, "spec", "replicas")
		return !found || n > 0
	case "DaemonSet":
		return s.ds[key(o.GetKind(), o.GetNamespace(), o.GetName())] > 0
	}
	return true
}

// waitSettled waits until every workload has pods or was denied, then
// returns pods by workload and the denials (FailedCreate events for
// PodSecurity added to those found on apply).
func waitSettled(ctx context.Context, t *testing.T, dyn dynamic.Interface, workloads map[string]*unstructured.Unstructured,
	onApply map[string][]string, limit time.Duration) *clusterState {
	deadline := time.Now().Add(limit)
	for {
		s := snapshot(ctx, t, dyn, onApply)
		var waiting []string
		for k, o := range workloads {
			if len(s.pods[k]) == 0 && s.created[k] == 0 && len(s.denied[k]) == 0 && s.expectsPods(o) {
				waiting = append(waiting, k)
			}
		}
		if len(waiting) == 0 || time.Now().After(deadline) {
			sort.Strings(waiting)
			if len(waiting) > 0 {
				t.Logf("still without pods after %s: %v", limit, waiting)
			}
			return s
		}
		time.Sleep(2 * time.Second)
	}
}

func snapshot(ctx context.Context, t *testing.T, dyn dynamic.Interface, onApply map[string][]string) *clusterState {
	s := &clusterState{pods: map[string][]corev1.Pod{}, denied: map[string][]string{}, ds: map[string]int64{}, created: map[string]int{}}
	for k, v := range onApply {
		s.denied[k] = append(s.denied[k], v...)
	}
	// owners of ReplicaSets and Jobs, so pods and events resolve to the
	// workload the chart wrote.
	parent := map[string]string{}
	for _, gvr := range []schema.GroupVersionResource{
		{Group: "apps", Version: "v1", Resource: "replicasets"},
		{Group: "batch", Version: "v1", Resource: "jobs"},
		{Group: "apps", Version: "v1", Resource: "daemonsets"},
	} {
		list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Items {
			k := key(o.GetKind(), o.GetNamespace(), o.GetName())
			if o.GetKind() == "DaemonSet" {
				s.ds[k], _, _ = unstructured.NestedInt64(o.Object, "status", "desiredNumberScheduled")
			}
			for _, ref := range o.GetOwnerReferences() {
				if ref.Controller != nil && *ref.Controller {
					parent[k] = key(ref.Kind, o.GetNamespace(), ref.Name)
				}
			}
		}
	}
	top := func(k string) string {
		for parent[k] != "" {
			k = parent[k]
		}
		return k
	}
	pods, err := cp.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		k := key("Pod", p.Namespace, p.Name)
		if ref := metav1.GetControllerOf(&p); ref != nil {
			k = key(ref.Kind, p.Namespace, ref.Name)
		}
		s.pods[top(k)] = append(s.pods[top(k)], p)
	}
	events, err := cp.Client.CoreV1().Events("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod") {
			s.created[top(key(e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name))]++
		}
		if e.Reason == "FailedCreate" && strings.Contains(e.Message, "PodSecurity") {
			k := top(key(e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name))
			s.denied[k] = append(s.denied[k], "FailedCreate: "+e.Message)
		}
	}
	return s
}

// checkCompanions holds every generated NetworkPolicy and PodDisruptionBudget
// to its workload: its selector, evaluated by the API server, matches every
// pod of the workload it follows in the stream and no pod of another.
func checkCompanions(ctx context.Context, t *testing.T, renders []*render, owner map[*unstructured.Unstructured]*render, s *clusterState) {
	podOwner := map[string]string{} // namespace/pod -> workload
	for w, pods := range s.pods {
		for _, p := range pods {
			podOwner[p.Namespace+"/"+p.Name] = w
		}
	}
	var netpols, pdbs int
	for _, r := range renders {
		var last *unstructured.Unstructured // the workload the companion follows
		for _, o := range r.objs {
			if owner[o] == nil {
				continue
			}
			if workloadKinds[o.GetKind()] {
				last = o
				continue
			}
			if o.GetLabels()["chartsec.io/generated"] != "true" {
				continue
			}
			var path []string
			switch o.GetKind() {
			case "NetworkPolicy":
				path = []string{"spec", "podSelector"}
				netpols++
			case "PodDisruptionBudget":
				path = []string{"spec", "selector"}
				pdbs++
			default:
				continue
			}
			if last == nil {
				t.Errorf("%s: %s %s follows no workload", r.name, o.GetKind(), o.GetName())
				continue
			}
			w := key(last.GetKind(), last.GetNamespace(), last.GetName())
			sel, _, _ := unstructured.NestedMap(o.Object, path...)
			var ls metav1.LabelSelector
			if err := runtimeConvert(sel, &ls); err != nil {
				t.Errorf("%s: %s %s: selector: %v", r.name, o.GetKind(), o.GetName(), err)
				continue
			}
			selector, err := metav1.LabelSelectorAsSelector(&ls)
			if err != nil {
				t.Errorf("%s: %s %s: selector: %v", r.name, o.GetKind(), o.GetName(), err)
				continue
			}
			// The API server evaluates the selector.
			got, err := cp.Client.CoreV1().Pods(o.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: selector.String()})
			if err != nil {
				t.Fatal(err)
			}
			selected := map[string]bool{}
			for _, p := range got.Items {
				selected[p.Name] = true
				if ow := podOwner[p.Namespace+"/"+p.Name]; ow != w {
					t.Errorf("%s: %s %s selects pod %s of %s, not only %s's", r.name, o.GetKind(), o.GetName(), p.Name, ow, w)
				}
			}
			for _, p := range s.pods[w] {
				if !selected[p.Name] {
					t.Errorf("%s: %s %s misses pod %s of its workload %s", r.name, o.GetKind(), o.GetName(), p.Name, w)
				}
			}
			if len(s.pods[w]) == 0 && len(s.denied[w]) == 0 && s.expectsPods(last) {
				t.Errorf("%s: %s %s: its workload %s has no pods to select", r.name, o.GetKind(), o.GetName(), w)
			}
		}
	}
	t.Logf("generated NetworkPolicies checked: %d, PodDisruptionBudgets: %d", netpols, pdbs)
	if netpols == 0 {
		t.Error("no generated NetworkPolicy in the corpus output")
	}
}

func runtimeConvert(in map[string]any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
