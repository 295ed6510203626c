package transform

import (
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The findings of a pod that had no security context at all.
var podSecurityDefaults = []string{
	"info changed podSecurity/runAsNonRoot",
	"info changed podSecurity/runAsUser",
	"info changed podSecurity/runAsGroup",
	"info changed podSecurity/fsGroup",
	"info changed podSecurity/fsGroupChangePolicy",
	"info changed podSecurity/seccompProfile",
}

func TestPodSecurity(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name: "pod without a security context gets the defaults",
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
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    fsGroup: 1000
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
`,
			findings: podSecurityDefaults,
		},
		{
			name: "pod template of a Deployment, empty flow mapping grows into a block",
			input: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext: {}
      containers:
      - name: web
        image: example/web:1
`,
			expected: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
        fsGroupChangePolicy: OnRootMismatch
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: web
        image: example/web:1
`,
			findings: podSecurityDefaults,
		},
		{
			name: "chart's non-root IDs, policy and Localhost profile stay",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 101
    runAsGroup: 101
    fsGroup: 2000
    fsGroupChangePolicy: Always
    seccompProfile:
      type: Localhost
      localhostProfile: profiles/nginx.json
  containers:
  - name: nginx
    image: nginx:1.27
    securityContext:
      runAsUser: 65534
      seccompProfile:
        type: RuntimeDefault
`,
		},
		{
			name: "root UID is replaced, in the pod and in its containers, with warnings",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: rooty
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 0
    runAsGroup: 0
    fsGroup: 0
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  initContainers:
  - name: init
    image: example/init:1
    securityContext:
      runAsUser: 0
  containers:
  - name: main
    image: example/rooty:1
    securityContext:
      runAsUser: 0
`,
			// runAsGroup and fsGroup 0 stay: Pod Security Standards do not
			// check groups, and the chart chose them.
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: rooty
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 0
    fsGroup: 0
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  initContainers:
  - name: init
    image: example/init:1
    securityContext:
      runAsUser: 1000
  containers:
  - name: main
    image: example/rooty:1
    securityContext:
      runAsUser: 1000
`,
			findings: []string{
				"warning changed podSecurity/runAsUser",
				"warning changed podSecurity/runAsUser init",
				"warning changed podSecurity/runAsUser main",
			},
		},
		{
			name: "a container's root UID takes the chart's pod UID",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 999
    runAsGroup: 999
    fsGroup: 999
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: example/app:1
    securityContext:
      runAsUser: 0
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 999
    runAsGroup: 999
    fsGroup: 999
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: example/app:1
    securityContext:
      runAsUser: 999
`,
			findings: []string{"warning changed podSecurity/runAsUser app"},
		},
		{
			name: "Unconfined seccomp is replaced; containers without a profile inherit the pod's",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    fsGroup: 1000
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: Unconfined
  containers:
  - name: unconfined
    image: example/app:1
    securityContext:
      seccompProfile:
        type: Unconfined
  - name: localhost
    image: example/app:1
    securityContext:
      seccompProfile:
        type: Localhost
        localhostProfile: p.json
  - name: inherits
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: true
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    fsGroup: 1000
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: unconfined
    image: example/app:1
    securityContext:
      seccompProfile:
        type: RuntimeDefault
  - name: localhost
    image: example/app:1
    securityContext:
      seccompProfile:
        type: Localhost
        localhostProfile: p.json
  - name: inherits
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: true
`,
			findings: []string{
				"info changed podSecurity/seccompProfile",
				"info changed podSecurity/seccompProfile unconfined",
			},
		},
		{
			name: "configured IDs, and no fsGroupChangePolicy when it is empty",
			config: func(c *Config) {
				c.PodSecurity = PodSecurity{RunAsUser: 10001, RunAsGroup: 10002, FSGroup: 10003}
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
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10002
    fsGroup: 10003
    seccompProfile:
      type: RuntimeDefault
`,
			findings: []string{
				"info changed podSecurity/runAsNonRoot",
				"info changed podSecurity/runAsUser",
				"info changed podSecurity/runAsGroup",
				"info changed podSecurity/fsGroup",
				"info changed podSecurity/seccompProfile",
			},
		},
		{
			name: "host-level pod is left as the chart set it (Workload.ReportHostLevel warns, once)",
			input: `
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: agent
        image: example/agent:1
        securityContext:
          runAsUser: 0
`,
		},
		{
			name: "Windows pod is left alone, with a note",
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
			findings: []string{"info podSecurity/windows"},
		},
		{
			name: "the chart's runAsNonRoot: false is replaced with a warning",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  securityContext:
    runAsNonRoot: false
    runAsUser: 1000
    runAsGroup: 1000
    fsGroup: 1000
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
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
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    fsGroup: 1000
    fsGroupChangePolicy: OnRootMismatch
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: example/app:1
`,
			findings: []string{"warning changed podSecurity/runAsNonRoot"},
		},
		{
			name: "workload exempt by annotation",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: legacy
  annotations:
    chartsec.io/skip: podSecurity
spec:
  securityContext:
    runAsUser: 0
  containers:
  - name: legacy
    image: example/legacy:1
`,
		},
		{
			name:   "control disabled",
			config: func(c *Config) { c.Disable = []string{ControlPodSecurity} },
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
			name: "a container exempt by annotation keeps its Unconfined profile; the others get their own",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.profiler: podSecurity
spec:
  containers:
  - name: profiler
    image: example/profiler:1
    securityContext:
      seccompProfile:
        type: Unconfined
  - name: app
    image: example/app:1
    securityContext:
      seccompProfile:
        type: Unconfined
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.profiler: podSecurity
spec:
  containers:
  - name: profiler
    image: example/profiler:1
    securityContext:
      seccompProfile:
        type: Unconfined
  - name: app
    image: example/app:1
    securityContext:
      seccompProfile:
        type: RuntimeDefault
      runAsUser: 1000
      runAsGroup: 1000
`,
			findings: []string{
				"info changed podSecurity/runAsUser app",
				"info changed podSecurity/runAsGroup app",
				"info changed podSecurity/seccompProfile app",
				"info podSecurity/perContainer",
			},
		},
	}, podSecuritySection.Filter)
}

// TestPodSecurityRootMessage: replacing root is a warning that says what
// replaced it, so that a person checks the app runs without root.
func TestPodSecurityRootMessage(t *testing.T) {
	pod, err := yaml.Parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 0}\n  containers: [{name: c, image: x}]\n")
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{}
	cfg := DefaultConfig()
	cfg.PodSecurity.RunAsUser = 4242
	if _, err := podSecuritySection.Filter(cfg, cfg.Scope(rep)).Filter([]*yaml.RNode{pod}); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings() {
		if f.Rule != "runAsUser" {
			continue
		}
		if f.Severity != report.Warning || !f.Changed || f.Control != ControlPodSecurity {
			t.Errorf("root UID finding: severity %v, changed %v, control %s; want warning, true, podSecurity", f.Severity, f.Changed, f.Control)
		}
		if !strings.Contains(f.Message, "0 (root) replaced by 4242") {
			t.Errorf("message %q does not say root was replaced by 4242", f.Message)
		}
		return
	}
	t.Fatalf("no runAsUser finding in %v", findingKeys(rep))
}

// TestPodSecurityIdempotent: a second pass over hardened output changes
// nothing and reports nothing.
func TestPodSecurityIdempotent(t *testing.T) {
	pod, err := yaml.Parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 0, seccompProfile: {type: Unconfined}}\n  containers: [{name: c, image: x, securityContext: {runAsUser: 0}}]\n")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if _, err := podSecuritySection.Filter(cfg, cfg.Scope(nil)).Filter([]*yaml.RNode{pod}); err != nil {
		t.Fatal(err)
	}
	once := pod.MustString()
	rep := &report.Report{}
	if _, err := podSecuritySection.Filter(cfg, cfg.Scope(rep)).Filter([]*yaml.RNode{pod}); err != nil {
		t.Fatal(err)
	}
	if twice := pod.MustString(); twice != once {
		t.Errorf("second pass changed the pod:\n%s\nto\n%s", once, twice)
	}
	if fs := findingKeys(rep); len(fs) != 0 {
		t.Errorf("second pass reported %v", fs)
	}
}

// TestPodSecurityExemptRootContainerCanStart: a container exempt from every
// control keeps running as root. The kubelet refuses to start a container
// whose effective runAsNonRoot (its own, else the pod's) is true while its
// runAsUser is 0.
func TestPodSecurityExemptRootContainerCanStart(t *testing.T) {
	pod, err := yaml.Parse(`apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.installer: all
spec:
  initContainers:
  - name: installer
    image: example/installer:1
    securityContext:
      runAsUser: 0
  containers:
  - name: app
    image: example/app:1
`)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	s := cfg.Scope(nil)
	for _, f := range []kio.Filter{podSecuritySection.Filter(cfg, s), containerSecuritySection.Filter(cfg, s)} {
		if _, err := f.Filter([]*yaml.RNode{pod}); err != nil {
			t.Fatal(err)
		}
	}
	installer := yaml.NewRNode(manifest.LookupSeq(pod, "spec", "initContainers")[0])
	if uid := manifest.LookupScalar(installer, "securityContext", "runAsUser"); uid != "0" {
		t.Fatalf("the exempt container's runAsUser became %q", uid)
	}
	nonRoot := manifest.LookupScalar(installer, "securityContext", "runAsNonRoot")
	if nonRoot == "" {
		nonRoot = manifest.LookupScalar(pod, "spec", "securityContext", "runAsNonRoot")
	}
	if nonRoot == "true" {
		t.Errorf("the exempt root container runs with runAsNonRoot: true; the kubelet will not start it:\n%s", pod.MustString())
	}
}
