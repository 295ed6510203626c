package transform

import (
	"strings"
	"testing"
)

const webOnDefault = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: example/web:1
`

const webOwnAccount = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: example/web:1
      serviceAccountName: web-chartsec-sa
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web-chartsec-sa
  namespace: shop
  labels:
    app.kubernetes.io/name: web
    chartsec.io/generated: "true"
automountServiceAccountToken: false
`

func perWorkload(c *Config) { c.ServiceAccount.PerWorkload = true }

func TestServiceAccount(t *testing.T) {
	defaultBinding := `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: default
  namespace: shop
`
	runFilterCases(t, []filterCase{
		{
			name:     "a workload that runs as default is reported",
			input:    webOnDefault,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "serviceAccountName: default is the same",
			input:    strings.Replace(webOnDefault, "      containers:", "      serviceAccountName: default\n      containers:", 1),
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:  "a workload with an account of its own is not",
			input: strings.Replace(webOnDefault, "      containers:", "      serviceAccountName: web\n      containers:", 1),
		},
		{
			name:     "perWorkload: its own account, without a token",
			input:    webOnDefault,
			config:   perWorkload,
			expected: webOwnAccount,
			findings: []string{"info changed serviceAccount/added", "info changed serviceAccount/perWorkload"},
		},
		{
			name:     "perWorkload: the deprecated serviceAccount field follows",
			input:    strings.Replace(webOnDefault, "      containers:", "      serviceAccount: default\n      containers:", 1),
			config:   perWorkload,
			expected: strings.Replace(webOwnAccount, "      containers:", "      serviceAccount: web-chartsec-sa\n      containers:", 1),
			findings: []string{"info changed serviceAccount/added", "info changed serviceAccount/perWorkload"},
		},
		{
			name:     "perWorkload: never when a binding of the release names default",
			input:    webOnDefault + "---\n" + defaultBinding,
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "perWorkload: never for a Helm hook",
			input:    strings.Replace(webOnDefault, "  namespace: shop\n", "  namespace: shop\n  annotations:\n    helm.sh/hook: pre-install\n", 1),
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "perWorkload: never for a pod that mounts its token",
			input:    strings.Replace(webOnDefault, "      containers:", "      automountServiceAccountToken: true\n      containers:", 1),
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "perWorkload: On is true to Kubernetes (YAML 1.1)",
			input:    strings.Replace(webOnDefault, "      containers:", "      automountServiceAccountToken: On\n      containers:", 1),
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "perWorkload: never when serviceAccountToken is off, so the pod keeps its token",
			input:    webOnDefault,
			config:   func(c *Config) { perWorkload(c); c.Disable = []string{ControlServiceAccountToken} },
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "perWorkload: never when the workload is exempt from serviceAccountToken",
			input:    strings.Replace(webOnDefault, "  namespace: shop\n", "  namespace: shop\n  annotations:\n    chartsec.io/skip: serviceAccountToken\n", 1),
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:     "perWorkload: serviceAccountToken off, but the chart turned the token off itself",
			input:    strings.Replace(webOnDefault, "      containers:", "      automountServiceAccountToken: false\n      containers:", 1),
			config:   func(c *Config) { perWorkload(c); c.Disable = []string{ControlServiceAccountToken} },
			expected: strings.Replace(webOwnAccount, "      containers:", "      automountServiceAccountToken: false\n      containers:", 1),
			findings: []string{"info changed serviceAccount/added", "info changed serviceAccount/perWorkload"},
		},
		{
			name:     "perWorkload: never when the Vault agent logs in as default",
			input:    strings.Replace(webOnDefault, "  template:\n", "  template:\n    metadata:\n      annotations:\n        vault.hashicorp.com/agent-inject: \"true\"\n", 1),
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name: "perWorkload: never when the release ships default itself",
			input: webOnDefault + `---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: shop
`,
			config:   perWorkload,
			findings: []string{"warning serviceAccount/default"},
		},
		{
			name:   "exempt",
			input:  strings.Replace(webOnDefault, "  namespace: shop\n", "  namespace: shop\n  annotations:\n    chartsec.io/skip: serviceAccount\n", 1),
			config: perWorkload,
		},
		{
			name:     "severity tuned",
			input:    webOnDefault,
			config:   func(c *Config) { c.ServiceAccount.Severity = map[string]string{"default": "info"} },
			findings: []string{"info serviceAccount/default"},
		},
	}, serviceAccountSection.Filter)
}

// The account's name is free in the stream, and a workload repeated in
// the stream gets one account.
func TestServiceAccountNames(t *testing.T) {
	taken := `apiVersion: v1
kind: ServiceAccount
metadata:
  name: web-chartsec-sa
  namespace: shop
`
	input := taken + "---\n" + webOnDefault + "---\n" + webOnDefault
	cfg := DefaultConfig()
	perWorkload(&cfg)
	out, err := serviceAccountSection.Filter(cfg, cfg.Scope(nil)).Filter(parseDocs(t, input))
	if err != nil {
		t.Fatal(err)
	}
	got := printDocs(t, out)
	if n := strings.Count(got, "name: web-chartsec-sa-2\n"); n != 1 {
		t.Errorf("want one ServiceAccount web-chartsec-sa-2, got %d:\n%s", n, got)
	}
	if n := strings.Count(got, "serviceAccountName: web-chartsec-sa-2\n"); n != 2 {
		t.Errorf("want both copies of the workload to use it, got %d:\n%s", n, got)
	}
}
