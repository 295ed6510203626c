package transform

import (
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
)

// Documents the cases below combine.
const (
	appSA = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: shop
`
	appSAOff = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: shop
automountServiceAccountToken: false
`
	appDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: app
      containers:
      - name: app
        image: example/app:1
`
	appDeploymentOff = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: app
      containers:
      - name: app
        image: example/app:1
      automountServiceAccountToken: false
`
	appRoleBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: app
subjects:
- kind: ServiceAccount
  name: app
  namespace: shop
`
)

func TestServiceAccountToken(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name:     "an unbound ServiceAccount and its pods lose the token",
			input:    appSA + "---\n" + appDeployment,
			expected: appSAOff + "---\n" + appDeploymentOff,
			findings: []string{
				"info changed serviceAccountToken/automount",
				"info changed serviceAccountToken/automount",
			},
		},
		{
			name:     "a RoleBinding in the release keeps the token",
			findings: []string{"info serviceAccountToken/needsAPI"},
			input:    appSA + "---\n" + appRoleBinding + "---\n" + appDeployment,
		},
		{
			name:     "a ClusterRoleBinding in the release keeps the token",
			findings: []string{"info serviceAccountToken/needsAPI"},
			input: appSA + "---\n" + appDeployment + "---\n" + `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: app-reader
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: User
  name: jane
- kind: ServiceAccount
  name: app
  namespace: shop
`,
		},
		{
			name: "a binding of a same-named ServiceAccount in another namespace does not count",
			input: appSA + "---\n" + appDeployment + "---\n" + `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: other
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: app
  namespace: billing
`,
			expected: appSAOff + "---\n" + appDeploymentOff + "---\n" + `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: other
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: app
  namespace: billing
`,
			findings: []string{
				"info changed serviceAccountToken/automount",
				"info changed serviceAccountToken/automount",
			},
		},
		{
			name: "a binding-shaped document of another API group does not count",
			input: appSA + "---\n" + appDeployment + "---\n" + `apiVersion: example.com/v1
kind: RoleBinding
metadata:
  name: app
subjects:
- kind: ServiceAccount
  name: app
`,
			expected: appSAOff + "---\n" + appDeploymentOff + "---\n" + `apiVersion: example.com/v1
kind: RoleBinding
metadata:
  name: app
subjects:
- kind: ServiceAccount
  name: app
`,
			findings: []string{
				"info changed serviceAccountToken/automount",
				"info changed serviceAccountToken/automount",
			},
		},
		{
			name:     "needsAPI globs keep the token",
			findings: []string{"info serviceAccountToken/needsAPI"},
			config:   func(c *Config) { c.ServiceAccountToken.NeedsAPI = []string{"ap*"} },
			input:    appSA + "---\n" + appDeployment,
		},
		{
			name: "the chart's automount: true on the ServiceAccount stays, and its pods keep the token",
			input: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: shop
automountServiceAccountToken: true
---
` + appDeployment,
		},
		{
			name: "the chart's automount on the pod stays",
			input: appSA + "---\n" + `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: app
      automountServiceAccountToken: true
      containers:
      - name: app
        image: example/app:1
`,
			expected: appSAOff + "---\n" + `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: app
      automountServiceAccountToken: true
      containers:
      - name: app
        image: example/app:1
`,
			findings: []string{"info changed serviceAccountToken/automount"},
		},
		{
			name: "a pod of the default ServiceAccount loses the token",
			input: `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: example/migrate:1
`,
			expected: `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: example/migrate:1
      automountServiceAccountToken: false
`,
			findings: []string{"info changed serviceAccountToken/automount"},
		},
		{
			name:     "a pod naming its account with the deprecated serviceAccount field",
			findings: []string{"info serviceAccountToken/needsAPI"},
			input: appRoleBinding + "---\n" + `apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: shop
spec:
  serviceAccount: app
  containers:
  - name: app
    image: example/app:1
`,
		},
		{
			name: "a ServiceAccount from outside the release is left alone, with a note",
			input: `apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  serviceAccountName: platform-operator
  containers:
  - name: app
    image: example/app:1
`,
			findings: []string{"info serviceAccountToken/externalServiceAccount"},
		},
		{
			name: "exempt ServiceAccount and exempt pod",
			input: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: shop
  annotations:
    chartsec.io/skip: serviceAccountToken
---
apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: shop
  annotations:
    chartsec.io/skip: serviceAccountToken
spec:
  serviceAccountName: app
  containers:
  - name: app
    image: example/app:1
`,
		},
		{
			name: "pods of an exempt ServiceAccount keep the token",
			input: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: shop
  annotations:
    chartsec.io/skip: serviceAccountToken
---
` + appDeployment,
		},
		{
			name:     "a binding of the namespace's service account group keeps the token",
			findings: []string{"info serviceAccountToken/needsAPI"},
			input: appSA + "---\n" + appDeployment + "---\n" + `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: all-accounts
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: system:serviceaccounts:shop
`,
		},
		{
			name:   "control disabled",
			config: func(c *Config) { c.Disable = []string{ControlServiceAccountToken} },
			input:  appSA + "---\n" + appDeployment,
		},
	}, serviceAccountTokenSection.Filter)
}
