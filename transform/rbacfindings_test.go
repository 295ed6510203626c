package transform

import (
	"slices"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/report"
)

// rbacDocs builds a release: an operator Deployment in namespace ops that
// runs as ServiceAccount op, and a role of kind roleKind with these rules,
// bound to op by a binding of kind bindingKind.
func rbacDocs(roleKind, bindingKind, rules string) string {
	roleNS := ""
	if roleKind == "Role" {
		roleNS = "  namespace: ops\n"
	}
	bindingNS := ""
	if bindingKind == "RoleBinding" {
		bindingNS = "  namespace: ops\n"
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: op
  namespace: ops
spec:
  template:
    spec:
      serviceAccountName: op
      containers:
      - name: op
        image: example/op:1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ` + roleKind + `
metadata:
  name: op
` + roleNS + `rules:
` + rules + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ` + bindingKind + `
metadata:
  name: op
` + bindingNS + `roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ` + roleKind + `
  name: op
subjects:
- kind: ServiceAccount
  name: op
  namespace: ops
`
}

const leaderElection = `- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
`

func TestRBAC(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name:  "a leader-election Role holds only what it needs",
			input: rbacDocs("Role", "RoleBinding", leaderElection),
		},
		{
			name: "a wildcard in verbs, resources or apiGroups",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [configmaps]
  verbs: ["*"]
`),
			findings: []string{"warning rbac/wildcard"},
		},
		{
			name: "reading Secrets, cluster-wide (where a namespace would do)",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [list, watch]
`),
			findings: []string{"warning rbac/secretsRead", "warning rbac/namespacedOnly"},
		},
		{
			name: "reading named Secrets is what the app needs",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  resourceNames: [op-tls]
  verbs: [get, watch]
`),
		},
		{
			name: "exec, attach and port-forward",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
- apiGroups: [""]
  resources: [pods/*]
  verbs: [get]
`),
			findings: []string{"warning rbac/podExec"},
		},
		{
			name: "create on pods or on a workload kind",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [batch]
  resources: [jobs]
  verbs: [create, delete]
`),
			findings: []string{"warning rbac/createPods"},
		},
		{
			name: "create on a configured custom workload kind",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [argoproj.io]
  resources: [rollouts]
  verbs: [create]
`),
			findings: []string{"warning rbac/createPods"},
		},
		{
			name: "escalate, bind, impersonate",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles]
  verbs: [bind]
  resourceNames: [view]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [impersonate]
`),
			findings: []string{"warning rbac/escalate"},
		},
		{
			name: "impersonate named on a resource the checks do not list",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [example.com]
  resources: [tenants]
  verbs: [impersonate]
`),
			findings: []string{"warning rbac/escalate"},
		},
		{
			name: "write access to RBAC objects",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings]
  verbs: [create]
`),
			findings: []string{"warning rbac/writeRBAC"},
		},
		{
			name: "write access to webhook configurations",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [admissionregistration.k8s.io]
  resources: [mutatingwebhookconfigurations]
  verbs: [get, list, watch, patch]
`),
			findings: []string{"warning rbac/writeWebhooks"},
		},
		{
			name: "updating only its own webhook configuration is what the app needs",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [admissionregistration.k8s.io]
  resources: [validatingwebhookconfigurations]
  resourceNames: [op-webhook]
  verbs: [get, update, patch]
`),
		},
		{
			name: "a ClusterRole with * on * bound cluster-wide is cluster-admin",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
`),
			findings: []string{
				"warning rbac/wildcard", "warning rbac/secretsRead", "warning rbac/podExec", "warning rbac/createPods",
				"warning rbac/escalate", "warning rbac/writeRBAC", "warning rbac/writeWebhooks", "error rbac/clusterAdmin",
			},
		},
		{
			name:     "a ClusterRole bound only through a RoleBinding",
			input:    rbacDocs("ClusterRole", "RoleBinding", leaderElection),
			findings: []string{"warning rbac/roleWouldDo"},
		},
		{
			name: "a ClusterRoleBinding of namespaced resources to one namespace's ServiceAccounts",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
`),
			findings: []string{"warning rbac/namespacedOnly"},
		},
		{
			name: "a ClusterRoleBinding of namespaced resources that also names a user: not reported",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
`) + `- kind: User
  name: alice
`,
		},
		{
			name: "rbac.clusterWide says the app works across namespaces",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch]
`),
			config: func(c *Config) { c.RBAC.ClusterWide = []string{"o*"} },
		},
		{
			name: "a custom resource's scope is unknown: not reported",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [example.com]
  resources: [widgets]
  verbs: [get, list, watch]
`),
		},
		{
			name: "cluster-scoped resources need a ClusterRoleBinding",
			input: rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [""]
  resources: [nodes, pods]
  verbs: [get, list, watch]
`),
		},
		{
			name: "severity tuned in config",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`),
			config:   func(c *Config) { c.RBAC.Severity = map[string]string{"secretsRead": "error"} },
			findings: []string{"error rbac/secretsRead"},
		},
		{
			name: "disabled",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`),
			config: func(c *Config) { c.Disable = []string{ControlRBAC} },
		},
		{
			name: "an exemption on the role is reported instead",
			input: strings.Replace(rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`), "  name: op\n  namespace: ops\nrules:", "  name: op\n  namespace: ops\n  annotations:\n    chartsec.io/skip: rbac\nrules:", 1),
			findings: []string{"info exemption/applied"},
		},
		{
			name: "an exemption on the binding that grants it",
			input: strings.Replace(rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`), "kind: RoleBinding\nmetadata:\n  name: op\n", "kind: RoleBinding\nmetadata:\n  name: op\n  annotations:\n    chartsec.io/skip: rbac\n", 1),
			findings: []string{"info exemption/applied"},
		},
		{
			name: "an exclude rule for the workload it reaches",
			input: rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`),
			config: func(c *Config) {
				c.Exclude = []ExcludeRule{{Kind: "Deployment", Name: "op", Controls: []string{ControlRBAC}}}
			},
			findings: []string{"info exemption/applied"},
		},
	}, rbacSection.Filter)
}

// rbacRun runs the RBAC filter over input with the default configuration
// changed by edit, and returns the findings.
func rbacRun(t *testing.T, input string, edit func(*Config)) []report.Finding {
	t.Helper()
	cfg := DefaultConfig()
	if edit != nil {
		edit(&cfg)
	}
	rep := &report.Report{}
	if _, err := rbacSection.Filter(cfg, cfg.Scope(rep)).Filter(parseDocs(t, input)); err != nil {
		t.Fatal(err)
	}
	return rep.Findings()
}

func TestRBACMessages(t *testing.T) {
	cases := []struct {
		name, input string
		want        []string // in the one finding's message
	}{
		{"names the workload, its account and the scope", rbacDocs("ClusterRole", "ClusterRoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create]
- apiGroups: [""]
  resources: [nodes]
  verbs: [get]
`), []string{"get, list, watch on secrets", "in every namespace", "reaches Deployment ops/op (ServiceAccount op)"}},
		{"a Role's namespace", rbacDocs("Role", "RoleBinding", `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`), []string{"in namespace ops"}},
		{"an unbound role", `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: lone
rules:
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create]
`, []string{"create on pods/exec", "no binding of the release grants it"}},
		{"cluster-admin bound to an account no workload of the release uses", `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: installer
  namespace: ops
`, []string{"binds ClusterRole cluster-admin cluster-wide", "no workload of the release runs as ops/installer"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := rbacRun(t, c.input, nil)
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1: %+v", len(fs), fs)
			}
			for _, w := range c.want {
				if !strings.Contains(fs[0].Message, w) {
					t.Errorf("message %q lacks %q", fs[0].Message, w)
				}
			}
			if fs[0].Hint == "" {
				t.Error("no fix hint")
			}
		})
	}
}

func TestRBACClusterAdmin(t *testing.T) {
	binding := `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: op-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: op
  namespace: ops
`
	docs := rbacDocs("Role", "RoleBinding", leaderElection) + "---\n" + binding
	fs := rbacRun(t, docs, nil)
	if len(fs) != 1 || fs[0].ID() != "rbac.clusterAdmin" || fs[0].Severity != report.Error || fs[0].Object.Kind != "ClusterRoleBinding" {
		t.Fatalf("want one error rbac.clusterAdmin on the binding, got %+v", fs)
	}
	// only an explicit exemption accepts it, and says so
	exempt := strings.Replace(docs, "  name: op-admin\n", "  name: op-admin\n  annotations:\n    chartsec.io/skip: rbac\n", 1)
	fs = rbacRun(t, exempt, nil)
	if len(fs) != 1 || fs[0].ID() != "exemption.applied" || !strings.Contains(fs[0].Message, "rbac.clusterAdmin") {
		t.Fatalf("want the exemption reported, got %+v", fs)
	}
	// a RoleBinding to cluster-admin is admin of one namespace: its grants are reported
	rb := strings.Replace(strings.Replace(binding, "kind: ClusterRoleBinding", "kind: RoleBinding", 1), "  name: op-admin\n", "  name: op-admin\n  namespace: ops\n", 1)
	var ids []string
	for _, f := range rbacRun(t, rb, nil) {
		ids = append(ids, f.ID())
		if f.Object.Kind != "RoleBinding" || !strings.Contains(f.Message, "ClusterRole cluster-admin") {
			t.Errorf("finding not located on the binding or not naming the role: %+v", f)
		}
	}
	if !slices.Contains(ids, "rbac.secretsRead") || slices.Contains(ids, "rbac.clusterAdmin") {
		t.Errorf("RoleBinding to cluster-admin: %v", ids)
	}
}

// An aggregated ClusterRole holds the rules of those it selects: the
// finding is on it, once, and not on the pieces.
func TestRBACAggregation(t *testing.T) {
	docs := strings.Replace(rbacDocs("ClusterRole", "ClusterRoleBinding", "[]\n"), "rules:\n[]\n", `aggregationRule:
  clusterRoleSelectors:
  - matchLabels:
      example.com/aggregate-to-op: "true"
rules: []
`, 1) + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: op-secrets
  labels:
    example.com/aggregate-to-op: "true"
rules:
- apiGroups: [""]
  resources: [secrets, nodes]
  verbs: [get]
`
	fs := rbacRun(t, docs, nil)
	if len(fs) != 1 || fs[0].ID() != "rbac.secretsRead" || fs[0].Object.Name != "op" || !strings.Contains(fs[0].Message, "Deployment ops/op") {
		t.Fatalf("want one secretsRead on the aggregated ClusterRole op, got %+v", fs)
	}
}

func TestRBACConfigValidation(t *testing.T) {
	for _, c := range []struct{ yaml, err string }{
		{"rbac:\n  severity: {secretRead: error}\n", `rbac.severity: unknown rule "secretRead"`},
		{"rbac:\n  severity: {secretsRead: fatal}\n", "rbac.severity.secretsRead"},
		{"serviceAccount:\n  severity: {default: loud}\n", "serviceAccount.severity.default"},
		{"rbac:\n  clusterWides: []\n", "unknown key clusterWides"},
	} {
		_, err := LoadConfig(strings.NewReader(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: got %v, want an error with %q", c.yaml, err, c.err)
		}
	}
}

// A binding to the system:serviceaccounts groups reaches every workload of
// the namespace (or of the cluster), and a ClusterRoleBinding to every
// account of the cluster is not "one namespace".
func TestRBACGroupSubjects(t *testing.T) {
	rules := `- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`
	subject := "- kind: ServiceAccount\n  name: op\n  namespace: ops\n"
	for _, c := range []struct {
		group string
		want  []string
	}{
		{"system:serviceaccounts:ops", []string{"rbac.secretsRead", "rbac.namespacedOnly"}},
		{"system:serviceaccounts", []string{"rbac.secretsRead"}},
	} {
		docs := strings.Replace(rbacDocs("ClusterRole", "ClusterRoleBinding", rules), subject,
			"- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: "+c.group+"\n", 1)
		var ids []string
		for _, f := range rbacRun(t, docs, nil) {
			ids = append(ids, f.ID())
			if !strings.Contains(f.Message, "reaches Deployment ops/op") {
				t.Errorf("%s: %s does not name the workload: %s", c.group, f.ID(), f.Message)
			}
		}
		if !slices.Equal(ids, c.want) {
			t.Errorf("%s: %v, want %v", c.group, ids, c.want)
		}
	}
}

// Odd shapes the API server would refuse reach the filter only when the
// type check is off; the filter must not panic on them nor report them.
func TestRBACOddShapes(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: a}\nrules: {apiGroups: x}\n",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: a}\nrules: [x, {verbs: get}, {verbs: [null, [get]], resources: [{a: b}]}]\n",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\naggregationRule: {clusterRoleSelectors: [x, {matchLabels: 1}]}\n",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: x\nroleRef: y\nsubjects: z\n",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [x, {kind: ServiceAccount}]\n",
	} {
		fs := rbacRun(t, doc, nil)
		for _, f := range fs {
			if f.Control == ControlRBAC && f.Rule != "clusterAdmin" {
				t.Errorf("%q: %s: %s", doc, f.ID(), f.Message)
			}
		}
	}
}
