// Package synth writes rendered streams with many workloads, the shapes of
// umbrella charts and "app of apps" renders, for benchmarks: the corpus
// holds few workloads per release, and costs that grow with the number of
// workloads hide there.
package synth

import (
	"bytes"
	"fmt"
)

// Shapes are the streams Stream writes, each adding documents to the one
// before it.
var Shapes = []string{"services", "rbac", "policies", "ingress"}

// Stream returns n workloads of a shape, as `helm template` renders them:
//
//   - services: a Deployment (2 replicas, one container with a named
//     port) and a Service targeting that port;
//   - rbac: also a ServiceAccount, a Role and a RoleBinding per workload;
//   - policies: also a NetworkPolicy and a PodDisruptionBudget per
//     workload, selecting its pods;
//   - ingress: also an Ingress per Service.
func Stream(shape string, n int) ([]byte, error) {
	level := -1
	for i, s := range Shapes {
		if s == shape {
			level = i
		}
	}
	if level < 0 {
		return nil, fmt.Errorf("unknown shape %q (known: %v)", shape, Shapes)
	}
	var b bytes.Buffer
	for i := range n {
		app := fmt.Sprintf("app-%d", i)
		labels := fmt.Sprintf("app.kubernetes.io/name: %s\n        app.kubernetes.io/instance: umbrella", app)
		sa := "default"
		if level >= 1 {
			sa = app
		}
		fmt.Fprintf(&b, `---
# Source: umbrella/charts/%[1]s/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  labels:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/instance: umbrella
    app.kubernetes.io/managed-by: Helm
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
      app.kubernetes.io/instance: umbrella
  template:
    metadata:
      labels:
        %[2]s
    spec:
      serviceAccountName: %[3]s
      containers:
        - name: %[1]s
          image: "registry.example.com/%[1]s:1.%[4]d.0"
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
---
# Source: umbrella/charts/%[1]s/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  labels:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/instance: umbrella
spec:
  type: ClusterIP
  ports:
    - port: 80
      targetPort: http
      protocol: TCP
      name: http
  selector:
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/instance: umbrella
`, app, labels, sa, i)
		if level >= 1 {
			fmt.Fprintf(&b, `---
# Source: umbrella/charts/%[1]s/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: %[1]s
---
# Source: umbrella/charts/%[1]s/templates/role.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: %[1]s
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get", "list", "watch"]
---
# Source: umbrella/charts/%[1]s/templates/rolebinding.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: %[1]s
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: %[1]s
subjects:
  - kind: ServiceAccount
    name: %[1]s
    namespace: umbrella
`, app)
		}
		if level >= 2 {
			fmt.Fprintf(&b, `---
# Source: umbrella/charts/%[1]s/templates/networkpolicy.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: %[1]s
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
      app.kubernetes.io/instance: umbrella
  policyTypes: [Ingress]
  ingress:
    - ports:
        - port: 8080
---
# Source: umbrella/charts/%[1]s/templates/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: %[1]s
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: %[1]s
      app.kubernetes.io/instance: umbrella
`, app)
		}
		if level >= 3 {
			fmt.Fprintf(&b, `---
# Source: umbrella/charts/%[1]s/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %[1]s
spec:
  ingressClassName: nginx
  rules:
    - host: %[1]s.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: %[1]s
                port:
                  number: 80
`, app)
		}
	}
	return b.Bytes(), nil
}
