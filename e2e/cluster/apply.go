package cluster

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"
)

// Decode reads a multi-document YAML stream the way kubectl does: split with
// apimachinery's YAML reader, each document decoded by sigs.k8s.io/yaml (YAML
// 1.1 rules). The items of a v1 List come out as objects of their own.
func Decode(stream []byte) ([]*unstructured.Unstructured, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if u.IsList() {
			list, err := u.ToList()
			if err != nil {
				return nil, fmt.Errorf("document %d: %w", i, err)
			}
			for j := range list.Items {
				objs = append(objs, &list.Items[j])
			}
			continue
		}
		objs = append(objs, u)
	}
}

// installOrder is Helm's order of kinds on install; other kinds come last.
var installOrder = strings.Fields(`Namespace NetworkPolicy ResourceQuota LimitRange PodSecurityPolicy
PodDisruptionBudget ServiceAccount Secret SecretList ConfigMap StorageClass PersistentVolume
PersistentVolumeClaim CustomResourceDefinition ClusterRole ClusterRoleList ClusterRoleBinding
ClusterRoleBindingList Role RoleList RoleBinding RoleBindingList Service DaemonSet Pod
ReplicationController ReplicaSet Deployment HorizontalPodAutoscaler StatefulSet Job CronJob
IngressClass Ingress APIService MutatingWebhookConfiguration ValidatingWebhookConfiguration`)

// SortForInstall orders objects as Helm installs them (stable within a kind).
func SortForInstall(objs []*unstructured.Unstructured) {
	rank := map[string]int{}
	for i, k := range installOrder {
		rank[k] = i + 1
	}
	r := func(o *unstructured.Unstructured) int {
		if n, ok := rank[o.GetKind()]; ok {
			return n
		}
		return len(installOrder) + 1
	}
	sort.SliceStable(objs, func(i, j int) bool { return r(objs[i]) < r(objs[j]) })
}

// Applier applies objects server-side with strict field validation and
// records the warnings the API server answers each apply with.
type Applier struct {
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	config  *rest.Config
	mu      sync.Mutex
	clients []*warnClient
}

type warnClient struct {
	dyn      dynamic.Interface
	warnings []string
}

func (w *warnClient) HandleWarningHeader(code int, agent, text string) {
	w.warnings = append(w.warnings, text)
}

// NewApplier returns an Applier for the control plane.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Applier{mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), config: cfg}, nil
}

// ResetMapping forgets the API's resources (after CRDs are established).
func (a *Applier) ResetMapping() { a.mapper.Reset() }

// Mapping returns the resource of an object's kind.
func (a *Applier) Mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	return a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
}

func (a *Applier) client() (*warnClient, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n := len(a.clients); n > 0 {
		c := a.clients[n-1]
		a.clients = a.clients[:n-1]
		return c, nil
	}
	c := &warnClient{}
	cfg := rest.CopyConfig(a.config)
	cfg.WarningHandler = c
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	c.dyn = dyn
	return c, nil
}

func (a *Applier) release(c *warnClient) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clients = append(a.clients, c)
}

// Result is what the API server answered one apply.
type Result struct {
	Object   *unstructured.Unstructured
	Err      error
	Warnings []string
	NoKind   bool // the API serves no such kind
}

// Apply applies one object server-side (field manager chartsec-e2e, strict
// field validation). A namespaced object without a namespace goes to ns.
func (a *Applier) Apply(ctx context.Context, o *unstructured.Unstructured, ns string) Result {
	res := Result{Object: o}
	m, err := a.Mapping(o.GroupVersionKind())
	if err != nil {
		res.Err, res.NoKind = err, meta.IsNoMatchError(err)
		return res
	}
	c, err := a.client()
	if err != nil {
		res.Err = err
		return res
	}
	defer a.release(c)
	c.warnings = nil
	var ri dynamic.ResourceInterface = c.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if o.GetNamespace() == "" {
			o.SetNamespace(ns)
		}
		ri = c.dyn.Resource(m.Resource).Namespace(o.GetNamespace())
	} else {
		o.SetNamespace("")
	}
	body, err := o.MarshalJSON()
	if err != nil {
		res.Err = err
		return res
	}
	force := true
	_, res.Err = ri.Patch(ctx, o.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
		FieldManager: "chartsec-e2e", Force: &force, FieldValidation: "Strict"})
	res.Warnings = append([]string(nil), c.warnings...)
	return res
}

// ApplyAll applies objects that carry their namespaces, a run of one kind
// at a time with a few workers (SortForInstall orders the runs as Helm
// does; CRDs are applied by the caller first).
func (a *Applier) ApplyAll(ctx context.Context, objs []*unstructured.Unstructured) []Result {
	results := make([]Result, len(objs))
	for start := 0; start < len(objs); {
		end := start
		for end < len(objs) && objs[end].GetKind() == objs[start].GetKind() {
			end++
		}
		var wg sync.WaitGroup
		work := make(chan int)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					results[i] = a.Apply(ctx, objs[i], "")
				}
			}()
		}
		for i := start; i < end; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
		start = end
	}
	return results
}

// DeleteAll deletes objects and waits until they are gone.
func (a *Applier) DeleteAll(ctx context.Context, objs []*unstructured.Unstructured, limit time.Duration) error {
	dyn, err := dynamic.NewForConfig(a.config)
	if err != nil {
		return err
	}
	var ris []dynamic.ResourceInterface
	var names []string
	for _, o := range objs {
		m, err := a.Mapping(o.GroupVersionKind())
		if err != nil {
			return err
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if o.GetNamespace() != "" {
			ri = dyn.Resource(m.Resource).Namespace(o.GetNamespace())
		}
		if err := ri.Delete(ctx, o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		ris, names = append(ris, ri), append(names, o.GetName())
	}
	deadline := time.Now().Add(limit)
	for i, ri := range ris {
		for {
			_, err := ri.Get(ctx, names[i], metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s still there after %s", names[i], limit)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

// WaitEstablished waits until every named CRD is Established.
func WaitEstablished(ctx context.Context, dyn dynamic.Interface, names []string, limit time.Duration) error {
	crds := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	deadline := time.Now().Add(limit)
	for _, n := range names {
		for {
			u, err := crds.Get(ctx, n, metav1.GetOptions{})
			if err == nil && established(u) {
				break
			}
			if err != nil && !apierrors.IsNotFound(err) {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("CRD %s not established after %s", n, limit)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

func established(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}
