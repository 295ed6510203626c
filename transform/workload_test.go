package transform

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// workloadOf parses one document and returns its workload under the
// default configuration changed by config.
func workloadOf(t *testing.T, doc string, config func(*Config)) *Workload {
	t.Helper()
	cfg := DefaultConfig()
	if config != nil {
		config(&cfg)
	}
	w := cfg.Scope(nil).Workload(parseDocs(t, doc)[0])
	if w == nil {
		t.Fatalf("no workload found in:\n%s", doc)
	}
	return w
}

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "anything", true},
		{"web", "web", true},
		{"web", "web-1", false},
		{"web", "we", false},
		{"web-*", "web-1", true},
		{"web-*", "web-", true},
		{"web-*", "web", false},
		{"*-db", "orders-db", true},
		{"*-db", "orders-db-0", false},
		{"*", "", true},
		{"*", "a/b:c", true},
		{"*nginx*", "docker.io/library/nginx:1.27", true},
		{"*nginx*", "nginxinc/nginx-unprivileged", true},
		{"*nginx*", "httpd:2.4", false},
		{"argoproj.io/*", "argoproj.io/v1alpha1", true},
		{"argoproj.io/*", "example.io/v1", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxcyyb", false},
		{"a**c", "abc", true},
		{"?", "a", true},
		{"?", "", false},
		{"?", "ab", false},
		{"web-?", "web-1", true},
		{"web-?", "web-10", false},
		{"Web", "web", false},
	}
	for _, c := range cases {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestWorkloadTemplates(t *testing.T) {
	const podSpec = "spec:\n  containers:\n  - name: c\n    image: x:1\n"
	indent := func(s, by string) string {
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for i := range lines {
			lines[i] = by + lines[i]
		}
		return strings.Join(lines, "\n") + "\n"
	}
	cases := []struct {
		name     string
		doc      string
		config   func(*Config)
		found    bool
		replicas int
	}{
		{"Pod", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n" + podSpec, nil, true, -1},
		{"Deployment without replicas runs one", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, true, 1},
		{"Deployment with replicas", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 3\n  template:\n" + indent(podSpec, "    "), nil, true, 3},
		{"extensions Deployment", "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, true, 1},
		{"StatefulSet", "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  replicas: 2\n  template:\n" + indent(podSpec, "    "), nil, true, 2},
		{"DaemonSet has no replicas", "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, true, -1},
		{"ReplicationController", "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, true, 1},
		{"Job", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, true, -1},
		{"CronJob", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj}\nspec:\n  jobTemplate:\n    spec:\n      template:\n" + indent(podSpec, "        "), nil, true, -1},
		{"PodTemplate", "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: pt}\ntemplate:\n" + indent(podSpec, "  "), nil, true, -1},
		{"Deployment of another API group is not a workload", "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, false, 0},
		{"ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n", nil, false, 0},
		{"Deployment without a template", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1}\n", nil, false, 0},
		{"template without a spec", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata: {}\n", nil, false, 0},
		{"Argo Rollout is a default custom workload", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  replicas: 5\n  template:\n" + indent(podSpec, "    "), nil, true, 5},
		{"Rollout of another group is not", "apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n" + indent(podSpec, "    "), nil, false, 0},
		{"custom workload with a nested template and no replicas", "apiVersion: example.com/v2\nkind: Worker\nmetadata: {name: w}\nspec:\n  pod:\n    template:\n" + indent(podSpec, "      "),
			func(c *Config) {
				c.Workloads = append(c.Workloads, CustomWorkload{APIVersion: "example.com/*", Kind: "Worker", PodTemplate: "spec.pod.template"})
			}, true, -1},
		{"custom workload with replicas", "apiVersion: example.com/v1\nkind: Worker\nmetadata: {name: w}\nspec:\n  size: 4\n  template:\n" + indent(podSpec, "    "),
			func(c *Config) {
				c.Workloads = []CustomWorkload{{APIVersion: "example.com/v1", Kind: "Worker", PodTemplate: "spec.template", Replicas: "spec.size"}}
			}, true, 4},
		{"custom workload whose apiVersion does not match", "apiVersion: example.com/v2\nkind: Worker\nmetadata: {name: w}\nspec:\n  template:\n" + indent(podSpec, "    "),
			func(c *Config) {
				c.Workloads = []CustomWorkload{{APIVersion: "example.com/v1", Kind: "Worker", PodTemplate: "spec.template"}}
			}, false, 0},
		{"Rollout is not a workload once the config replaces the list", "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n" + indent(podSpec, "    "),
			func(c *Config) { c.Workloads = nil }, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.config != nil {
				c.config(&cfg)
			}
			doc := parseDocs(t, c.doc)[0]
			w := cfg.Scope(nil).Workload(doc)
			if (w != nil) != c.found {
				t.Fatalf("workload found: %v, want %v", w != nil, c.found)
			}
			if w == nil {
				return
			}
			if w.Replicas != c.replicas {
				t.Errorf("Replicas = %d, want %d", w.Replicas, c.replicas)
			}
			if cs := w.Containers(); len(cs) != 1 || cs[0].Name != "c" {
				t.Errorf("Spec is not the pod spec: %s", w.Spec.MustString())
			}
			if w.Object.Kind != kindOf(doc) || w.Object.Name == "" || w.Object.Doc != -1 {
				t.Errorf("Object = %+v, want the document's kind and name, Doc -1", w.Object)
			}
		})
	}
}

func TestWorkloadHook(t *testing.T) {
	hook := workloadOf(t, `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    helm.sh/hook: pre-upgrade
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: app:1
`, nil)
	if !hook.Hook {
		t.Error("a Job with a helm.sh/hook annotation is not marked Hook")
	}
	plain := workloadOf(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n", nil)
	if plain.Hook {
		t.Error("a Pod without helm.sh/hook is marked Hook")
	}
}

func TestWorkloadContainers(t *testing.T) {
	w := workloadOf(t, `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  ephemeralContainers:
  - name: debug
    image: busybox:1
  containers:
  - name: app
    image: app:1
  - name: sidecar
    image: proxy:1
  - "not a container"
  initContainers:
  - name: init
    image: init:1
`, nil)
	var got []string
	for _, c := range w.Containers() {
		got = append(got, string(c.Kind)+"/"+c.Name)
	}
	want := []string{"initContainers/init", "containers/app", "containers/sidecar", "ephemeralContainers/debug"}
	if !slices.Equal(got, want) {
		t.Errorf("Containers() = %v, want %v", got, want)
	}
}

// TestExemptions covers the chartsec.io/skip annotations and exclude rules:
// which controls each container of the workload is exempt from.
func TestExemptions(t *testing.T) {
	deployment := func(annotations, templateAnnotations string) string {
		return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-frontend
  namespace: shop
  annotations: {%s}
spec:
  template:
    metadata:
      annotations: {%s}
    spec:
      initContainers:
      - name: init-db
        image: migrate:1
      containers:
      - name: app
        image: app:1
      - name: metrics-exporter
        image: exporter:1
`, annotations, templateAnnotations)
	}
	type want struct {
		control, container string
		skipped            bool
	}
	cases := []struct {
		name   string
		doc    string
		config func(*Config)
		want   []want
	}{
		{"no exemption", deployment("", ""), nil, []want{
			{ControlPodSecurity, "", false}, {ControlResources, "app", false}, {ControlCapabilities, "init-db", false},
		}},
		{"workload annotation names controls", deployment(`chartsec.io/skip: "resources, imagePullPolicy"`, ""), nil, []want{
			{ControlResources, "", true}, {ControlImagePullPolicy, "", true}, {ControlResources, "app", true},
			{ControlPodSecurity, "", false}, {ControlContainerSecurity, "app", false},
		}},
		{"annotation on the pod template", deployment("", `chartsec.io/skip: podSecurity`), nil, []want{
			{ControlPodSecurity, "", true}, {ControlResources, "", false},
		}},
		{"all", deployment(`chartsec.io/skip: all`, ""), nil, []want{
			{ControlPodSecurity, "", true}, {ControlServiceAccountToken, "", true}, {ControlResources, "metrics-exporter", true},
		}},
		{"one container", deployment(`chartsec.io/skip.metrics-exporter: "readOnlyRootFilesystem,capabilities"`, ""), nil, []want{
			{ControlReadOnlyRootFilesystem, "metrics-exporter", true}, {ControlCapabilities, "metrics-exporter", true},
			{ControlResources, "metrics-exporter", false}, {ControlReadOnlyRootFilesystem, "app", false},
			{ControlReadOnlyRootFilesystem, "", false},
		}},
		{"one container, all controls", deployment("", `chartsec.io/skip.init-db: all`), nil, []want{
			{ControlResources, "init-db", true}, {ControlContainerSecurity, "init-db", true}, {ControlResources, "app", false},
		}},
		{"an unrelated annotation exempts nothing", deployment(`chartsec.io/skipped: all`, ""), nil, []want{
			{ControlPodSecurity, "", false}, {ControlResources, "app", false},
		}},
		{"exclude rule by kind and name glob, all controls", deployment("", ""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Kind: "Deploy*", Name: "web-*"}}
		}, []want{
			{ControlPodSecurity, "", true}, {ControlResources, "app", true},
		}},
		{"exclude rule by namespace, some controls", deployment("", ""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Namespace: "shop", Controls: []string{ControlResources}}}
		}, []want{
			{ControlResources, "", true}, {ControlPodSecurity, "", false},
		}},
		{"exclude rule for another namespace", deployment("", ""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Namespace: "shop-*"}}
		}, []want{
			{ControlPodSecurity, "", false}, {ControlResources, "app", false},
		}},
		{"exclude rule for another kind", deployment("", ""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Kind: "StatefulSet", Name: "web-frontend"}}
		}, []want{
			{ControlPodSecurity, "", false},
		}},
		{"exclude rule by container glob", deployment("", ""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Name: "web-*", Container: "*-exporter", Controls: []string{ControlReadOnlyRootFilesystem}}}
		}, []want{
			{ControlReadOnlyRootFilesystem, "metrics-exporter", true}, {ControlResources, "metrics-exporter", false},
			{ControlReadOnlyRootFilesystem, "app", false}, {ControlReadOnlyRootFilesystem, "", false},
		}},
		{"exclude rule by container, all controls", deployment("", ""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Container: "init-*"}}
		}, []want{
			{ControlResources, "init-db", true}, {ControlPodSecurity, "init-db", true},
			{ControlPodSecurity, "", false}, {ControlResources, "app", false},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workloadOf(t, c.doc, c.config)
			for _, x := range c.want {
				var got bool
				if x.container == "" {
					got = w.Skips(x.control)
				} else {
					got = w.SkipsContainer(x.control, x.container)
				}
				if got != x.skipped {
					t.Errorf("skips %s for %q: %v, want %v", x.control, x.container, got, x.skipped)
				}
			}
		})
	}
}

// TestExemptionsListed: the workload lists each exemption that applies,
// with where it comes from, and each skip annotation value that names no
// control, for the report.
func TestExemptionsListed(t *testing.T) {
	w := workloadOf(t, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    chartsec.io/skip: "resources, resorces"
    chartsec.io/skip.app: all
spec:
  template:
    metadata:
      annotations:
        chartsec.io/skip.sidecar: capabilities
    spec:
      containers:
      - name: app
        image: app:1
      - name: sidecar
        image: proxy:1
`, func(c *Config) {
		c.Exclude = []ExcludeRule{
			{Name: "other"},
			{Name: "web", Controls: []string{ControlImageTag, ControlImagePullPolicy}},
			{Container: "side*"},
		}
	})
	wantExemptions := []string{
		"resources, resorces (annotation chartsec.io/skip)",
		"container app: all (annotation chartsec.io/skip.app)",
		"container sidecar: capabilities (annotation chartsec.io/skip.sidecar)",
		"imageTag,imagePullPolicy (config exclude[1])",
		"container sidecar: all (config exclude[2])",
	}
	if !slices.Equal(w.Exemptions, wantExemptions) {
		t.Errorf("Exemptions:\n  %s\nwant:\n  %s", strings.Join(w.Exemptions, "\n  "), strings.Join(wantExemptions, "\n  "))
	}
	if want := []string{"resorces (annotation chartsec.io/skip)"}; !slices.Equal(w.UnknownControls, want) {
		t.Errorf("UnknownControls = %q, want %q", w.UnknownControls, want)
	}
}

func TestPodExemptionsListedOnce(t *testing.T) {
	w := workloadOf(t, `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    chartsec.io/skip: "resources,resorces"
spec:
  containers:
  - name: c
    image: x:1
`, nil)
	if want := []string{"resources,resorces (annotation chartsec.io/skip)"}; !slices.Equal(w.Exemptions, want) {
		t.Errorf("Exemptions = %q, want %q", w.Exemptions, want)
	}
	if want := []string{"resorces (annotation chartsec.io/skip)"}; !slices.Equal(w.UnknownControls, want) {
		t.Errorf("UnknownControls = %q, want %q", w.UnknownControls, want)
	}
}

// TestExempt: a workload is exempt (not verified against Pod Security
// Standards) when any control those standards check is off for it or for
// one of its containers.
func TestExempt(t *testing.T) {
	pod := func(annotations string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations: {" + annotations + "}\nspec:\n  containers: [{name: app, image: x}]\n"
	}
	cases := []struct {
		name   string
		doc    string
		config func(*Config)
		want   bool
	}{
		{"no exemption", pod(""), nil, false},
		{"a control PSS does not check", pod("chartsec.io/skip: resources"), nil, false},
		{"readOnlyRootFilesystem is not a PSS check", pod("chartsec.io/skip.app: readOnlyRootFilesystem"), nil, false},
		{"podSecurity", pod("chartsec.io/skip: podSecurity"), nil, true},
		{"capabilities of one container", pod("chartsec.io/skip.app: capabilities"), nil, true},
		{"all", pod("chartsec.io/skip: all"), nil, true},
		{"containerSecurity disabled", pod(""), func(c *Config) { c.Disable = []string{ControlContainerSecurity} }, true},
		{"exclude rule", pod(""), func(c *Config) { c.Exclude = []ExcludeRule{{Container: "app", Controls: []string{ControlPodSecurity}}} }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := workloadOf(t, c.doc, c.config).Exempt(); got != c.want {
				t.Errorf("Exempt() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestContainersFor(t *testing.T) {
	w := workloadOf(t, `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    chartsec.io/skip.sidecar: resources
spec:
  containers:
  - name: app
    image: app:1
  - name: sidecar
    image: proxy:1
`, nil)
	names := func(cs []Container) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	if got := names(w.ContainersFor(ControlResources)); !slices.Equal(got, []string{"app"}) {
		t.Errorf("ContainersFor(resources) = %v, want [app]", got)
	}
	if got := names(w.ContainersFor(ControlPodSecurity)); !slices.Equal(got, []string{"app", "sidecar"}) {
		t.Errorf("ContainersFor(podSecurity) = %v, want [app sidecar]", got)
	}
}

func TestWorkloadsSkipsDisabledAndExempt(t *testing.T) {
	nodes := parseDocs(t, `apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: Pod
metadata:
  name: exempt
  annotations: {chartsec.io/skip: resources}
spec:
  containers: [{name: c, image: x}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
`)
	cfg := DefaultConfig()
	s := cfg.Scope(nil)
	names := func(ws []*Workload) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Object.Name)
		}
		return out
	}
	if got := names(s.Workloads(nodes, ControlResources)); !slices.Equal(got, []string{"plain"}) {
		t.Errorf("Workloads(resources) = %v, want [plain]", got)
	}
	if got := names(s.Workloads(nodes, ControlPodSecurity)); !slices.Equal(got, []string{"plain", "exempt"}) {
		t.Errorf("Workloads(podSecurity) = %v, want [plain exempt]", got)
	}
	cfg.Disable = []string{ControlPodSecurity}
	if got := cfg.Scope(nil).Workloads(nodes, ControlPodSecurity); len(got) != 0 {
		t.Errorf("Workloads of a disabled control = %v, want none", names(got))
	}
	// A control the run switches off is off for every workload and container.
	w := cfg.Scope(nil).Workload(nodes[0])
	if !w.Skips(ControlPodSecurity) || !w.SkipsContainer(ControlPodSecurity, "c") || w.Skips(ControlResources) {
		t.Errorf("with podSecurity disabled: Skips(podSecurity) %v, SkipsContainer(podSecurity) %v, Skips(resources) %v",
			w.Skips(ControlPodSecurity), w.SkipsContainer(ControlPodSecurity, "c"), w.Skips(ControlResources))
	}
}

func TestDocSkips(t *testing.T) {
	sa := func(annotations string) *yaml.RNode {
		return parseDocs(t, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api-client\n  namespace: shop\n  annotations: {"+annotations+"}\n")[0]
	}
	cases := []struct {
		name    string
		doc     *yaml.RNode
		config  func(*Config)
		skipped bool
	}{
		{"nothing", sa(""), nil, false},
		{"annotation names the control", sa("chartsec.io/skip: serviceAccountToken"), nil, true},
		{"annotation names another control", sa("chartsec.io/skip: resources"), nil, false},
		{"annotation all", sa("chartsec.io/skip: all"), nil, true},
		{"disabled", sa(""), func(c *Config) { c.Disable = []string{ControlServiceAccountToken} }, true},
		{"exclude rule, all controls", sa(""), func(c *Config) { c.Exclude = []ExcludeRule{{Kind: "ServiceAccount", Name: "api-*"}} }, true},
		{"exclude rule, this control", sa(""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Namespace: "shop", Controls: []string{ControlServiceAccountToken}}}
		}, true},
		{"exclude rule, another control", sa(""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Namespace: "shop", Controls: []string{ControlResources}}}
		}, false},
		{"exclude rule for a container does not apply to a document", sa(""), func(c *Config) {
			c.Exclude = []ExcludeRule{{Container: "*"}}
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.config != nil {
				c.config(&cfg)
			}
			if got := cfg.Scope(nil).DocSkips(c.doc, ControlServiceAccountToken); got != c.skipped {
				t.Errorf("DocSkips = %v, want %v", got, c.skipped)
			}
		})
	}
}

func TestHostLevel(t *testing.T) {
	cases := []struct {
		name string
		spec string
		want []string
	}{
		{"ordinary pod", "containers:\n- name: app\n  image: x\n  ports:\n  - containerPort: 8080\n", nil},
		{"host namespaces", "hostNetwork: true\nhostPID: true\nhostIPC: true\ncontainers:\n- name: app\n  image: x\n",
			[]string{"hostNetwork", "hostPID", "hostIPC"}},
		{"host namespaces set false", "hostNetwork: false\nhostPID: false\ncontainers:\n- name: app\n  image: x\n", nil},
		{"hostPath volume", "volumes:\n- name: data\n  emptyDir: {}\n- name: logs\n  hostPath:\n    path: /var/log\ncontainers:\n- name: app\n  image: x\n",
			[]string{"hostPath volume logs"}},
		{"privileged init container", "initContainers:\n- name: sysctl\n  image: x\n  securityContext:\n    privileged: true\ncontainers:\n- name: app\n  image: x\n",
			[]string{"privileged container sysctl"}},
		{"hostPort", "containers:\n- name: app\n  image: x\n  ports:\n  - containerPort: 80\n    hostPort: 80\n  - containerPort: 81\n    hostPort: 0\n",
			[]string{"hostPort 80 on container app"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := "  " + strings.ReplaceAll(strings.TrimSuffix(c.spec, "\n"), "\n", "\n  ") + "\n"
			w := workloadOf(t, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"+spec, nil)
			if got := w.HostLevel(); !slices.Equal(got, c.want) {
				t.Errorf("HostLevel() = %q, want %q", got, c.want)
			}
		})
	}
}

func TestWindows(t *testing.T) {
	win := workloadOf(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  os: {name: windows}\n  containers: [{name: c, image: x}]\n", nil)
	linux := workloadOf(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  os: {name: linux}\n  containers: [{name: c, image: x}]\n", nil)
	if !win.Windows() || linux.Windows() {
		t.Errorf("Windows(): windows pod %v, linux pod %v; want true, false", win.Windows(), linux.Windows())
	}
}

// TestNeeds: the documents the workload filters and ServiceAccountToken
// read are parsed; a plain ConfigMap passes through as bytes. (The kinds
// the companion filters need are theirs to test.)
func TestNeeds(t *testing.T) {
	s := DefaultConfig().Scope(nil)
	for _, c := range []struct {
		apiVersion, kind string
		want             bool
	}{
		{"apps/v1", "Deployment", true},
		{"batch/v1", "CronJob", true},
		{"v1", "Pod", true},
		{"argoproj.io/v1alpha1", "Rollout", true},
		{"v1", "ServiceAccount", true},
		{"rbac.authorization.k8s.io/v1", "RoleBinding", true},
		{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", true},
		{"v1", "ConfigMap", false},
		{"example.com/v1", "Deployment", false},
	} {
		if got := s.Needs(c.apiVersion, c.kind); got != c.want {
			t.Errorf("Needs(%q, %q) = %v, want %v", c.apiVersion, c.kind, got, c.want)
		}
	}
}

func TestFindingsNameTheObject(t *testing.T) {
	nodes := parseDocs(t, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers: [{name: c, image: x}]\n")
	rep := &report.Report{}
	s := DefaultConfig().Scope(rep)
	obj := report.Object{Doc: 4, Kind: "Pod", Name: "web", Namespace: "shop", Source: "web/templates/pod.yaml", Line: 40}
	s.Objects = map[*yaml.Node]report.Object{nodes[0].YNode(): obj}
	w := s.Workload(nodes[0])
	w.Changed(ControlResources, "requests", "c", "changed")
	w.ChangedRisky(ControlCapabilities, "addNotAllowed", "c", "risky")
	w.Found(ControlImageTag, "mutableTag", report.Warning, "c", "found")
	fs := rep.Findings()
	if len(fs) != 3 {
		t.Fatalf("%d findings, want 3", len(fs))
	}
	for _, f := range fs {
		if f.Object != obj {
			t.Errorf("finding %q names %+v, want %+v", f.Message, f.Object, obj)
		}
	}
	if f := fs[0]; f.Severity != report.Info || !f.Changed {
		t.Errorf("Changed gives severity %v, changed %v; want info, true", f.Severity, f.Changed)
	}
	if f := fs[1]; f.Severity != report.Warning || !f.Changed {
		t.Errorf("ChangedRisky gives severity %v, changed %v; want warning, true", f.Severity, f.Changed)
	}
	if f := fs[2]; f.Severity != report.Warning || f.Changed {
		t.Errorf("Found gives severity %v, changed %v; want warning, false", f.Severity, f.Changed)
	}
}
