package transform

import (
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
)

// The findings of a container that had no security context at all.
func containerDefaults(name string) []string {
	return []string{
		"info changed containerSecurity/allowPrivilegeEscalation " + name,
		"info changed containerSecurity/runAsNonRoot " + name,
		"info changed readOnlyRootFilesystem/readOnlyRootFilesystem " + name,
		"info changed capabilities/dropAll " + name,
	}
}

func TestContainerSecurity(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name: "container without a security context",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop:
        - ALL
`,
			findings: containerDefaults("web"),
		},
		{
			name: "hardened container is left as it is",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
    securityContext:
      capabilities:
        drop: [ALL]
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      allowPrivilegeEscalation: false
`,
		},
		{
			name: "the chart's readOnlyRootFilesystem: false is kept and reported",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: controller
spec:
  containers:
  - name: controller
    image: example/controller:1
    securityContext:
      readOnlyRootFilesystem: false
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: controller
spec:
  containers:
  - name: controller
    image: example/controller:1
    securityContext:
      readOnlyRootFilesystem: false
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities:
        drop:
        - ALL
`,
			findings: []string{
				"info changed containerSecurity/allowPrivilegeEscalation controller",
				"info changed containerSecurity/runAsNonRoot controller",
				"warning readOnlyRootFilesystem/chartWritableRoot controller",
				"info changed capabilities/dropAll controller",
			},
		},
		{
			name: "the chart's runAsNonRoot: false is replaced with a warning",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: false
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
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
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
`,
			findings: []string{"warning changed containerSecurity/runAsNonRoot app"},
		},
		{
			name: "capabilities outside the allowed set are removed with a warning; a flow list stays a flow list",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        add: ["CHOWN", "NET_BIND_SERVICE", "SETUID"]
        drop: ["NET_RAW"]
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
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        add: ["NET_BIND_SERVICE"]
        drop: ["NET_RAW", "ALL"]
`,
			findings: []string{
				"info changed capabilities/dropAll app",
				"warning changed capabilities/addNotAllowed app",
			},
		},
		{
			name: "an add list left empty goes away",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        add:
        - FOWNER
        drop:
        - ALL
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
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop:
        - ALL
`,
			findings: []string{"warning changed capabilities/addNotAllowed app"},
		},
		{
			name: "a container listening below 1024 gets NET_BIND_SERVICE; one above does not",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: example/web:1
    ports:
    - containerPort: 80
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
  - name: metrics
    image: example/metrics:1
    ports:
    - containerPort: 9090
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: example/web:1
    ports:
    - containerPort: 80
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop:
        - ALL
        add:
        - NET_BIND_SERVICE
  - name: metrics
    image: example/metrics:1
    ports:
    - containerPort: 9090
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop:
        - ALL
  securityContext:
    sysctls:
    - name: net.ipv4.ip_unprivileged_port_start
      value: "80"
`,
			findings: []string{
				"info changed capabilities/dropAll http",
				"info changed capabilities/netBindService http",
				"info changed capabilities/unprivilegedPorts http",
				"info changed capabilities/dropAll metrics",
			},
		},
		{
			name:   "NET_BIND_SERVICE neither kept nor added when it is not allowed",
			config: func(c *Config) { c.ContainerSecurity.AllowedCapabilities = nil },
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: example/web:1
    ports:
    - containerPort: 443
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        add: [NET_BIND_SERVICE]
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: example/web:1
    ports:
    - containerPort: 443
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop:
        - ALL
`,
			findings: []string{
				"info changed capabilities/dropAll http",
				"warning changed capabilities/addNotAllowed http",
			},
		},
		{
			name: "a capability spelled CAP_NET_BIND_SERVICE ends as NET_BIND_SERVICE, the only spelling restricted allows",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: example/web:1
    ports:
    - containerPort: 80
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        add: [CAP_NET_BIND_SERVICE]
        drop: [ALL]
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: example/web:1
    ports:
    - containerPort: 80
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        add: [NET_BIND_SERVICE]
        drop: [ALL]
  securityContext:
    sysctls:
    - name: net.ipv4.ip_unprivileged_port_start
      value: "80"
`,
			findings: []string{"info changed capabilities/capabilityName http", "info changed capabilities/unprivilegedPorts http"},
		},
		{
			name: "init containers are hardened; ephemeral containers get no readOnlyRootFilesystem",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  initContainers:
  - name: init
    image: example/init:1
  containers:
  - name: app
    image: example/app:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  initContainers:
  - name: init
    image: example/init:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop:
        - ALL
  containers:
  - name: app
    image: example/app:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
      capabilities:
        drop: [ALL]
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities:
        drop:
        - ALL
`,
			findings: append(containerDefaults("init"),
				"info changed containerSecurity/allowPrivilegeEscalation debug",
				"info changed containerSecurity/runAsNonRoot debug",
				"info changed capabilities/dropAll debug",
			),
		},
		{
			name: "container exemptions: one keeps a writable root, one its capabilities, one everything",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.cache: readOnlyRootFilesystem
    chartsec.io/skip.vpn: capabilities
    chartsec.io/skip.legacy: containerSecurity
spec:
  containers:
  - name: cache
    image: example/cache:1
  - name: vpn
    image: example/vpn:1
    securityContext:
      capabilities:
        add: [KILL]
  - name: legacy
    image: example/legacy:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.cache: readOnlyRootFilesystem
    chartsec.io/skip.vpn: capabilities
    chartsec.io/skip.legacy: containerSecurity
spec:
  containers:
  - name: cache
    image: example/cache:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities:
        drop:
        - ALL
  - name: vpn
    image: example/vpn:1
    securityContext:
      capabilities:
        add: [KILL]
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      readOnlyRootFilesystem: true
  - name: legacy
    image: example/legacy:1
`,
			findings: []string{
				"info changed containerSecurity/allowPrivilegeEscalation cache",
				"info changed containerSecurity/runAsNonRoot cache",
				"info changed capabilities/dropAll cache",
				"info changed containerSecurity/allowPrivilegeEscalation vpn",
				"info changed containerSecurity/runAsNonRoot vpn",
				"info changed readOnlyRootFilesystem/readOnlyRootFilesystem vpn",
			},
		},
		{
			name: "readOnlyRootFilesystem and capabilities disabled",
			config: func(c *Config) {
				c.Disable = []string{ControlReadOnlyRootFilesystem, ControlCapabilities}
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
`,
			findings: []string{
				"info changed containerSecurity/allowPrivilegeEscalation web",
				"info changed containerSecurity/runAsNonRoot web",
			},
		},
		{
			name: "podSecurity disabled: runAsNonRoot is still set (only an exemption from podSecurity lets a container run as root)",
			config: func(c *Config) {
				c.Disable = []string{ControlPodSecurity, ControlReadOnlyRootFilesystem, ControlCapabilities}
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
`,
			findings: []string{
				"info changed containerSecurity/allowPrivilegeEscalation web",
				"info changed containerSecurity/runAsNonRoot web",
			},
		},
		{
			name:   "containerSecurity disabled switches off its parts too",
			config: func(c *Config) { c.Disable = []string{ControlContainerSecurity} },
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1
`,
		},
		{
			name: "host-level pod: a privileged container is left alone",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
  - name: agent
    image: example/agent:1
    securityContext:
      privileged: true
`,
		},
		{
			name: "host-level pod: no escalation and RuntimeDefault for its other containers, drop ALL where not root; identity and filesystem stay",
			input: `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true
      containers:
      - name: exporter
        image: example/node-exporter:1
        securityContext:
          runAsUser: 65534
      - name: root-helper
        image: example/helper:1
      - name: chart-choices
        image: example/helper:1
        securityContext:
          allowPrivilegeEscalation: true
          runAsUser: 1000
          seccompProfile:
            type: Localhost
            localhostProfile: helper.json
          capabilities:
            add: [SETGID]
`,
			expected: `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
spec:
  template:
    spec:
      hostNetwork: true
      hostPID: true
      containers:
      - name: exporter
        image: example/node-exporter:1
        securityContext:
          runAsUser: 65534
          allowPrivilegeEscalation: false
          seccompProfile:
            type: RuntimeDefault
          capabilities:
            drop:
            - ALL
      - name: root-helper
        image: example/helper:1
        securityContext:
          allowPrivilegeEscalation: false
          seccompProfile:
            type: RuntimeDefault
      - name: chart-choices
        image: example/helper:1
        securityContext:
          allowPrivilegeEscalation: true
          runAsUser: 1000
          seccompProfile:
            type: Localhost
            localhostProfile: helper.json
          capabilities:
            add: [SETGID]
            drop:
            - ALL
`,
			findings: []string{
				"info changed containerSecurity/allowPrivilegeEscalation exporter",
				"info changed containerSecurity/seccompProfile exporter",
				"info changed capabilities/dropAll exporter",
				"info changed containerSecurity/allowPrivilegeEscalation root-helper",
				"info changed containerSecurity/seccompProfile root-helper",
				"info changed capabilities/dropAll chart-choices",
			},
		},
		{
			name: "host-level pod: the pod's seccomp profile covers its containers",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  hostNetwork: true
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: agent
    image: example/agent:1
    securityContext:
      allowPrivilegeEscalation: false
`,
		},
		{
			name: "Windows pod is left alone: these fields are Linux-only",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: win
spec:
  os:
    name: windows
  containers:
  - name: win
    image: mcr.microsoft.com/windows/servercore:ltsc2022
`,
		},
	}, containerSecuritySection.Filter)
}
