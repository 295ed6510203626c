package transform_test

import (
	"fmt"
	"log"

	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func ExampleRBAC() {
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	f := cfg.RBAC
	f.Scope = cfg.Scope(rep)
	var nodes []*yaml.RNode
	for _, d := range []string{`apiVersion: apps/v1
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
        image: example/op:1.0
`, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: op
rules:
- apiGroups: [""]
  resources: [secrets, nodes]
  verbs: [get, list, watch]
`, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: op
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: op}
subjects:
- {kind: ServiceAccount, name: op, namespace: ops}
`} {
		nodes = append(nodes, yaml.MustParse(d))
	}
	if _, err := f.Filter(nodes); err != nil { // it reports, and changes nothing
		log.Fatal(err)
	}
	for _, f := range rep.Findings() {
		fmt.Printf("%s %s on %s: %s\n", f.Severity, f.ID(), f.Object, f.Message)
	}
	// Output:
	// warning rbac.secretsRead on ClusterRole op: ClusterRole allows reading Secrets (get, list, watch on secrets) in every namespace; reaches Deployment ops/op (ServiceAccount op)
}

func ExampleServiceAccount() {
	cfg := transform.DefaultConfig()
	cfg.ServiceAccount.PerWorkload = true
	rep := &report.Report{}
	f := cfg.ServiceAccount
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: example/web:1.0
`)
	// Output:
	// # before
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata:
	//   name: web
	//   namespace: shop
	// spec:
	//   template:
	//     spec:
	//       containers:
	//       - name: web
	//         image: example/web:1.0
	// # after
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata:
	//   name: web
	//   namespace: shop
	// spec:
	//   template:
	//     spec:
	//       containers:
	//       - name: web
	//         image: example/web:1.0
	//       serviceAccountName: web-chartsec-sa
	// ---
	// apiVersion: v1
	// kind: ServiceAccount
	// metadata:
	//   name: web-chartsec-sa
	//   namespace: shop
	//   labels:
	//     chartsec.io/generated: "true"
	// automountServiceAccountToken: false
	// # info: ServiceAccount web-chartsec-sa added, with automountServiceAccountToken: false
	// # info: runs as its own ServiceAccount web-chartsec-sa instead of the namespace's default; imagePullSecrets attached to the namespace's default ServiceAccount do not carry over (list them under images.pullSecrets)
}
