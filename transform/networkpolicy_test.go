package transform

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

const webDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: shop, helm.sh/chart: web-1.0.0}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: web}
  template:
    metadata:
      labels: {app.kubernetes.io/name: web, app.kubernetes.io/instance: shop}
    spec:
      containers:
      - name: web
        image: web:1
        ports:
        - {name: http, containerPort: 8080}
`

// webPolicy is the policy the default configuration gives webDeployment.
const webPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-chartsec-netpol
  labels:
    app.kubernetes.io/name: web
    app.kubernetes.io/instance: shop
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: web
  policyTypes:
  - Ingress
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: 8080
      protocol: TCP
`

func defaultNetworkPolicy() NetworkPolicy {
	return DefaultConfig().NetworkPolicy
}

func TestNetworkPolicy(t *testing.T) {
	for _, tc := range []struct {
		companionCase
		config func(*NetworkPolicy)
	}{
		{companionCase: companionCase{
			name:     "containerPort",
			in:       webDeployment,
			want:     webPolicy,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "service target ports: named, numeric, defaulted to port, unresolved",
			in: webDeployment + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app.kubernetes.io/name: web}
  ports:
  - {port: 80, targetPort: http}
  - {port: 81, targetPort: 9000}
  - {port: 9100, protocol: UDP}
  - {port: 82, targetPort: grpc}
---
apiVersion: v1
kind: Service
metadata: {name: other}
spec:
  selector: {app.kubernetes.io/name: other}
  ports:
  - {port: 5432}
`,
			want: strings.Replace(webPolicy, `    - port: 8080
      protocol: TCP
`, `    - port: 8080
      protocol: TCP
    - port: 9000
      protocol: TCP
    - port: 9100
      protocol: UDP
`, 1),
			findings: []string{"warning networkPolicy.unresolvedPort", "info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "no port: ingress denied",
			in: `apiVersion: batch/v1
kind: Job
metadata: {name: backup, namespace: data}
spec:
  template:
    metadata:
      labels: {job: backup}
    spec:
      containers:
      - {name: backup, image: backup:1}
`,
			want: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: backup-chartsec-netpol
  namespace: data
  labels:
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      job: backup
  policyTypes:
  - Ingress
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "sidecar init container ports count, plain init container ports do not",
			in: `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: p}}
spec:
  initContainers:
  - {name: setup, image: x, ports: [{containerPort: 1111}]}
  - {name: proxy, image: x, restartPolicy: Always, ports: [{containerPort: 15001}]}
  containers:
  - {name: app, image: x}
`,
			want: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p-chartsec-netpol
  labels:
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      app: p
  policyTypes:
  - Ingress
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: 15001
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "hook, hostNetwork and unlabelled pods get none",
			in: `apiVersion: batch/v1
kind: Job
metadata: {name: migrate, annotations: {helm.sh/hook: pre-install}}
spec:
  template:
    metadata: {labels: {app: migrate}}
    spec: {containers: [{name: m, image: x}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {hostNetwork: true, containers: [{name: a, image: x}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: nolabels}
spec:
  template:
    spec: {containers: [{name: n, image: x}]}
`,
			findings: []string{"info networkPolicy.hook", "warning networkPolicy.noLabels", "info networkPolicy.hostNetwork"},
		}},
		{companionCase: companionCase{
			name:     "hostNetwork pods beside generated policies are warned about",
			in:       webDeployment + "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {hostNetwork: true, containers: [{name: a, image: x}]}\n",
			want:     webPolicy,
			findings: []string{"info networkPolicy.added", "warning networkPolicy.hostNetwork"},
		}},
		{companionCase: companionCase{
			name: "the chart's ingress policy covers the workload",
			in: webDeployment + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: chart-policy}
spec:
  podSelector:
    matchExpressions: [{key: app.kubernetes.io/name, operator: In, values: [web, api]}]
`,
			findings: []string{"info networkPolicy.covered"},
		}},
		{companionCase: companionCase{
			name: "a namespace-wide policy covers it too",
			in: webDeployment + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
`,
			findings: []string{"info networkPolicy.covered"},
		}},
		{companionCase: companionCase{
			name: "an egress-only policy or one of another namespace does not cover it",
			in: webDeployment + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-only}
spec:
  podSelector: {}
  policyTypes: [Egress]
`,
			want:     webPolicy,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "a policy of another namespace does not cover it; one without a namespace may",
			in: strings.Replace(webDeployment, "  name: web\n", "  name: web\n  namespace: shop\n", 1) + `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: elsewhere, namespace: other}
spec:
  podSelector: {}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job}
spec:
  template:
    metadata: {labels: {app: job}}
    spec: {containers: [{name: j, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: release-namespace}
spec:
  podSelector: {matchLabels: {app: job}}
`,
			want:     strings.Replace(webPolicy, "  name: web-chartsec-netpol\n", "  name: web-chartsec-netpol\n  namespace: shop\n", 1),
			findings: []string{"info networkPolicy.added", "info networkPolicy.covered"},
		}},
		{
			companionCase: companionCase{
				name: "sources: same namespace, namespace selectors and CIDRs",
				in:   webDeployment,
				want: strings.Replace(webPolicy, `    - namespaceSelector: {}
`, `    - podSelector: {}
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: ingress-nginx
    - ipBlock:
        cidr: 10.0.0.0/8
`, 1),
				findings: []string{"info networkPolicy.added"},
			},
			config: func(f *NetworkPolicy) {
				f.IngressFrom = IngressFromNamespace
				f.IngressNamespaces = []map[string]string{{"kubernetes.io/metadata.name": "ingress-nginx"}}
				f.IngressCIDRs = []string{"10.0.0.0/8"}
			},
		},
		{companionCase: companionCase{
			name: "LoadBalancer ports are open to any address",
			in: webDeployment + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app.kubernetes.io/name: web}
  ports: [{port: 443, targetPort: http}]
`,
			want: webPolicy + `  - from:
    - ipBlock:
        cidr: 0.0.0.0/0
    - ipBlock:
        cidr: ::/0
    ports:
    - port: 8080
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "host ports are open to any address",
			in:   strings.Replace(webDeployment, "{name: http, containerPort: 8080}", "{name: http, containerPort: 8080, hostPort: 80}", 1),
			want: webPolicy + `  - from:
    - ipBlock:
        cidr: 0.0.0.0/0
    - ipBlock:
        cidr: ::/0
    ports:
    - port: 8080
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{
			companionCase: companionCase{
				name: "externalIngress false keeps LoadBalancer ports to the configured sources",
				in: webDeployment + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app.kubernetes.io/name: web}
  ports: [{port: 443, targetPort: http}]
`,
				want:     webPolicy,
				findings: []string{"info networkPolicy.added"},
			},
			config: func(f *NetworkPolicy) { f.ExternalIngress = false },
		},
		{companionCase: companionCase{
			name: "ports the API server calls are open to any address: webhook",
			in: webDeployment + `---
apiVersion: v1
kind: Service
metadata: {name: web-webhook, namespace: shop}
spec:
  selector: {app.kubernetes.io/name: web}
  ports: [{port: 443, targetPort: 8080}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: web}
webhooks:
- name: validate.web.example
  clientConfig:
    service: {name: web-webhook, namespace: shop, path: /validate}
`,
			want: webPolicy + `  - from:
    - ipBlock:
        cidr: 0.0.0.0/0
    - ipBlock:
        cidr: ::/0
    ports:
    - port: 8080
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "ports the API server calls are open to any address: aggregated API",
			in: webDeployment + `---
apiVersion: v1
kind: Service
metadata: {name: metrics}
spec:
  selector: {app.kubernetes.io/name: web}
  ports: [{port: 8443, targetPort: http}, {port: 9090}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.metrics.k8s.io}
spec:
  service: {name: metrics, namespace: shop, port: 8443}
  group: metrics.k8s.io
  version: v1beta1
`,
			want: strings.Replace(webPolicy, `    - port: 8080
      protocol: TCP
`, `    - port: 8080
      protocol: TCP
    - port: 9090
      protocol: TCP
`, 1) + `  - from:
    - ipBlock:
        cidr: 0.0.0.0/0
    - ipBlock:
        cidr: ::/0
    ports:
    - port: 8080
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "ports the API server calls are open to any address: conversion webhook",
			in: webDeployment + `---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app.kubernetes.io/name: web}
  ports: [{port: 443, targetPort: http}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  conversion:
    strategy: Webhook
    webhook:
      clientConfig:
        service: {name: web, namespace: shop, path: /convert}
      conversionReviewVersions: [v1]
`,
			want: webPolicy + `  - from:
    - ipBlock:
        cidr: 0.0.0.0/0
    - ipBlock:
        cidr: ::/0
    ports:
    - port: 8080
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "matchExpressions are kept, values as strings",
			in: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  selector:
    matchLabels: {app: db, version: "1.0"}
    matchExpressions: [{key: role, operator: In, values: [primary, replica]}]
  template:
    metadata: {labels: {app: db, version: "1.0", role: primary}}
    spec: {containers: [{name: db, image: x, ports: [{containerPort: 5432}]}]}
`,
			want: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-chartsec-netpol
  labels:
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      app: db
      version: "1.0"
    matchExpressions:
    - key: role
      operator: In
      values:
      - primary
      - replica
  policyTypes:
  - Ingress
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: 5432
      protocol: TCP
`,
			findings: []string{"info networkPolicy.added"},
		}},
		{companionCase: companionCase{
			name: "a selector that also picks another workload's pods is narrowed by template labels",
			in: `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x, version: "2", component: web}}
    spec: {containers: [{name: a, image: x}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: x, version: "2", component: cleanup}}
        spec: {restartPolicy: Never, containers: [{name: c, image: x}]}
`,
			want: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: app-chartsec-netpol
  labels:
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      app: x
      component: web
  policyTypes:
  - Ingress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: cleanup-chartsec-netpol
  labels:
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      app: x
      version: "2"
      component: cleanup
  policyTypes:
  - Ingress
`,
			findings: []string{"info networkPolicy.added", "info networkPolicy.added"},
		}},
		{
			companionCase: companionCase{
				name: "exempt by exclude rule",
				in:   webDeployment,
			},
			config: func(f *NetworkPolicy) {
				f.Scope.Exclude = []ExcludeRule{{Kind: "Deployment", Name: "web", Controls: []string{ControlNetworkPolicy}}}
			},
		},
		{
			companionCase: companionCase{
				name: "restricted egress with custom DNS pods",
				in:   webDeployment,
				want: webPolicy[:strings.Index(webPolicy, "  - Ingress\n")] + `  - Ingress
  - Egress
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: 8080
      protocol: TCP
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: dns
      podSelector:
        matchLabels:
          app: coredns
    ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  - to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: web
    ports:
    - port: 8080
      protocol: TCP
`,
				findings: []string{"info networkPolicy.added"},
			},
			config: func(f *NetworkPolicy) {
				f.Egress = EgressRestricted
				f.DNSNamespace = "dns"
				f.DNSPodLabels = map[string]string{"app": "coredns"}
			},
		},
		{
			companionCase: companionCase{
				name:     "denyAll without an instance label adds nothing and says so",
				in:       "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n",
				findings: []string{"warning networkPolicy.noLabels", "warning networkPolicy.denyAll"},
			},
			config: func(f *NetworkPolicy) { f.DenyAll = true },
		},
		{
			companionCase: companionCase{
				name: "denyAll with restricted egress still allows DNS",
				in:   "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec: {containers: [{name: c, image: x}]}\n---\n" + webDeployment,
				want: webPolicy[:strings.Index(webPolicy, "  - Ingress\n")] + `  - Ingress
  - Egress
  ingress:
  - from:
    - namespaceSelector: {}
    ports:
    - port: 8080
      protocol: TCP
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  - to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: web
    ports:
    - port: 8080
      protocol: TCP
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: shop-chartsec-deny-all
  labels:
    app.kubernetes.io/instance: shop
    chartsec.io/generated: "true"
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/instance: shop
  policyTypes:
  - Ingress
  - Egress
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
`,
				findings: []string{"warning networkPolicy.noLabels", "info networkPolicy.added", "info networkPolicy.denyAll"},
			},
			config: func(f *NetworkPolicy) { f.DenyAll = true; f.Egress = EgressRestricted },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkCompanion(t, tc.companionCase, func(s *Scope) kio.Filter {
				cfg := DefaultConfig()
				cfg.NetworkPolicy.Scope = s // a case may exempt through it
				if tc.config != nil {
					tc.config(&cfg.NetworkPolicy)
				}
				return networkPolicySection.Filter(cfg, s)
			})
		})
	}
}

func TestNetworkPolicyDisabled(t *testing.T) {
	got, findings := runCompanion(t, webDeployment, func(s *Scope) kio.Filter {
		s.Disabled = map[string]bool{ControlNetworkPolicy: true}
		return networkPolicySection.Filter(DefaultConfig(), s)
	})
	if got != "" || len(findings) > 0 {
		t.Errorf("disabled filter added %q, found %v", got, findings)
	}
}

// TestNetworkPolicyIdempotent runs the filter over its own output.
func TestNetworkPolicyIdempotent(t *testing.T) {
	f := func(s *Scope) kio.Filter {
		p := defaultNetworkPolicy()
		p.Scope, p.DenyAll, p.Egress = s, true, EgressRestricted
		return p
	}
	first, _ := runCompanion(t, webDeployment, f)
	if first == "" {
		t.Fatal("nothing added")
	}
	if again, _ := runCompanion(t, webDeployment+"---\n"+first, f); again != "" {
		t.Errorf("second pass added:\n%s", again)
	}
}

func TestNetworkPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		config  func(*NetworkPolicy)
		wantErr string
	}{
		{"defaults", func(*NetworkPolicy) {}, ""},
		{"zero value", func(f *NetworkPolicy) { *f = NetworkPolicy{} }, ""},
		{"ingressFrom", func(f *NetworkPolicy) { f.IngressFrom = "anywhere" }, "networkPolicy.ingressFrom"},
		{"none without sources", func(f *NetworkPolicy) { f.IngressFrom = IngressFromNone }, "needs networkPolicy.ingressNamespaces"},
		{"none with a CIDR", func(f *NetworkPolicy) { f.IngressFrom, f.IngressCIDRs = IngressFromNone, []string{"10.0.0.0/8"} }, ""},
		{"egress", func(f *NetworkPolicy) { f.Egress = "deny" }, "networkPolicy.egress"},
		{"CIDR", func(f *NetworkPolicy) { f.EgressCIDRs = []string{"10.0.0.1"} }, "networkPolicy.egressCIDRs"},
		{"namespace label", func(f *NetworkPolicy) { f.IngressNamespaces = []map[string]string{{"bad key!": "x"}} }, "networkPolicy.ingressNamespaces"},
		{"dns namespace", func(f *NetworkPolicy) { f.DNSNamespace = "Kube_System" }, "networkPolicy.dnsNamespace"},
		{"port", func(f *NetworkPolicy) { f.EgressPorts = []PolicyPort{{Port: 70000}} }, "networkPolicy.egressPorts"},
		{"protocol", func(f *NetworkPolicy) { f.EgressPorts = []PolicyPort{{Port: 53, Protocol: "ICMP"}} }, "networkPolicy.egressPorts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := defaultNetworkPolicy()
			tc.config(&f)
			err := f.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want an error with %q", err, tc.wantErr)
			}
		})
	}
}

func TestNetworkPolicyConfigFile(t *testing.T) {
	cfg, err := LoadConfig(strings.NewReader(`networkPolicy:
  egress: restricted
  egressPorts: [{port: 443}]
  dnsPodLabels: {app: coredns}
`))
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.NetworkPolicy
	if f.Egress != EgressRestricted || len(f.EgressPorts) != 1 || f.EgressPorts[0].Port != 443 || f.IngressFrom != IngressFromCluster || !f.ExternalIngress {
		t.Errorf("config read as %+v", f)
	}
	if len(f.DNSPodLabels) != 1 || f.DNSPodLabels["app"] != "coredns" {
		t.Errorf("dnsPodLabels %v: the default must not merge into a configured selector", f.DNSPodLabels)
	}
	if _, err := LoadConfig(strings.NewReader("networkPolicy:\n  egres: restricted\n")); err == nil || !strings.Contains(err.Error(), "networkPolicy") {
		t.Errorf("a typo must be an error naming the section, got %v", err)
	}
}
