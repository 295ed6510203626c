package transform

import (
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
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

// rbacObjects is what the run's RBAC objects say, read once per run: no
// filter adds or changes a role or a binding.
type rbacObjects struct {
	// roles are the Roles and ClusterRoles; bindings the RoleBindings and
	// ClusterRoleBindings, and accounts the ServiceAccounts each names
	// (boundAccounts).
	roles, bindings []*yaml.RNode
	accounts        map[*yaml.Node][]saRef
	// role holds what each role says: its rules and labels.
	role map[*yaml.Node]roleData
	// registrars are the accounts that may register admission webhooks;
	// nil until a companion filter asks.
	registrars *accountSet
}

// roleData is what a Role or ClusterRole says, read once: its rules
// (readRules) and its labels (which aggregation selects by).
type roleData struct {
	rules  []policyRule
	labels map[string]string
}

// rbac returns the run's RBAC objects, reading them from nodes the first
// time.
func (s *Scope) rbac(nodes []*yaml.RNode) *rbacObjects {
	if s != nil && s.rbacObjects != nil {
		return s.rbacObjects
	}
	r := &rbacObjects{accounts: map[*yaml.Node][]saRef{}, role: map[*yaml.Node]roleData{}}
	for _, n := range nodes {
		switch {
		case isRBAC(n, "Role", "ClusterRole"):
			r.roles = append(r.roles, n)
			r.role[n.YNode()] = roleData{rules: readRules(n), labels: labelMap(labelPairs(manifest.LookupMap(n, "metadata", "labels")))}
		case isRBAC(n, "RoleBinding", "ClusterRoleBinding"):
			r.bindings = append(r.bindings, n)
			r.accounts[n.YNode()] = boundAccounts(n)
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
		out = append(out, r.accounts[b.YNode()]...)
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
