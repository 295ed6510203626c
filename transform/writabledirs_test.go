package transform

import (
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestWritableDirs(t *testing.T) {
	runFilterCases(t, []filterCase{
		{
			name: "a container gets a /tmp emptyDir",
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
    volumeMounts:
    - name: chartsec-tmp
      mountPath: /tmp
  volumes:
  - name: chartsec-tmp
    emptyDir: {}
`,
			findings: []string{"info changed writableDirs/emptyDir web"},
		},
		{
			name: "nginx images also get their cache and /run; containers of a pod share one volume per path",
			input: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: nginx
        image: docker.io/library/nginx:1.27
      - name: app
        image: example/app:1
        volumeMounts:
        - name: config
          mountPath: /etc/app
      volumes:
      - name: config
        configMap:
          name: app
`,
			expected: `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: nginx
        image: docker.io/library/nginx:1.27
        volumeMounts:
        - name: chartsec-tmp
          mountPath: /tmp
        - name: chartsec-var-cache-nginx
          mountPath: /var/cache/nginx
        - name: chartsec-run
          mountPath: /run
      - name: app
        image: example/app:1
        volumeMounts:
        - name: config
          mountPath: /etc/app
        - name: chartsec-tmp
          mountPath: /tmp
      volumes:
      - name: config
        configMap:
          name: app
      - name: chartsec-tmp
        emptyDir: {}
      - name: chartsec-var-cache-nginx
        emptyDir: {}
      - name: chartsec-run
        emptyDir: {}
`,
			findings: []string{
				"info changed writableDirs/emptyDir nginx",
				"info changed writableDirs/emptyDir nginx",
				"info changed writableDirs/emptyDir nginx",
				"info changed writableDirs/emptyDir app",
			},
		},
		{
			name: "no mount where a volume is mounted at the path or at a parent of it",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    volumeMounts:
    - name: scratch
      mountPath: /tmp/
    - name: cache
      mountPath: /var/cache
  - name: rootfs
    image: example/app:1
    volumeMounts:
    - name: everything
      mountPath: /
  volumes:
  - name: scratch
    emptyDir: {}
  - name: cache
    emptyDir: {}
  - name: everything
    emptyDir: {}
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    volumeMounts:
    - name: scratch
      mountPath: /tmp/
    - name: cache
      mountPath: /var/cache
    - name: chartsec-run
      mountPath: /run
  - name: rootfs
    image: example/app:1
    volumeMounts:
    - name: everything
      mountPath: /
  volumes:
  - name: scratch
    emptyDir: {}
  - name: cache
    emptyDir: {}
  - name: everything
    emptyDir: {}
  - name: chartsec-run
    emptyDir: {}
`,
			findings: []string{"info changed writableDirs/emptyDir nginx"},
		},
		{
			name: "a mount below the path does not make the path writable",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
    volumeMounts:
    - name: sock
      mountPath: /tmp/sockets
  volumes:
  - name: sock
    emptyDir: {}
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
    volumeMounts:
    - name: sock
      mountPath: /tmp/sockets
    - name: chartsec-tmp
      mountPath: /tmp
  volumes:
  - name: sock
    emptyDir: {}
  - name: chartsec-tmp
    emptyDir: {}
`,
			findings: []string{"info changed writableDirs/emptyDir app"},
		},
		{
			name: "a container already read-only is left alone; one the chart keeps writable gets /tmp too",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: hardened
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: true
  - name: writable
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: false
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: hardened
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: true
  - name: writable
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: false
    volumeMounts:
    - name: chartsec-tmp
      mountPath: /tmp
  volumes:
  - name: chartsec-tmp
    emptyDir: {}
`,
			findings: []string{"info changed writableDirs/emptyDir writable"},
		},
		{
			name: "a volume name already taken gets a suffix",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: app
    image: example/app:1
  volumes:
  - name: chartsec-tmp
    secret:
      secretName: app
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
    volumeMounts:
    - name: chartsec-tmp-2
      mountPath: /tmp
  volumes:
  - name: chartsec-tmp
    secret:
      secretName: app
  - name: chartsec-tmp-2
    emptyDir: {}
`,
			findings: []string{"info changed writableDirs/emptyDir app"},
		},
		{
			name: "configured paths, rules by container name, size limit",
			config: func(c *Config) {
				c.WritableDirs = WritableDirs{
					Paths:     []string{"/tmp", "/var/tmp/"},
					Rules:     []WritableDirRule{{Container: "jvm-*", Paths: []string{"/home/app/.cache"}}, {Image: "*nginx*", Paths: []string{"/run"}}},
					SizeLimit: "64Mi",
				}
			},
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: jvm-app
    image: example/app:1
`,
			expected: `
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: jvm-app
    image: example/app:1
    volumeMounts:
    - name: chartsec-tmp
      mountPath: /tmp
    - name: chartsec-var-tmp
      mountPath: /var/tmp
    - name: chartsec-home-app-cache
      mountPath: /home/app/.cache
  volumes:
  - name: chartsec-tmp
    emptyDir:
      sizeLimit: 64Mi
  - name: chartsec-var-tmp
    emptyDir:
      sizeLimit: 64Mi
  - name: chartsec-home-app-cache
    emptyDir:
      sizeLimit: 64Mi
`,
			findings: []string{
				"info changed writableDirs/emptyDir jvm-app",
				"info changed writableDirs/emptyDir jvm-app",
				"info changed writableDirs/emptyDir jvm-app",
			},
		},
		{
			name: "init containers get mounts; ephemeral containers cannot take them",
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
      readOnlyRootFilesystem: true
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
    volumeMounts:
    - name: chartsec-tmp
      mountPath: /tmp
  containers:
  - name: app
    image: example/app:1
    securityContext:
      readOnlyRootFilesystem: true
  ephemeralContainers:
  - name: debug
    image: busybox:1.36
  volumes:
  - name: chartsec-tmp
    emptyDir: {}
`,
			findings: []string{"info changed writableDirs/emptyDir init"},
		},
		{
			name: "containers whose root stays writable get no mounts",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip.cache: readOnlyRootFilesystem
    chartsec.io/skip.legacy: containerSecurity
    chartsec.io/skip.plain: writableDirs
spec:
  containers:
  - name: cache
    image: example/cache:1
  - name: legacy
    image: example/legacy:1
  - name: plain
    image: example/plain:1
`,
		},
		{
			name: "workload exempt from containerSecurity",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    chartsec.io/skip: containerSecurity
spec:
  containers:
  - name: app
    image: example/app:1
`,
		},
		{
			name:   "readOnlyRootFilesystem disabled",
			config: func(c *Config) { c.Disable = []string{ControlReadOnlyRootFilesystem} },
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
		{
			name: "host-level pod",
			input: `
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  hostPID: true
  containers:
  - name: agent
    image: example/agent:1
`,
		},
		{
			name: "Windows pod",
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
	}, writableDirsSection.Filter)
}

// TestWritableDirsVolumeNames: generated names are valid volume names (DNS
// labels) for any path, however long or odd.
func TestWritableDirsVolumeNames(t *testing.T) {
	cases := map[string]string{
		"/tmp":                 "chartsec-tmp",
		"/var/cache/nginx":     "chartsec-var-cache-nginx",
		"/Data/__Upper__.d/":   "chartsec-data-upper-d",
		"/opt/" + longSegment:  "",
		"/home/app/.local/run": "chartsec-home-app-local-run",
	}
	label := func(s string) bool {
		if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
			return false
		}
		for _, r := range s {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
		return true
	}
	for p, want := range cases {
		spec, err := yaml.Parse("containers: []\n")
		if err != nil {
			t.Fatal(err)
		}
		got := WritableDirs{}.addVolume(spec, p)
		if !label(got) || !strings.HasPrefix(got, "chartsec-") {
			t.Errorf("path %q: volume name %q is not a chartsec- DNS label", p, got)
		}
		if want != "" && got != want {
			t.Errorf("path %q: volume name %q, want %q", p, got, want)
		}
	}
}

const longSegment = "a-very-long-directory-name-that-goes-on-and-on-and-on-well-past-the-limit"
