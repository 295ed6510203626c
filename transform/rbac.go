package transform

import (
	"cmp"
	"slices"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// saRef names a ServiceAccount a binding grants a role to. An empty
// namespace (the subject left it to Helm) matches any namespace; name "*"
// stands for every account of the namespace (system:serviceaccounts groups).
type saRef struct{ namespace, name string }

func (r saRef) matches(namespace, name string) bool {
	return (r.name == name || r.name == "*") && (r.namespace == "" || namespace == "" || r.namespace == namespace)
}

// accountSet answers whether any of a list of saRefs matches an account
// without trying each: every workload asks, and a release may bind as
// many accounts as it runs workloads.
type accountSet struct {
	named    map[string]bool // every name
	anyNS    map[string]bool // names with namespace ""
	exact    map[saRef]bool  // namespaced names
	starNS   map[string]bool // namespaces with "*"
	star     bool            // "*" in namespace ""
	someStar bool            // "*" in any namespace
}

func newAccountSet(refs []saRef) *accountSet {
	a := &accountSet{named: map[string]bool{}, anyNS: map[string]bool{}, exact: map[saRef]bool{}, starNS: map[string]bool{}}
	for _, r := range refs {
		switch {
		case r.name == "*" && r.namespace == "":
			a.star, a.someStar = true, true
		case r.name == "*":
			a.starNS[r.namespace], a.someStar = true, true
		case r.namespace == "":
			a.named[r.name], a.anyNS[r.name] = true, true
		default:
			a.named[r.name], a.exact[r] = true, true
		}
	}
	return a
}

// matches reports whether some ref matches the account (saRef.matches),
// by lookups.
func (a *accountSet) matches(namespace, name string) bool {
	if namespace == "" {
		return a.named[name] || a.someStar
	}
	return a.anyNS[name] || a.exact[saRef{namespace, name}] || a.star || a.starNS[namespace]
}

func isRBAC(n *yaml.RNode, kinds ...string) bool {
	if group(apiVersionOf(n)) != "rbac.authorization.k8s.io" {
		return false
	}
	for _, k := range kinds {
		if kindOf(n) == k {
			return true
		}
	}
	return false
}

// boundAccounts returns the ServiceAccounts a RoleBinding or
// ClusterRoleBinding names, directly or through the
// system:serviceaccounts[:<namespace>] groups.
func boundAccounts(binding *yaml.RNode) []saRef {
	var out []saRef
	for _, s := range manifest.LookupSeq(binding, "subjects") {
		sub := yaml.NewRNode(s)
		switch kind, name := manifest.LookupScalar(sub, "kind"), manifest.LookupScalar(sub, "name"); {
		case kind == "ServiceAccount":
			out = append(out, saRef{manifest.LookupScalar(sub, "namespace"), name})
		case kind == "Group" && name == "system:serviceaccounts":
			out = append(out, saRef{"", "*"})
		case kind == "Group" && strings.HasPrefix(name, "system:serviceaccounts:"):
			out = append(out, saRef{strings.TrimPrefix(name, "system:serviceaccounts:"), "*"})
		}
	}
	return out
}

// ServiceAccount is the name of the account the pods run as.
func (w *Workload) ServiceAccount() string {
	for _, f := range []string{"serviceAccountName", "serviceAccount"} {
		if sa := manifest.LookupScalar(w.Spec, f); sa != "" {
			return sa
		}
	}
	return "default"
}

// rbacDoc is what a Role, ClusterRole, RoleBinding or ClusterRoleBinding
// says, read once (readRBAC): no filter adds or changes a role or a
// binding, so none needs its tree, and a run need not keep one.
type rbacDoc struct {
	kind, namespace, name string
	// object is where findings on it are filed; skip its chartsec.io/skip
	// annotation.
	object report.Object
	skip   string
	// A role's rules and labels (which aggregation selects by), and the
	// selectors of its aggregationRule.
	rules       []policyRule
	labels      map[string]string
	aggregation []*labelSelector // nil for one that is not a mapping
	// A binding's roleRef, the ServiceAccounts it names (boundAccounts)
	// and its other subjects.
	refKind, refName string
	accounts         []saRef
	others           []string
}

func (d *rbacDoc) isRole() bool { return d.kind == "Role" || d.kind == "ClusterRole" }

// readRBAC reads an RBAC object, filed as o; nil for any other document.
func readRBAC(n *yaml.RNode, o report.Object) *rbacDoc {
	if !isRBAC(n, rbacKinds...) {
		return nil
	}
	d := &rbacDoc{kind: kindOf(n), namespace: namespaceOf(n), name: nameOf(n), object: o,
		skip: manifest.LookupScalar(n, "metadata", "annotations", SkipAnnotation)}
	if d.isRole() {
		d.rules = readRules(n)
		d.labels = labelMap(labelPairs(manifest.LookupMap(n, "metadata", "labels")))
		for _, sel := range manifest.LookupSeq(n, "aggregationRule", "clusterRoleSelectors") {
			d.aggregation = append(d.aggregation, parseSelector(yaml.NewRNode(sel)))
		}
		return d
	}
	d.refKind, d.refName = manifest.LookupScalar(n, "roleRef", "kind"), manifest.LookupScalar(n, "roleRef", "name")
	d.accounts = boundAccounts(n)
	for _, s := range manifest.LookupSeq(n, "subjects") {
		sub := yaml.NewRNode(s)
		if k, name := manifest.LookupScalar(sub, "kind"), manifest.LookupScalar(sub, "name"); k != "ServiceAccount" && !strings.HasPrefix(name, "system:serviceaccounts") {
			d.others = append(d.others, k+" "+name)
		}
	}
	return d
}

// ReadsOnly reports whether the filters only read documents of this
// kind: RBAC objects and Services. Read takes what they say, and the run
// need not keep their trees.
func (s *Scope) ReadsOnly(apiVersion, kind string) bool {
	return group(apiVersion) == "rbac.authorization.k8s.io" && slices.Contains(rbacKinds, kind) ||
		apiVersion == "v1" && kind == "Service"
}

// Read reads a document of a kind the filters only read (ReadsOnly),
// filed as o, for the filters: it keeps no node of n. It may be called for
// many documents at once, before any filter runs.
func (s *Scope) Read(n *yaml.RNode, o report.Object) {
	d, svc := readRBAC(n, o), readService(n, o)
	s.read.Lock()
	defer s.read.Unlock()
	if d != nil {
		s.read.rbac = append(s.read.rbac, d)
	}
	if svc != nil {
		s.read.services = append(s.read.services, svc)
	}
}

// inStreamOrder returns the records Read took (read) and those readNode
// takes from nodes, in stream order (doc tells a record's document): the
// items of a List come after the documents before it.
func inStreamOrder[R comparable](s *Scope, read []R, nodes []*yaml.RNode, readNode func(*yaml.RNode, report.Object) R, doc func(R) int) []R {
	var zero R
	out := slices.Clone(read)
	for _, n := range nodes {
		if d := readNode(n, s.object(n)); d != zero {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b R) int { return cmp.Compare(doc(a), doc(b)) })
	return out
}

// rbacObjects are the run's RBAC objects, read once per run.
type rbacObjects struct {
	// roles are the Roles and ClusterRoles, bindings the RoleBindings and
	// ClusterRoleBindings, in stream order.
	roles, bindings []*rbacDoc
	// registrars are the accounts that may register admission webhooks;
	// nil until a companion filter asks.
	registrars *accountSet
}

// rbac returns the run's RBAC objects: those Read read, and those
// among nodes (the items of a List, or every one when no parse read
// them), the first time.
func (s *Scope) rbac(nodes []*yaml.RNode) *rbacObjects {
	if s != nil && s.rbacObjects != nil {
		return s.rbacObjects
	}
	var read []*rbacDoc
	if s != nil {
		read = s.read.rbac
	}
	r := &rbacObjects{}
	for _, d := range inStreamOrder(s, read, nodes, readRBAC, func(d *rbacDoc) int { return d.object.Doc }) {
		if d.isRole() {
			r.roles = append(r.roles, d)
		} else {
			r.bindings = append(r.bindings, d)
		}
	}
	if s != nil {
		s.rbacObjects = r
	}
	return r
}

// bound returns every account a binding of the run names.
func (r *rbacObjects) bound() []saRef {
	var out []saRef
	for _, b := range r.bindings {
		out = append(out, b.accounts...)
	}
	return out
}

// webhookRegistrars returns the accounts that may register admission
// webhooks (see webhookRegistrars).
func (r *rbacObjects) webhookRegistrars() *accountSet {
	if r.registrars == nil {
		r.registrars = newAccountSet(webhookRegistrars(r))
	}
	return r.registrars
}

// rbacKinds are the kinds of RBAC objects the filters read.
var rbacKinds = []string{"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
