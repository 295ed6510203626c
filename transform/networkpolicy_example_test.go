package transform_test

import (
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// A Deployment and the Service in front of it: the policy allows the port
// the Service's named targetPort resolves to, from any pod of the cluster.
func ExampleNetworkPolicy() {
	rep := &report.Report{}
	f := transform.DefaultConfig().NetworkPolicy
	f.Scope = &transform.Scope{Report: rep}
	runExample(`apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app.kubernetes.io/name: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{name: http, containerPort: 8080}]
`, f, rep)
	// Output:
	// ---
	// apiVersion: networking.k8s.io/v1
	// kind: NetworkPolicy
	// metadata:
	//   name: web-chartsec-netpol
	//   labels:
	//     app.kubernetes.io/name: web
	//     chartsec.io/generated: "true"
	// spec:
	//   podSelector:
	//     matchLabels:
	//       app: web
	//   policyTypes:
	//   - Ingress
	//   ingress:
	//   - from:
	//     - namespaceSelector: {}
	//     ports:
	//     - port: 8080
	//       protocol: TCP
	// chartsec-harden: hardened Deployment web: networkPolicy
}
