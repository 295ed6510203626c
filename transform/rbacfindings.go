package transform

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// RBAC reports what the Roles and ClusterRoles of the release grant beyond
// least privilege, naming the workloads whose ServiceAccount a binding of
// the release gives them to: wildcards, reading Secrets, exec into pods,
// creating pods, escalation verbs, writing RBAC objects or admission
// webhooks, cluster-admin, and cluster scope where a namespace would do.
// It changes nothing: a post-renderer cannot know which permission the app
// uses, and taking one away breaks it at run time.
type RBAC struct {
	// ClusterWide lists ServiceAccounts (globs; "*" for the whole release)
	// whose cluster-wide access is intended: a ClusterRoleBinding of
	// namespaced resources to them is not reported.
	ClusterWide []string `yaml:"clusterWide" json:"clusterWide"`
	// Severity overrides the severity of a rule, e.g. {secretsRead: error}.
	Severity map[string]string `yaml:"severity" json:"severity"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = RBAC{}

// ControlRBAC is the control of the release's roles.
const ControlRBAC = "rbac"

var rbacSection = Section{
	Key:   "rbac",
	Stage: Review,
	Controls: []Control{{
		Name:       ControlRBAC,
		Does:       "reports what the release's roles grant beyond least privilege, naming the workloads that get it (changes nothing)",
		ConfigKeys: []string{"rbac.clusterWide", "rbac.severity"},
		Setting: func(c Config) string {
			return fmt.Sprintf("clusterWide %s, severity %s", list(c.RBAC.ClusterWide), severities(c.RBAC.Severity))
		},
		Rules: map[string]Rule{
			"wildcard":       {"Role with a wildcard", "List the apiGroups, resources and verbs the app uses instead of *; a wildcard also grants what later Kubernetes versions and CRDs add. Accept it with chartsec.io/skip: rbac on the role (or its workload), or an exclude rule.", report.Warning},
			"secretsRead":    {"Role reads Secrets", "Reading Secrets reads every credential in reach; name the Secrets the app needs in resourceNames, or bind a Role in one namespace instead of a ClusterRole. Accept it with chartsec.io/skip: rbac.", report.Warning},
			"podExec":        {"Role allows exec, attach or port-forward into pods", "pods/exec, pods/attach and pods/portforward run code in, or reach, any pod in scope; remove them unless the app is a debugging tool. Accept it with chartsec.io/skip: rbac.", report.Warning},
			"createPods":     {"Role creates pods or workloads", "Who creates a pod chooses its ServiceAccount, and so holds every token of the namespace; grant it only to controllers that must, in the namespaces they manage. Accept it with chartsec.io/skip: rbac.", report.Warning},
			"escalate":       {"Role may escalate, bind or impersonate", "escalate, bind and impersonate bypass RBAC's escalation checks; remove them, or limit them with resourceNames. Accept it with chartsec.io/skip: rbac.", report.Warning},
			"writeRBAC":      {"Role writes RBAC objects", "Writing Roles and bindings is a step from granting oneself more; limit it with resourceNames to the objects the app manages. Accept it with chartsec.io/skip: rbac.", report.Warning},
			"writeWebhooks":  {"Role writes admission webhook configurations", "An admission webhook sees and can change every object it matches; limit writes with resourceNames to the app's own configurations. Accept it with chartsec.io/skip: rbac.", report.Warning},
			"clusterAdmin":   {"ClusterRoleBinding to cluster-admin", "cluster-admin (or a ClusterRole with * on *) is full control of the cluster; bind a ClusterRole that lists what the app uses. Only an explicit exemption (chartsec.io/skip: rbac on the binding or the workload, or an exclude rule) accepts it.", report.Error},
			"roleWouldDo":    {"ClusterRole bound only in one namespace", "A ClusterRole bound only through RoleBindings of one namespace is a Role there; a Role keeps it from being bound cluster-wide later. Reported, not rewritten.", report.Warning},
			"namespacedOnly": {"ClusterRoleBinding where a RoleBinding would do", "The ClusterRole holds only namespaced resources and is bound to ServiceAccounts of one namespace; a Role and RoleBinding there grant the same in that namespace only. If the app works across namespaces, say so once with rbac.clusterWide. Reported, not rewritten.", report.Warning},
		},
	}},
	Kinds:    rbacKinds,
	Validate: func(c Config) error { return validSeverities("rbac", c.RBAC.Severity, RBACRules) },
	Filter:   func(c Config, s *Scope) kio.Filter { c.RBAC.Scope = s; return c.RBAC },
}

// RBACRules are the rule ids of the rbac control, each with its default
// severity (clusterAdmin is an error only when it reaches a workload).
var RBACRules = []string{
	"wildcard", "secretsRead", "podExec", "createPods", "escalate", "writeRBAC", "writeWebhooks",
	"clusterAdmin", "roleWouldDo", "namespacedOnly",
}

// policyRule is one entry of a role's rules.
type policyRule struct {
	groups, resources, verbs, names, urls []string
}

func readRules(role *yaml.RNode) []policyRule {
	var out []policyRule
	for _, r := range manifest.LookupSeq(role, "rules") {
		rn := yaml.NewRNode(r)
		out = append(out, policyRule{
			groups: scalars(manifest.LookupSeq(rn, "apiGroups")), resources: scalars(manifest.LookupSeq(rn, "resources")),
			verbs: scalars(manifest.LookupSeq(rn, "verbs")), names: scalars(manifest.LookupSeq(rn, "resourceNames")),
			urls: scalars(manifest.LookupSeq(rn, "nonResourceURLs")),
		})
	}
	return out
}

func scalars(seq []*yaml.Node) []string {
	var out []string
	for _, n := range seq {
		if n.Kind == yaml.ScalarNode {
			out = append(out, n.Value)
		}
	}
	return out
}

// namedOnly reports whether resourceNames limits the rule to named objects.
// It does not limit create and deletecollection, which name no object.
func (r policyRule) namedOnly(verb string) bool {
	return len(r.names) > 0 && !slices.Contains(r.names, "*") && verb != "create" && verb != "deletecollection"
}

func coversGroup(have []string, g string) bool {
	return slices.Contains(have, "*") || slices.Contains(have, g)
}

// coversResource matches "*", "pods/*" and "*/scale" as the authorizer does.
func coversResource(have []string, res string) bool {
	base, sub, hasSub := strings.Cut(res, "/")
	for _, h := range have {
		switch {
		case h == "*" || h == res:
			return true
		case hasSub && h == base+"/*", hasSub && h == "*/"+sub:
			return true
		}
	}
	return false
}

func coversVerb(have []string, v string) bool {
	return slices.Contains(have, "*") || slices.Contains(have, v)
}

// privilege is a permission worth reporting: verbs on resources of a group.
type privilege struct {
	group     string
	resources []string
	verbs     []string
}

// privilegeCheck is one finding rule over a role's rules.
type privilegeCheck struct {
	rule  string
	what  string // what the role allows, for the message
	privs []privilege
	// named: a rule limited by resourceNames grants the verbs only on
	// objects the chart chose (its own Secret or webhook), which is fine.
	named bool
}

var workloadResources = []privilege{
	{"", []string{"pods", "replicationcontrollers"}, []string{"create"}},
	{"apps", []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, []string{"create"}},
	{"extensions", []string{"deployments", "daemonsets", "replicasets"}, []string{"create"}},
	{"batch", []string{"jobs", "cronjobs"}, []string{"create"}},
}

var writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}

var privilegeChecks = []privilegeCheck{
	{rule: "secretsRead", what: "reading Secrets", named: true, privs: []privilege{{"", []string{"secrets"}, []string{"get", "list", "watch"}}}},
	{rule: "podExec", what: "running commands in or connecting to pods", privs: []privilege{
		{"", []string{"pods/exec", "pods/attach", "pods/portforward"}, []string{"create", "get"}}}},
	{rule: "createPods", what: "creating pods (and so running as any ServiceAccount of the namespace)"},
	{rule: "escalate", what: "escalating, binding roles or impersonating", privs: []privilege{
		{"rbac.authorization.k8s.io", []string{"roles", "clusterroles"}, []string{"escalate", "bind"}},
		{"", []string{"users", "groups", "serviceaccounts"}, []string{"impersonate"}},
		{"authentication.k8s.io", []string{"uids", "userextras/scopes"}, []string{"impersonate"}}}},
	{rule: "writeRBAC", what: "writing RBAC objects", named: true, privs: []privilege{
		{"rbac.authorization.k8s.io", []string{"roles", "rolebindings", "clusterroles", "clusterrolebindings"}, writeVerbs}}},
	{rule: "writeWebhooks", what: "writing admission webhook configurations", named: true, privs: []privilege{
		{"admissionregistration.k8s.io", []string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations",
			"validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"}, writeVerbs}}},
}

// grants lists, as "verbs on resources", what of privs the rules allow.
func grants(rules []policyRule, privs []privilege, named bool) []string {
	type key struct{ group, resource string }
	got := map[key][]string{}
	var order []key
	for _, p := range privs {
		for _, res := range p.resources {
			k := key{p.group, res}
			for _, r := range rules {
				if !coversGroup(r.groups, p.group) || !coversResource(r.resources, res) {
					continue
				}
				for _, v := range p.verbs {
					if coversVerb(r.verbs, v) && !(named && r.namedOnly(v)) && !slices.Contains(got[k], v) {
						if got[k] == nil {
							order = append(order, k)
						}
						got[k] = append(got[k], v)
					}
				}
			}
		}
	}
	// one line per set of verbs: "get, list, watch on secrets"
	byVerbs := map[string][]string{}
	var verbOrder []string
	for _, k := range order {
		v := strings.Join(got[k], ", ")
		if byVerbs[v] == nil {
			verbOrder = append(verbOrder, v)
		}
		if !slices.Contains(byVerbs[v], k.resource) {
			byVerbs[v] = append(byVerbs[v], k.resource)
		}
	}
	var out []string
	for _, v := range verbOrder {
		out = append(out, v+" on "+strings.Join(byVerbs[v], ", "))
	}
	return out
}

// explicitVerbs lists escalate, bind and impersonate where a rule names
// them on resources privs does not know (a custom impersonation target).
func explicitVerbs(rules []policyRule, privs []privilege) []string {
	var out []string
	for _, r := range rules {
		for _, v := range []string{"escalate", "bind", "impersonate"} {
			if !slices.Contains(r.verbs, v) {
				continue
			}
			known := false
			for _, p := range privs {
				for _, res := range p.resources {
					known = known || slices.Contains(p.verbs, v) && coversGroup(r.groups, p.group) && coversResource(r.resources, res)
				}
			}
			if !known {
				out = append(out, v+" on "+strings.Join(r.resources, ", "))
			}
		}
	}
	return out
}

func wildcards(rules []policyRule) []string {
	var out []string
	for i, r := range rules {
		var fields []string
		for _, f := range []struct {
			name   string
			values []string
		}{{"apiGroups", r.groups}, {"resources", r.resources}, {"verbs", r.verbs}} {
			if slices.Contains(f.values, "*") {
				fields = append(fields, f.name)
			}
		}
		if len(fields) > 0 {
			out = append(out, fmt.Sprintf("rules[%d]: * in %s", i, strings.Join(fields, ", ")))
		}
	}
	return out
}

func allOfAll(rules []policyRule) bool {
	for _, r := range rules {
		if slices.Contains(r.groups, "*") && slices.Contains(r.resources, "*") && slices.Contains(r.verbs, "*") {
			return true
		}
	}
	return false
}

// builtinRoles are the user-facing ClusterRoles of Kubernetes a chart may
// bind without shipping them, reduced to what the checks look at.
var builtinRoles = map[string][]policyRule{
	"cluster-admin": {{groups: []string{"*"}, resources: []string{"*"}, verbs: []string{"*"}}},
	"admin": {
		{groups: []string{""}, resources: []string{"secrets", "pods", "replicationcontrollers"}, verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{groups: []string{""}, resources: []string{"pods/exec", "pods/attach", "pods/portforward"}, verbs: []string{"get", "create"}},
		{groups: []string{"apps"}, resources: []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, verbs: []string{"create", "update", "patch", "delete"}},
		{groups: []string{"batch"}, resources: []string{"jobs", "cronjobs"}, verbs: []string{"create", "update", "patch", "delete"}},
		{groups: []string{""}, resources: []string{"serviceaccounts"}, verbs: []string{"impersonate"}},
		{groups: []string{"rbac.authorization.k8s.io"}, resources: []string{"roles", "rolebindings"}, verbs: []string{"create", "update", "patch", "delete"}},
	},
	"edit": {
		{groups: []string{""}, resources: []string{"secrets", "pods", "replicationcontrollers"}, verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{groups: []string{""}, resources: []string{"pods/exec", "pods/attach", "pods/portforward"}, verbs: []string{"get", "create"}},
		{groups: []string{"apps"}, resources: []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, verbs: []string{"create", "update", "patch", "delete"}},
		{groups: []string{"batch"}, resources: []string{"jobs", "cronjobs"}, verbs: []string{"create", "update", "patch", "delete"}},
		{groups: []string{""}, resources: []string{"serviceaccounts"}, verbs: []string{"impersonate"}},
	},
}

// clusterScoped are the built-in resources that live outside namespaces.
var clusterScoped = map[string]bool{
	"nodes": true, "namespaces": true, "persistentvolumes": true, "componentstatuses": true,
	"clusterroles": true, "clusterrolebindings": true, "customresourcedefinitions": true, "apiservices": true,
	"storageclasses": true, "csidrivers": true, "csinodes": true, "volumeattachments": true, "volumeattributesclasses": true,
	"priorityclasses": true, "runtimeclasses": true, "ingressclasses": true,
	"validatingwebhookconfigurations": true, "mutatingwebhookconfigurations": true,
	"validatingadmissionpolicies": true, "validatingadmissionpolicybindings": true,
	"mutatingadmissionpolicies": true, "mutatingadmissionpolicybindings": true,
	"certificatesigningrequests": true, "clustertrustbundles": true, "tokenreviews": true,
	"subjectaccessreviews": true, "selfsubjectaccessreviews": true, "selfsubjectrulesreviews": true, "selfsubjectreviews": true,
	"flowschemas": true, "prioritylevelconfigurations": true, "podsecuritypolicies": true,
	"ipaddresses": true, "servicecidrs": true, "deviceclasses": true, "resourceslices": true,
	"storageversions": true, "storageversionmigrations": true, "users": true, "groups": true, "uids": true, "userextras": true,
}

// builtinAPIGroups are the groups whose resources' scope clusterScoped
// knows; a custom resource's scope is in its CRD, so it counts as unknown.
var builtinAPIGroups = map[string]bool{
	"": true, "apps": true, "batch": true, "extensions": true, "policy": true, "autoscaling": true,
	"networking.k8s.io": true, "rbac.authorization.k8s.io": true, "coordination.k8s.io": true,
	"discovery.k8s.io": true, "events.k8s.io": true, "storage.k8s.io": true, "scheduling.k8s.io": true,
	"node.k8s.io": true, "certificates.k8s.io": true, "admissionregistration.k8s.io": true,
	"apiextensions.k8s.io": true, "apiregistration.k8s.io": true, "authorization.k8s.io": true,
	"authentication.k8s.io": true, "flowcontrol.apiserver.k8s.io": true, "resource.k8s.io": true,
	"metrics.k8s.io": true,
}

// namespacedOnly reports whether every rule grants only built-in
// namespaced resources, and names them.
func namespacedOnly(rules []policyRule) ([]string, bool) {
	var names []string
	for _, r := range rules {
		if len(r.urls) > 0 || len(r.groups) == 0 {
			return nil, false
		}
		for _, g := range r.groups {
			if !builtinAPIGroups[g] {
				return nil, false
			}
		}
		for _, res := range r.resources {
			base, _, _ := strings.Cut(res, "/")
			if base == "*" || clusterScoped[base] {
				return nil, false
			}
			if !slices.Contains(names, res) {
				names = append(names, res)
			}
		}
	}
	return names, len(names) > 0
}

// rbacRole is a Role or ClusterRole: of the release, or built into
// Kubernetes and bound by the release.
type rbacRole struct {
	doc                   *rbacDoc // nil for a built-in role
	kind, namespace, name string
	rules                 []policyRule
	labels                map[string]string
	aggregating           bool // its rules are those of the ClusterRoles it selects
	aggregated            bool // a release ClusterRole's aggregationRule selects it
	userFacing            bool // labelled to aggregate into admin, edit or view
	bindings              []*rbacBinding
}

// rbacBinding is a RoleBinding or ClusterRoleBinding of the release.
type rbacBinding struct {
	doc       *rbacDoc
	cluster   bool
	namespace string
	accounts  []saRef
	others    []string // subjects that are not ServiceAccounts
	workloads []*Workload
}

func (b *rbacBinding) label() string {
	return b.doc.kind + " " + b.doc.name
}

// Filter implements kio.Filter.
func (f RBAC) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlRBAC) {
		return nodes, nil
	}
	var roles []*rbacRole
	var bindings []*rbacBinding
	var workloads []*Workload
	objects := f.Scope.rbac(nodes)
	for _, d := range objects.roles {
		r := &rbacRole{doc: d, kind: d.kind, name: d.name, rules: slices.Clip(d.rules), labels: d.labels}
		if r.kind == "Role" {
			r.namespace = d.namespace
		}
		r.aggregating = len(d.aggregation) > 0
		for k := range r.labels {
			if strings.HasPrefix(k, "rbac.authorization.k8s.io/aggregate-to-") {
				r.userFacing = true
			}
		}
		roles = append(roles, r)
	}
	for _, d := range objects.bindings {
		bindings = append(bindings, &rbacBinding{doc: d, cluster: d.kind == "ClusterRoleBinding", namespace: d.namespace, accounts: d.accounts, others: d.others})
	}
	for _, n := range nodes {
		if w := f.Scope.Workload(n); w != nil {
			workloads = append(workloads, w)
		}
	}
	aggregate(roles)
	// indexes keep a large release linear: roles by kind and name,
	// workloads by ServiceAccount name
	byRef := map[string][]*rbacRole{}
	for _, r := range roles {
		byRef[r.kind+"/"+r.name] = append(byRef[r.kind+"/"+r.name], r)
	}
	bySA, order := map[string][]*Workload{}, map[*Workload]int{}
	for i, w := range workloads {
		bySA[w.ServiceAccount()] = append(bySA[w.ServiceAccount()], w)
		order[w] = i
	}
	builtins := map[*rbacBinding]*rbacRole{}
	for _, b := range bindings {
		b.workloads = reachedBy(b.accounts, workloads, bySA, order)
		refKind, refName := b.doc.refKind, b.doc.refName
		found := false
		for _, r := range byRef[refKind+"/"+refName] {
			if refKind == "ClusterRole" || sameNamespace(r.namespace, b.namespace) {
				r.bindings = append(r.bindings, b)
				found = true
			}
		}
		if rules, ok := builtinRoles[refName]; ok && !found && refKind == "ClusterRole" {
			builtins[b] = &rbacRole{kind: "ClusterRole", name: refName, rules: rules, bindings: []*rbacBinding{b}}
		}
	}
	for _, r := range roles {
		if len(r.bindings) == 0 && (r.aggregated || r.userFacing) {
			continue // its rules reach accounts through another role, or people
		}
		f.checkRole(r, r.doc)
		f.checkScope(r)
	}
	for _, b := range bindings {
		r := builtins[b]
		if r == nil {
			continue
		}
		if r.name == "cluster-admin" && b.cluster {
			f.clusterAdmin(b, "ClusterRole cluster-admin")
			continue
		}
		f.checkRole(r, b.doc)
	}
	for _, r := range roles {
		if r.kind != "ClusterRole" || !allOfAll(r.rules) {
			continue
		}
		for _, b := range r.bindings {
			if b.cluster {
				f.clusterAdmin(b, "ClusterRole "+r.name+" (* on *)")
			}
		}
	}
	return nodes, nil
}

// reachedBy returns, in stream order, the workloads that run as one of
// the accounts.
func reachedBy(accounts []saRef, all []*Workload, bySA map[string][]*Workload, order map[*Workload]int) []*Workload {
	var out []*Workload
	for _, a := range accounts {
		candidates := bySA[a.name]
		if a.name == "*" {
			candidates = all
		}
		for _, w := range candidates {
			if a.matches(w.Object.Namespace, w.ServiceAccount()) && !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i]] < order[out[j]] })
	return out
}

// aggregate gives each aggregating ClusterRole the rules of the release's
// ClusterRoles its selectors match, as the aggregation controller does.
func aggregate(roles []*rbacRole) {
	for _, agg := range roles {
		if !agg.aggregating {
			continue
		}
		for _, s := range agg.doc.aggregation {
			if s == nil || s.empty() {
				continue
			}
			for _, r := range roles {
				if r != agg && r.kind == "ClusterRole" && s.matches(r.labels) {
					agg.rules = append(agg.rules, r.rules...)
					r.aggregated = true
				}
			}
		}
	}
}

// checkRole reports the privileges of a role on obj: the role itself, or
// the binding of a built-in role.
func (f RBAC) checkRole(r *rbacRole, obj *rbacDoc) {
	where, reach := r.scopeText(), r.reachText()
	what := r.kind + " " + r.name
	if r.doc != nil {
		what = r.kind
	}
	if w := wildcards(r.rules); len(w) > 0 {
		f.report(obj, r.reached(), r.bindings, "wildcard", report.Warning,
			fmt.Sprintf("%s grants wildcards (%s)%s; %s", what, strings.Join(w, "; "), where, reach))
	}
	for _, c := range privilegeChecks {
		privs := c.privs
		if c.rule == "createPods" {
			privs = f.workloadPrivileges()
		}
		g := grants(r.rules, privs, c.named)
		if c.rule == "escalate" {
			g = append(g, explicitVerbs(r.rules, privs)...)
		}
		if len(g) == 0 {
			continue
		}
		f.report(obj, r.reached(), r.bindings, c.rule, report.Warning,
			fmt.Sprintf("%s allows %s (%s)%s; %s", what, c.what, strings.Join(g, "; "), where, reach))
	}
}

// workloadPrivileges are create on pods and on every kind that makes
// pods, the configured custom workloads included.
func (f RBAC) workloadPrivileges() []privilege {
	out := slices.Clone(workloadResources)
	if f.Scope != nil {
		for _, c := range f.Scope.CustomWorkloads {
			if g := group(c.APIVersion); !strings.ContainsAny(g, "*?") {
				out = append(out, privilege{g, []string{strings.ToLower(c.Kind) + "s"}, []string{"create"}})
			}
		}
	}
	return out
}

// checkScope reports a ClusterRole wider than its bindings use: bound only
// through RoleBindings of one namespace, or bound cluster-wide while it
// grants only namespaced resources to ServiceAccounts of one namespace.
func (f RBAC) checkScope(r *rbacRole) {
	if r.kind != "ClusterRole" || len(r.bindings) == 0 {
		return
	}
	var roleBindingNamespaces []string
	cluster := false
	for _, b := range r.bindings {
		if b.cluster {
			cluster = true
		} else if !slices.Contains(roleBindingNamespaces, b.namespace) {
			roleBindingNamespaces = append(roleBindingNamespaces, b.namespace)
		}
	}
	if !cluster && len(roleBindingNamespaces) == 1 && !r.aggregating && !r.userFacing {
		f.report(r.doc, r.reached(), r.bindings, "roleWouldDo", report.Warning,
			fmt.Sprintf("ClusterRole is bound only through RoleBindings in %s: a Role there would do; %s",
				namespaceText(roleBindingNamespaces[0]), r.reachText()))
	}
	resources, ok := namespacedOnly(r.rules)
	if !ok {
		return
	}
	for _, b := range r.bindings {
		if !b.cluster || len(b.others) > 0 || len(b.accounts) == 0 || f.clusterWide(b) {
			continue
		}
		var namespaces []string
		for _, a := range b.accounts {
			if a.name == "*" && a.namespace == "" {
				namespaces = nil // every ServiceAccount of the cluster
				break
			}
			if !slices.Contains(namespaces, a.namespace) {
				namespaces = append(namespaces, a.namespace)
			}
		}
		if len(namespaces) != 1 {
			continue
		}
		f.report(b.doc, b.workloads, nil, "namespacedOnly", report.Warning,
			fmt.Sprintf("grants ClusterRole %s, which holds only namespaced resources (%s), in every namespace to ServiceAccounts of %s: a Role and RoleBinding there would do, unless the app works across namespaces (then list its ServiceAccount in rbac.clusterWide); %s",
				r.name, strings.Join(resources, ", "), namespaceText(namespaces[0]), workloadText(b.workloads, b.accounts)))
	}
}

// clusterWide reports whether config says every account of the binding
// needs cluster-wide access.
func (f RBAC) clusterWide(b *rbacBinding) bool {
	for _, a := range b.accounts {
		ok := false
		for _, g := range f.ClusterWide {
			if globMatch(g, a.name) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return len(f.ClusterWide) > 0
}

// clusterAdmin reports a ClusterRoleBinding of full control over the
// cluster: an error when a workload of the release runs with it.
func (f RBAC) clusterAdmin(b *rbacBinding, role string) {
	sev := report.Warning
	for _, w := range b.workloads {
		if !w.Skips(ControlRBAC) {
			sev = report.Error
		}
	}
	f.report(b.doc, b.workloads, nil, "clusterAdmin", sev,
		fmt.Sprintf("binds %s cluster-wide: full control of the cluster; %s", role, workloadText(b.workloads, b.accounts)))
}

// report records a finding on obj unless obj, every binding it is granted
// through (via), or every workload it reaches is exempt from rbac; an
// exemption that hides one is reported.
func (f RBAC) report(obj *rbacDoc, reached []*Workload, via []*rbacBinding, rule string, sev report.Severity, msg string) {
	id := ControlRBAC + "." + rule
	if f.Scope.objectSkips(obj.object, obj.skip, ControlRBAC) {
		f.Scope.found(obj.object, "exemption", "applied", report.Info,
			"exempt: "+id+" not reported (chartsec.io/skip or an exclude rule names rbac)", "")
		return
	}
	var exemptVia []string
	for _, b := range via {
		if f.Scope.objectSkips(b.doc.object, b.doc.skip, ControlRBAC) {
			exemptVia = append(exemptVia, b.label())
		}
	}
	if len(via) > 0 && len(exemptVia) == len(via) {
		f.Scope.found(obj.object, "exemption", "applied", report.Info,
			"exempt: "+id+" not reported (the bindings that grant it are exempt from rbac: "+strings.Join(exemptVia, ", ")+")", "")
		return
	}
	var exempt []string
	for _, w := range reached {
		if w.Skips(ControlRBAC) {
			exempt = append(exempt, w.Object.String())
		}
	}
	if len(reached) > 0 && len(exempt) == len(reached) {
		f.Scope.found(obj.object, "exemption", "applied", report.Info,
			"exempt: "+id+" not reported (the workloads it reaches are exempt from rbac: "+strings.Join(exempt, ", ")+")", "")
		return
	}
	if s, ok := f.Severity[rule]; ok {
		sev, _ = report.ParseSeverity(s)
	}
	f.Scope.found(obj.object, ControlRBAC, rule, sev, msg, RuleHelp(id))
}

// reached returns the workloads any binding of the role reaches.
func (r *rbacRole) reached() []*Workload {
	var out []*Workload
	for _, b := range r.bindings {
		for _, w := range b.workloads {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// scopeText says where the role's grants apply.
func (r *rbacRole) scopeText() string {
	if r.kind == "Role" {
		return " in " + namespaceText(r.namespace)
	}
	var namespaces []string
	for _, b := range r.bindings {
		if b.cluster {
			return " in every namespace"
		}
		namespaces = append(namespaces, namespaceText(b.namespace))
	}
	if len(namespaces) == 0 {
		return ""
	}
	slices.Sort(namespaces)
	return " in " + strings.Join(slices.Compact(namespaces), ", ")
}

// reachText names the workloads the role reaches, or says why none.
func (r *rbacRole) reachText() string {
	if len(r.bindings) == 0 {
		return "no binding of the release grants it"
	}
	var accounts []saRef
	for _, b := range r.bindings {
		accounts = append(accounts, b.accounts...)
	}
	return workloadText(r.reached(), accounts)
}

func workloadText(ws []*Workload, accounts []saRef) string {
	if len(ws) == 0 {
		var names []string
		for _, a := range accounts {
			names = append(names, a.String())
		}
		if len(names) == 0 {
			return "bound to no ServiceAccount"
		}
		sort.Strings(names)
		return "no workload of the release runs as " + strings.Join(slices.Compact(names), ", ")
	}
	var names []string
	for _, w := range ws {
		names = append(names, w.Object.String()+" (ServiceAccount "+w.ServiceAccount()+")")
	}
	return "reaches " + strings.Join(names, ", ")
}

func (r saRef) String() string {
	name := r.name
	if name == "*" {
		name = "every ServiceAccount"
		if r.namespace != "" {
			return name + " of " + r.namespace
		}
		return name
	}
	if r.namespace != "" {
		return r.namespace + "/" + name
	}
	return name
}

func namespaceText(ns string) string {
	if ns == "" {
		return "the release namespace"
	}
	return "namespace " + ns
}
