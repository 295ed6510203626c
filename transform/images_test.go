package transform

import (
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestImages(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name: "tagged images pull Always; digests IfNotPresent; Never and a digest's policy stay",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  initContainers:
  - name: init
    image: example/init:1.0
    imagePullPolicy: IfNotPresent
  containers:
  - name: tagged
    image: example/app:1.2.3
  - name: pinned
    image: example/app@` + digest + `
  - name: pinned-always
    image: example/app:1.2.3@` + digest + `
    imagePullPolicy: Always
  - name: preloaded
    image: example/app:1.2.3
    imagePullPolicy: Never
  - name: already
    image: example/app:1.2.3
    imagePullPolicy: Always
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  initContainers:
  - name: init
    image: example/init:1.0
    imagePullPolicy: Always
  containers:
  - name: tagged
    image: example/app:1.2.3
    imagePullPolicy: Always
  - name: pinned
    image: example/app@` + digest + `
    imagePullPolicy: IfNotPresent
  - name: pinned-always
    image: example/app:1.2.3@` + digest + `
    imagePullPolicy: Always
  - name: preloaded
    image: example/app:1.2.3
    imagePullPolicy: Never
  - name: already
    image: example/app:1.2.3
    imagePullPolicy: Always
`,
			findings: []string{
				"info changed imagePullPolicy/pullPolicy init",
				"info changed imagePullPolicy/pullPolicy tagged",
				"info changed imagePullPolicy/pullPolicy pinned",
				"info imageTag/notPinned init",
				"info imageTag/notPinned tagged",
				"info imageTag/notPinned preloaded",
				"info imageTag/notPinned already",
			},
		},
		{
			name:   "pull policy IfNotPresent from the config",
			config: func(c *Config) { c.Images.PullPolicy = PullIfNotPresent },
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1.2.3
    imagePullPolicy: Always
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1.2.3
    imagePullPolicy: IfNotPresent
`,
			findings: []string{
				"info changed imagePullPolicy/pullPolicy app",
				"info imageTag/notPinned app",
			},
		},
		{
			name: "latest and untagged images are warned of, version tags noted, whatever the registry port",
			config: func(c *Config) {
				c.Images.PullPolicy = PullPolicyKeep
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: latest
    image: example/app:latest
  - name: untagged
    image: nginx
  - name: registry-port-untagged
    image: registry.local:5000/team/app
  - name: registry-port-tagged
    image: registry.local:5000/team/app:2.0
  - name: digest
    image: registry.local:5000/team/app@` + digest + `
`,
			findings: []string{
				"warning imageTag/mutableTag latest",
				"warning imageTag/mutableTag untagged",
				"warning imageTag/mutableTag registry-port-untagged",
				"info imageTag/notPinned registry-port-tagged",
			},
		},
		{
			name: "pull secrets are added once to every pod spec",
			config: func(c *Config) {
				c.Images = Images{PullPolicy: PullPolicyKeep, PullSecrets: []string{"regcred", "mirror"}}
			},
			input: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      imagePullSecrets:
      - name: regcred
      containers:
      - name: app
        image: example/app:1
`,
			expected: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      imagePullSecrets:
      - name: regcred
      - name: mirror
      containers:
      - name: app
        image: example/app:1
`,
			findings: []string{
				"info imageTag/notPinned app",
				"info changed imagePullSecrets/pullSecret",
			},
		},
		{
			name: "pull secrets on a pod without any",
			config: func(c *Config) {
				c.Images = Images{PullPolicy: PullPolicyKeep, PullSecrets: []string{"regcred"}}
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
  imagePullSecrets:
  - name: regcred
`,
			findings: []string{
				"info imageTag/notPinned app",
				"info changed imagePullSecrets/pullSecret",
			},
		},
		{
			name: "exemptions: one container keeps its policy, the workload its tags and secrets",
			config: func(c *Config) {
				c.Images.PullSecrets = []string{"regcred"}
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip: imageTag,imagePullSecrets
    chartsec.io/skip.sidecar: imagePullPolicy
spec:
  containers:
  - name: app
    image: example/app:latest
  - name: sidecar
    image: example/proxy:latest
    imagePullPolicy: IfNotPresent
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip: imageTag,imagePullSecrets
    chartsec.io/skip.sidecar: imagePullPolicy
spec:
  containers:
  - name: app
    image: example/app:latest
    imagePullPolicy: Always
  - name: sidecar
    image: example/proxy:latest
    imagePullPolicy: IfNotPresent
`,
			findings: []string{"info changed imagePullPolicy/pullPolicy app"},
		},
		{
			name: "all three controls disabled",
			config: func(c *Config) {
				c.Disable = []string{ControlImagePullPolicy, ControlImageTag, ControlImagePullSecrets}
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app
`,
		},
		{
			name: "a container without an image is left alone",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
`,
		},
	}, imagesSection.Filter)
}

func TestImagesMessages(t *testing.T) {
	pod, err := yaml.Parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: 'app:latest', imagePullPolicy: IfNotPresent}\n  - {name: b, image: app}\n  - {name: c, image: 'app:1.0'}\n")
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{}
	cfg := DefaultConfig()
	if _, err := imagesSection.Filter(cfg, cfg.Scope(rep)).Filter([]*yaml.RNode{pod}); err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, f := range rep.Findings() {
		msgs = append(msgs, f.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"imagePullPolicy IfNotPresent replaced by Always",
		"imagePullPolicy set to Always",
		"image app:latest has the latest tag",
		"image app has no tag",
		"image app:1.0 is not pinned by digest",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no finding says %q; findings:\n%s", want, all)
		}
	}
}

func TestWeakTag(t *testing.T) {
	cases := []struct {
		image string
		weak  bool
	}{
		{"", false},
		{"nginx", true},
		{"nginx:latest", true},
		{"nginx:1.27", false},
		{"nginx:latest-alpine", false},
		{"docker.io/library/nginx", true},
		{"localhost:5000/app", true},
		{"localhost:5000/app:latest", true},
		{"localhost:5000/app:v1", false},
		{"nginx@" + digest, false},
		{"nginx:latest@" + digest, false},
	}
	for _, c := range cases {
		if _, weak := weakTag(c.image); weak != c.weak {
			t.Errorf("weakTag(%q) = %v, want %v", c.image, weak, c.weak)
		}
	}
}
