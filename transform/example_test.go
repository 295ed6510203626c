package transform_test

import (
	"fmt"
	"log"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// beforeAfter prints the documents, runs the filter over them, prints them
// again and then the report's findings.
func beforeAfter(f kio.Filter, rep *report.Report, docs ...string) {
	var nodes []*yaml.RNode
	for _, d := range docs {
		nodes = append(nodes, yaml.MustParse(d))
	}
	fmt.Println("# before")
	printStream(nodes)
	nodes, err := f.Filter(nodes)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("# after")
	printStream(nodes)
	for _, f := range rep.Findings() {
		fmt.Printf("# %s: %s\n", f.Severity, f.Message)
	}
}

func printStream(nodes []*yaml.RNode) {
	for i, n := range nodes {
		if i > 0 {
			fmt.Println("---")
		}
		fmt.Print(n.MustString())
	}
}

func ExamplePodSecurity() {
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	f := cfg.PodSecurity
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsUser: 0
  containers:
  - name: web
    image: example/web:1.0
`)
	// Output:
	// # before
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   securityContext:
	//     runAsUser: 0
	//   containers:
	//   - name: web
	//     image: example/web:1.0
	// # after
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   securityContext:
	//     runAsUser: 1000
	//     runAsNonRoot: true
	//     runAsGroup: 1000
	//     fsGroup: 1000
	//     fsGroupChangePolicy: OnRootMismatch
	//     seccompProfile:
	//       type: RuntimeDefault
	//   containers:
	//   - name: web
	//     image: example/web:1.0
	// # info: runAsNonRoot set to true
	// # warning: runAsUser 0 (root) replaced by 1000: check the app runs without root
	// # info: runAsGroup set to 1000
	// # info: fsGroup set to 1000
	// # info: fsGroupChangePolicy set to OnRootMismatch
	// # info: seccompProfile set to RuntimeDefault
}

func ExampleContainerSecurity() {
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	f := cfg.ContainerSecurity
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:1.0
    ports:
    - containerPort: 80
    securityContext:
      capabilities:
        add: [KILL]
`)
	// Output:
	// # before
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   containers:
	//   - name: web
	//     image: example/web:1.0
	//     ports:
	//     - containerPort: 80
	//     securityContext:
	//       capabilities:
	//         add: [KILL]
	// # after
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   containers:
	//   - name: web
	//     image: example/web:1.0
	//     ports:
	//     - containerPort: 80
	//     securityContext:
	//       capabilities:
	//         drop:
	//         - ALL
	//         add:
	//         - NET_BIND_SERVICE
	//       allowPrivilegeEscalation: false
	//       runAsNonRoot: true
	//       readOnlyRootFilesystem: true
	//   securityContext:
	//     sysctls:
	//     - name: net.ipv4.ip_unprivileged_port_start
	//       value: "80"
	// # info: allowPrivilegeEscalation set to false
	// # info: runAsNonRoot set to true
	// # info: readOnlyRootFilesystem set to true
	// # info: capabilities.drop gets ALL
	// # warning: capabilities.add dropped KILL (not in allowedCapabilities): check the container works without
	// # info: capabilities.add gets NET_BIND_SERVICE (it listens below port 1024)
	// # info: net.ipv4.ip_unprivileged_port_start set to 80 (a non-root user cannot use NET_BIND_SERVICE to listen on port 80)
}

func ExampleWritableDirs() {
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	f := cfg.WritableDirs
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    volumeMounts:
    - name: cache
      mountPath: /var/cache/nginx
  volumes:
  - name: cache
    emptyDir: {}
`)
	// Output:
	// # before
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   containers:
	//   - name: nginx
	//     image: nginx:1.27
	//     volumeMounts:
	//     - name: cache
	//       mountPath: /var/cache/nginx
	//   volumes:
	//   - name: cache
	//     emptyDir: {}
	// # after
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   containers:
	//   - name: nginx
	//     image: nginx:1.27
	//     volumeMounts:
	//     - name: cache
	//       mountPath: /var/cache/nginx
	//     - name: chartsec-tmp
	//       mountPath: /tmp
	//     - name: chartsec-run
	//       mountPath: /run
	//   volumes:
	//   - name: cache
	//     emptyDir: {}
	//   - name: chartsec-tmp
	//     emptyDir: {}
	//   - name: chartsec-run
	//     emptyDir: {}
	// # info: writable emptyDir chartsec-tmp mounted at /tmp
	// # info: writable emptyDir chartsec-run mounted at /run
}

func ExampleImages() {
	cfg := transform.DefaultConfig()
	cfg.Images.PullSecrets = []string{"regcred"}
	rep := &report.Report{}
	f := cfg.Images
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: example/web:latest
    imagePullPolicy: IfNotPresent
  - name: proxy
    image: example/proxy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`)
	// Output:
	// # before
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   containers:
	//   - name: web
	//     image: example/web:latest
	//     imagePullPolicy: IfNotPresent
	//   - name: proxy
	//     image: example/proxy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	// # after
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   containers:
	//   - name: web
	//     image: example/web:latest
	//     imagePullPolicy: Always
	//   - name: proxy
	//     image: example/proxy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	//     imagePullPolicy: IfNotPresent
	//   imagePullSecrets:
	//   - name: regcred
	// # info: imagePullPolicy IfNotPresent replaced by Always
	// # info: imagePullPolicy set to IfNotPresent
	// # warning: image example/web:latest has the latest tag: pin a version tag or a digest
	// # info: imagePullSecrets gets regcred
}

func ExampleResources() {
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	f := cfg.Resources
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: v1
kind: Pod
metadata:
  name: worker
spec:
  containers:
  - name: worker
    image: example/worker:2.1
    resources:
      limits:
        memory: 128Mi
`)
	// Output:
	// # before
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: worker
	// spec:
	//   containers:
	//   - name: worker
	//     image: example/worker:2.1
	//     resources:
	//       limits:
	//         memory: 128Mi
	// # after
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: worker
	// spec:
	//   containers:
	//   - name: worker
	//     image: example/worker:2.1
	//     resources:
	//       limits:
	//         memory: 128Mi
	//         cpu: 500m
	//       requests:
	//         cpu: 250m
	//         memory: 128Mi
	// # info: requests.cpu set to 250m
	// # info: limits.cpu set to 500m
	// # info: requests.memory set to 128Mi
}

func ExampleServiceAccountToken() {
	cfg := transform.DefaultConfig()
	rep := &report.Report{}
	f := cfg.ServiceAccountToken
	f.Scope = cfg.Scope(rep)
	beforeAfter(f, rep, `apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
`, `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  serviceAccountName: web
  containers:
  - name: web
    image: example/web:1.0
`)
	// Output:
	// # before
	// apiVersion: v1
	// kind: ServiceAccount
	// metadata:
	//   name: web
	// ---
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   serviceAccountName: web
	//   containers:
	//   - name: web
	//     image: example/web:1.0
	// # after
	// apiVersion: v1
	// kind: ServiceAccount
	// metadata:
	//   name: web
	// automountServiceAccountToken: false
	// ---
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	// spec:
	//   serviceAccountName: web
	//   containers:
	//   - name: web
	//     image: example/web:1.0
	//   automountServiceAccountToken: false
	// # info: automountServiceAccountToken set to false (no binding in the release names it)
	// # info: automountServiceAccountToken set to false (ServiceAccount web has no binding in the release)
}
