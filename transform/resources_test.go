package transform

import (
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
)

func TestResources(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name: "a container without resources gets the defaults",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      requests:
        cpu: 250m
        memory: 256Mi
      limits:
        cpu: 500m
        memory: 512Mi
`,
			findings: []string{
				"info changed resources/requests app",
				"info changed resources/limits app",
				"info changed resources/requests app",
				"info changed resources/limits app",
			},
		},
		{
			name: "empty resources grow into a block",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources: {}
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      requests:
        cpu: 250m
        memory: 256Mi
      limits:
        cpu: 500m
        memory: 512Mi
`,
			findings: []string{
				"info changed resources/requests app",
				"info changed resources/limits app",
				"info changed resources/requests app",
				"info changed resources/limits app",
			},
		},
		{
			name: "the chart's values stay, even below or above the defaults",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      requests:
        cpu: 10m
        memory: 2Gi
      limits:
        cpu: "4"
        memory: 2Gi
`,
		},
		{
			name: "a missing request under a low chart limit takes the limit",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      limits:
        cpu: "0.1"
        memory: 64Mi
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      limits:
        cpu: "0.1"
        memory: 64Mi
      requests:
        cpu: 100m
        memory: 64Mi
`,
			findings: []string{
				"info changed resources/requests app",
				"info changed resources/requests app",
			},
		},
		{
			name: "a missing limit over a high chart request takes the request; extended resources stay",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: trainer
spec:
  containers:
  - name: trainer
    image: example/trainer:1
    resources:
      requests:
        cpu: "2"
        memory: 1Gi
      limits:
        nvidia.com/gpu: 1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: trainer
spec:
  containers:
  - name: trainer
    image: example/trainer:1
    resources:
      requests:
        cpu: "2"
        memory: 1Gi
      limits:
        nvidia.com/gpu: 1
        cpu: "2"
        memory: 1Gi
`,
			findings: []string{
				"info changed resources/limits trainer",
				"info changed resources/limits trainer",
			},
		},
		{
			name: "a chart request below the default limit gets the default limit",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      requests:
        cpu: 100m
        memory: 128Mi
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      requests:
        cpu: 100m
        memory: 128Mi
      limits:
        cpu: 500m
        memory: 512Mi
`,
			findings: []string{
				"info changed resources/limits app",
				"info changed resources/limits app",
			},
		},
		{
			name: "a missing request under a high chart limit takes the limit, as Kubernetes would",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
  - name: db
    image: example/db:1
    resources:
      limits:
        cpu: "2"
        memory: 4Gi
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
  - name: db
    image: example/db:1
    resources:
      limits:
        cpu: "2"
        memory: 4Gi
      requests:
        cpu: "2"
        memory: 4Gi
`,
			findings: []string{
				"info changed resources/requests db",
				"info changed resources/requests db",
			},
		},
		{
			name: "empty defaults leave that resource out",
			config: func(c *Config) {
				c.Resources.Requests.CPU = ""
				c.Resources.Limits.CPU = ""
				c.Resources.Requests.Memory = ""
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    resources:
      limits:
        memory: 512Mi
`,
			findings: []string{"info changed resources/limits app"},
		},
		{
			name: "ephemeral containers take no resources; exempt containers keep theirs",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.sidecar: resources
spec:
  containers:
  - name: sidecar
    image: example/proxy:1
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
`,
		},
		{
			name:   "control disabled",
			config: func(c *Config) { c.Disable = []string{ControlResources} },
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
`,
		},
	}, resourcesSection.Filter)
}

func TestResourcesValidate(t *testing.T) {
	cases := []struct {
		name string
		r    Resources
		want string // "" for valid
	}{
		{"defaults", DefaultConfig().Resources, ""},
		{"all empty", Resources{}, ""},
		{"request equal to limit", Resources{Requests: ResourceValues{CPU: "1", Memory: "1Gi"}, Limits: ResourceValues{CPU: "1000m", Memory: "1024Mi"}}, ""},
		{"request without limit", Resources{Requests: ResourceValues{CPU: "8"}}, ""},
		{"bad request", Resources{Requests: ResourceValues{CPU: "a lot"}}, `resources.requests.cpu: "a lot" is not a quantity`},
		{"bad limit", Resources{Limits: ResourceValues{Memory: "512MB!"}}, `resources.limits.memory: "512MB!" is not a quantity`},
		{"request above limit", Resources{Requests: ResourceValues{Memory: "1Gi"}, Limits: ResourceValues{Memory: "512Mi"}},
			"resources.requests.memory (1Gi) is above resources.limits.memory (512Mi)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.r.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Validate() = %v, want an error saying %q", err, c.want)
			}
		})
	}
}
