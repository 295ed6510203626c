package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// helmCLI runs one Helm with a home of its own, against the control plane.
type helmCLI struct {
	name string // helm4, helm3
	bin  string
	home string
	path string // PATH, with the chartsec-harden binary first for Helm 3
	// postRenderer is what --post-renderer takes: the plugin's name under
	// Helm 4, the binary on PATH under Helm 3.
	postRenderer string
}

func (h *helmCLI) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+cp.Kubeconfig,
		"HELM_CACHE_HOME="+filepath.Join(h.home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(h.home, "config"),
		"HELM_DATA_HOME="+filepath.Join(h.home, "data"),
		// Helm 4.3.1 installs plugins in HELM_DATA_HOME but looks in
		// HELM_PLUGINS (helm/helm#32646).
		"HELM_PLUGINS="+filepath.Join(h.home, "data", "plugins"),
		"PATH="+h.path,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Logf("%s %s (%s)", h.name, strings.Join(args, " "), func() string {
		if err != nil {
			return err.Error()
		}
		return "ok"
	}())
	return out.String(), err
}

// must runs Helm and fails the test when it fails.
func (h *helmCLI) must(t *testing.T, args ...string) string {
	t.Helper()
	out, err := h.run(t, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", h.name, strings.Join(args, " "), err, out)
	}
	return out
}

// newHelm4 installs the plugin the way a user does (helm plugin install of a
// folder holding plugin.yaml, install-binary.sh and the built binary; the
// install hook finds the binary of the plugin's version and keeps it).
func newHelm4(t *testing.T) *helmCLI {
	home := t.TempDir()
	plugin := filepath.Join(home, "src", "chartsec-harden")
	if err := os.MkdirAll(filepath.Join(plugin, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"plugin.yaml", "install-binary.sh"} {
		copyFile(t, filepath.Join(root, f), filepath.Join(plugin, f))
	}
	version := pluginVersion(t)
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+version, "-o", filepath.Join(plugin, "bin", "chartsec-harden"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	h := &helmCLI{name: "helm4", bin: helmPath(t, 0), home: home, path: os.Getenv("PATH"), postRenderer: "chartsec-harden"}
	h.must(t, "plugin", "install", plugin)
	return h
}

func newHelm3(t *testing.T) *helmCLI {
	return &helmCLI{name: "helm3", bin: helmPath(t, 1), home: t.TempDir(), path: filepath.Dir(binary) + ":" + os.Getenv("PATH"),
		postRenderer: "chartsec-harden"}
}

// helmPath is Helm 4 (0) or Helm 3 (1).
func helmPath(t *testing.T, i int) string {
	paths, err := helms()
	if err != nil || len(paths) < 2 {
		t.Fatalf("helm: %v %v", paths, err)
	}
	return paths[i]
}

func pluginVersion(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(root, "plugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "version:"); ok {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	t.Fatal("no version in plugin.yaml")
	return ""
}

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(from)
	if err := os.WriteFile(to, data, info.Mode()); err != nil {
		t.Fatal(err)
	}
}

// restrictedNamespace creates a namespace that enforces Pod Security
// "restricted".
func restrictedNamespace(t *testing.T, name string) string {
	if err := cp.Namespace(context.Background(), name, "restricted"); err != nil {
		t.Fatal(err)
	}
	return name
}

var (
	netpolGVR = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"}
	pdbGVR    = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}
)

// generated lists the objects chartsec-harden added in a namespace.
func generated(t *testing.T, ns string) []string {
	dyn := dynamic.NewForConfigOrDie(cp.Config)
	var names []string
	for _, gvr := range []schema.GroupVersionResource{netpolGVR, pdbGVR,
		{Version: "v1", Resource: "limitranges"}, {Version: "v1", Resource: "serviceaccounts"}} {
		list, err := dyn.Resource(gvr).Namespace(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "chartsec.io/generated=true"})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Items {
			names = append(names, o.GetKind()+"/"+o.GetName())
		}
	}
	sort.Strings(names)
	return names
}

// resourceVersions maps every object of a Helm release (as Helm's manifest
// names them, namespaced ones in ns) to its resourceVersion.
func resourceVersions(t *testing.T, h *helmCLI, release, ns string) map[string]string {
	manifest := h.must(t, "get", "manifest", release, "-n", ns)
	objs, err := Decode([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	applier, err := NewApplier(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(cp.Config)
	out := map[string]string{}
	for _, o := range objs {
		m, err := applier.Mapping(o.GroupVersionKind())
		if err != nil {
			t.Fatal(err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == "namespace" {
			ri = dyn.Resource(m.Resource).Namespace(ns)
		}
		live, err := ri.Get(context.Background(), o.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatalf("%s %s of release %s: %v", o.GetKind(), o.GetName(), release, err)
		}
		out[o.GetKind()+"/"+o.GetName()] = live.GetResourceVersion()
	}
	if len(out) == 0 {
		t.Fatalf("release %s has no objects", release)
	}
	return out
}

func getObject(t *testing.T, gvr schema.GroupVersionResource, ns, name string) *unstructured.Unstructured {
	o, err := dynamic.NewForConfigOrDie(cp.Config).Resource(gvr).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s %s/%s: %v", gvr.Resource, ns, name, err)
	}
	return o
}

// netpolPorts returns the ingress ports of a NetworkPolicy.
func netpolPorts(o *unstructured.Unstructured) []string {
	var ports []string
	rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "ingress")
	for _, r := range rules {
		ps, _, _ := unstructured.NestedSlice(r.(map[string]any), "ports")
		for _, p := range ps {
			ports = append(ports, fmt.Sprint(p.(map[string]any)["port"]))
		}
	}
	sort.Strings(ports)
	return ports
}

// readyPods counts the running, Ready pods a selector picks.
func readyPods(t *testing.T, ns, selector string) int {
	pods, err := cp.Client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
				n++
			}
		}
	}
	return n
}

// TestHelmLifecycle drives the e2e test chart through a whole release with
// the post-renderer, under Helm 4 (the plugin) and Helm 3 (the binary on
// PATH), in namespaces that enforce "restricted".
func TestHelmLifecycle(t *testing.T) {
	chart := filepath.Join(root, "e2e", "testchart")
	for _, h := range []*helmCLI{newHelm4(t), newHelm3(t)} {
		t.Run(h.name, func(t *testing.T) {
			ns := restrictedNamespace(t, h.name+"-demo")
			pr := []string{"--post-renderer", h.postRenderer}
			sel := "app.kubernetes.io/instance=demo"
			install := append([]string{"install", "demo", chart, "-n", ns, "--wait", "--timeout", "3m"}, pr...)
			if h.name == "helm3" {
				// Helm 3 never hands hooks to a post-renderer: the chart's
				// pre-install Job reaches the API server as written, its pods
				// are refused, and the install fails waiting for it.
				out, err := h.run(t, append([]string{"install", "demo-hooks", chart, "-n", ns, "--wait", "--timeout", "20s"}, pr...)...)
				if err == nil {
					t.Fatalf("helm3 install with the unhardened pre-install hook passed:\n%s", out)
				}
				if ev := podSecurityEvents(t, ns, "demo-hooks-testchart-migrate"); ev == "" {
					t.Errorf("helm3 install failed, but not because PodSecurity refused the hook's pods:\n%s", out)
				}
				h.run(t, "uninstall", "demo-hooks", "-n", ns, "--no-hooks")
				install = append(install, "--no-hooks")
			}
			h.must(t, install...)
			if got := readyPods(t, ns, sel); got != 1 {
				t.Errorf("after install: %d ready pods, want 1", got)
			}
			want := []string{"NetworkPolicy/demo-testchart-chartsec-netpol"}
			if got := generated(t, ns); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("after install, generated objects %v, want %v", got, want)
			}
			if got := netpolPorts(getObject(t, netpolGVR, ns, "demo-testchart-chartsec-netpol")); strings.Join(got, ",") != "8080" {
				t.Errorf("NetworkPolicy ports %v, want [8080]", got)
			}

			out, err := h.run(t, "test", "demo", "-n", ns, "--timeout", "2m")
			if h.name == "helm4" && err != nil {
				t.Errorf("helm4 test: %v\n%s", err, out)
			}
			if h.name == "helm3" {
				// The test Pod is a hook too: refused as the chart wrote it.
				if err == nil || !strings.Contains(out, "PodSecurity") {
					t.Errorf("helm3 test: want a PodSecurity refusal of the unhardened test pod, got err=%v\n%s", err, out)
				}
			}

			h.must(t, append([]string{"upgrade", "demo", chart, "-n", ns, "--wait", "--timeout", "3m", "--set", "replicaCount=3", "--no-hooks"}, pr...)...)
			waitFor(t, "3 ready pods after scaling to 3", func() bool { return readyPods(t, ns, sel) == 3 })
			want = []string{"NetworkPolicy/demo-testchart-chartsec-netpol", "PodDisruptionBudget/demo-testchart-chartsec-pdb"}
			if got := generated(t, ns); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("after upgrade to 3 replicas, generated objects %v, want %v", got, want)
			}
			waitFor(t, "the PodDisruptionBudget to count the 3 pods", func() bool {
				pdb := getObject(t, pdbGVR, ns, "demo-testchart-chartsec-pdb")
				n, _, _ := unstructured.NestedInt64(pdb.Object, "status", "expectedPods")
				healthy, _, _ := unstructured.NestedInt64(pdb.Object, "status", "currentHealthy")
				return n == 3 && healthy == 3
			})

			h.must(t, append([]string{"upgrade", "demo", chart, "-n", ns, "--wait", "--timeout", "3m", "--reuse-values", "--set", "containerPort=9090", "--no-hooks"}, pr...)...)
			if got := netpolPorts(getObject(t, netpolGVR, ns, "demo-testchart-chartsec-netpol")); strings.Join(got, ",") != "9090" {
				t.Errorf("after the port change, NetworkPolicy ports %v, want [9090]", got)
			}

			before := resourceVersions(t, h, "demo", ns)
			h.must(t, append([]string{"upgrade", "demo", chart, "-n", ns, "--wait", "--timeout", "3m", "--reuse-values", "--no-hooks"}, pr...)...)
			after := resourceVersions(t, h, "demo", ns)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("an upgrade with nothing changed changed %s (resourceVersion %s -> %s)", k, v, after[k])
				}
			}

			h.must(t, "rollback", "demo", "1", "-n", ns, "--wait", "--timeout", "3m", "--no-hooks")
			want = []string{"NetworkPolicy/demo-testchart-chartsec-netpol"}
			if got := generated(t, ns); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("after rollback, generated objects %v, want %v", got, want)
			}
			if got := netpolPorts(getObject(t, netpolGVR, ns, "demo-testchart-chartsec-netpol")); strings.Join(got, ",") != "8080" {
				t.Errorf("after rollback, NetworkPolicy ports %v, want [8080]", got)
			}

			h.must(t, "uninstall", "demo", "-n", ns, "--wait", "--timeout", "2m")
			if got := generated(t, ns); len(got) != 0 {
				t.Errorf("after uninstall, generated objects left behind: %v", got)
			}
		})
	}
}

// podSecurityEvents returns the PodSecurity refusals recorded for a
// workload's pods (FailedCreate events on it).
func podSecurityEvents(t *testing.T, ns, name string) string {
	var found string
	waitFor(t, "a FailedCreate event for "+name, func() bool {
		events, err := cp.Client.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == name && e.Reason == "FailedCreate" && strings.Contains(e.Message, "PodSecurity") {
				found = e.Message
				return true
			}
		}
		return false
	})
	return found
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestHelmPublicCharts installs packaged public charts with hooks, tests and
// CRDs through the Helm 4 plugin into namespaces that enforce "restricted":
// every install --wait succeeds, helm test passes, uninstall leaves no
// generated object behind.
func TestHelmPublicCharts(t *testing.T) {
	dir := filepath.Join(root, "..", "shared", "charts")
	h := newHelm4(t)
	cases := []struct {
		release, chart string
		args           []string
		test           bool
	}{
		{"podinfo", "podinfo-6.14.1.tgz", nil, true},
		{"cert-manager", "cert-manager-v1.21.1.tgz", []string{"--set", "crds.enabled=true"}, false},
		{"traefik", "traefik-41.3.0.tgz", []string{"--set", "service.type=ClusterIP"}, false},
		{"ingress-nginx", "ingress-nginx-4.15.1.tgz", []string{"--set", "controller.service.type=ClusterIP"}, false},
	}
	for _, c := range cases {
		t.Run(c.release, func(t *testing.T) {
			path := filepath.Join(dir, c.chart)
			if _, err := os.Stat(path); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			ns := restrictedNamespace(t, "pub-"+c.release)
			args := append([]string{"install", c.release, path, "-n", ns, "--wait", "--timeout", "4m",
				"--post-renderer", h.postRenderer}, c.args...)
			h.must(t, args...)
			if c.test {
				h.must(t, "test", c.release, "-n", ns, "--timeout", "2m")
			}
			if got := generated(t, ns); len(got) == 0 {
				t.Errorf("no generated companion objects in %s", ns)
			}
			h.must(t, "uninstall", c.release, "-n", ns, "--wait", "--timeout", "2m")
			if got := generated(t, ns); len(got) != 0 {
				t.Errorf("after uninstall, generated objects left behind: %v", got)
			}
		})
	}
}
