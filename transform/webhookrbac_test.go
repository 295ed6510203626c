package transform

import (
	"reflect"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
)

func TestWebhookRegistrars(t *testing.T) {
	nodes := parseDocs(t, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: direct
rules:
- apiGroups: [admissionregistration.k8s.io]
  resources: [validatingwebhookconfigurations]
  verbs: [get, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
rules:
- apiGroups: [admissionregistration.k8s.io]
  resources: [validatingwebhookconfigurations]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: core
  labels: {aggregate-to-app: "true"}
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: aggregated
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {aggregate-to-app: "true"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: local
  namespace: ops
rules:
- apiGroups: [admissionregistration.k8s.io]
  resources: [mutatingwebhookconfigurations]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: direct}
subjects: [{kind: ServiceAccount, name: webhook, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: viewer, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: c}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aggregated}
subjects: [{kind: ServiceAccount, name: policy-engine, namespace: ops}, {kind: User, name: jane}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: d, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: local}
subjects: [{kind: ServiceAccount, name: local-registrar, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: by-expression
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions: [{key: aggregate-to-app, operator: Exists}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: empty-selector
aggregationRule:
  clusterRoleSelectors:
  - {}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: by-expression}
subjects: [{kind: ServiceAccount, name: expr-engine, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: f}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: empty-selector}
subjects: [{kind: ServiceAccount, name: empty, namespace: ops}]
`)
	// An aggregationRule selects as the aggregation controller does (and
	// as the rbac findings read it): by its whole selector; an empty one
	// is not followed.
	got := webhookRegistrars((*Scope)(nil).rbac(nodes))
	want := []saRef{{"ops", "webhook"}, {"ops", "policy-engine"}, {"ops", "local-registrar"}, {"ops", "expr-engine"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("webhookRegistrars = %v, want %v", got, want)
	}
}
