package transform

import (
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/report"
	yamlv3 "gopkg.in/yaml.v3"
)

const meshPod = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      initContainers:
      - name: istio-init
        image: istio/proxyv2:1.24.0
        securityContext:
          capabilities:
            add: [NET_ADMIN, NET_RAW]
      containers:
      - name: web
        image: example/web:1
`

const nodeAgent = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: fluent-bit
  namespace: logging
spec:
  template:
    spec:
      containers:
      - name: fluent-bit
        image: fluent/fluent-bit:3
      volumes:
      - name: varlog
        hostPath: {path: /var/log}
`

// TestHostLevelGate: the snippet names the containers when only they ask
// for host access, else the workload; an exemption that names them (or
// the workload) accepts the workload, one that names something else does
// not.
func TestHostLevelGate(t *testing.T) {
	cases := []struct {
		name         string
		doc          string
		exclude      []ExcludeRule
		wantAccepted bool
		wantSnippet  string
	}{
		{"mesh init container", meshPod, nil, false,
			"exclude: [{kind: Deployment, namespace: shop, name: web, container: istio-init, controls: [podSecurityStandards]}]"},
		{"mesh init container exempt", meshPod, []ExcludeRule{{Container: "istio-init", Controls: []string{PodSecurityStandards}}}, true, ""},
		{"mesh: another container exempt", meshPod, []ExcludeRule{{Container: "web", Controls: []string{PodSecurityStandards}}}, false,
			"exclude: [{kind: Deployment, namespace: shop, name: web, container: istio-init, controls: [podSecurityStandards]}]"},
		{"mesh: exempt from other controls only", meshPod, []ExcludeRule{{Container: "istio-init", Controls: []string{ControlCapabilities, ControlPodSecurity}}}, false,
			"exclude: [{kind: Deployment, namespace: shop, name: web, container: istio-init, controls: [podSecurityStandards]}]"},
		{"node agent with hostPath", nodeAgent, nil, false,
			"exclude: [{kind: DaemonSet, namespace: logging, name: fluent-bit, controls: [podSecurityStandards]}]"},
		{"node agent: a container exemption is not enough", nodeAgent, []ExcludeRule{{Container: "fluent-bit", Controls: []string{PodSecurityStandards}}}, false,
			"exclude: [{kind: DaemonSet, namespace: logging, name: fluent-bit, controls: [podSecurityStandards]}]"},
		{"node agent exempt by name", nodeAgent, []ExcludeRule{{Kind: "DaemonSet", Name: "fluent-*", Controls: []string{PodSecurityStandards}}}, true, ""},
		{"node agent exempt from all", nodeAgent, []ExcludeRule{{Name: "fluent-bit"}}, true, ""},
		{"node agent: other namespace", nodeAgent, []ExcludeRule{{Namespace: "kube-system", Name: "fluent-bit"}}, false,
			"exclude: [{kind: DaemonSet, namespace: logging, name: fluent-bit, controls: [podSecurityStandards]}]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workloadOf(t, c.doc, func(cfg *Config) { cfg.Exclude = c.exclude })
			accepted, snippet := w.HostLevelGate()
			if accepted != c.wantAccepted || snippet != c.wantSnippet {
				t.Errorf("HostLevelGate() = %v, %q\nwant %v, %q", accepted, snippet, c.wantAccepted, c.wantSnippet)
			}
			if snippet == "" {
				return
			}
			// The snippet is a config that, loaded, accepts the workload.
			cfg, err := LoadConfig(strings.NewReader(snippet))
			if err != nil {
				t.Fatalf("the snippet is no valid config: %v", err)
			}
			if ok, rest := workloadOf(t, c.doc, func(c *Config) { *c = cfg }).HostLevelGate(); !ok {
				t.Errorf("with the snippet as config, still not accepted: %q", rest)
			}
		})
	}
}

// TestExemptionSnippetQuotes: names that YAML would read as something else
// than a string are quoted, so the snippet means what it says.
func TestExemptionSnippetQuotes(t *testing.T) {
	w := &Workload{Object: report.Object{Kind: "Deployment", Name: "on", Namespace: "123"}}
	snippet := w.ExemptionSnippet([]string{"true", "a: b"})
	var cfg struct {
		Exclude []ExcludeRule `yaml:"exclude"`
	}
	if err := yamlv3.Unmarshal([]byte(snippet), &cfg); err != nil {
		t.Fatalf("%s: %v", snippet, err)
	}
	want := []ExcludeRule{
		{Kind: "Deployment", Namespace: "123", Name: "on", Container: "true", Controls: []string{PodSecurityStandards}},
		{Kind: "Deployment", Namespace: "123", Name: "on", Container: "a: b", Controls: []string{PodSecurityStandards}},
	}
	if len(cfg.Exclude) != len(want) {
		t.Fatalf("%s: %+v", snippet, cfg.Exclude)
	}
	for i := range want {
		if got := cfg.Exclude[i]; got.Kind != want[i].Kind || got.Namespace != want[i].Namespace || got.Name != want[i].Name ||
			got.Container != want[i].Container || strings.Join(got.Controls, ",") != PodSecurityStandards {
			t.Errorf("%s: rule %d = %+v, want %+v", snippet, i, got, want[i])
		}
	}
}

// TestReportHostLevel: one warning per host-level workload, saying it is
// not hardened and whether --check and --verify will fail it.
func TestReportHostLevel(t *testing.T) {
	for _, c := range []struct {
		exclude []ExcludeRule
		want    string
	}{
		{nil, "--check and --verify fail it until an exemption accepts it: exclude: [{kind: DaemonSet"},
		{[]ExcludeRule{{Name: "fluent-bit", Controls: []string{PodSecurityStandards}}}, "an exemption from podSecurityStandards accepts it"},
	} {
		cfg := DefaultConfig()
		cfg.Exclude = c.exclude
		rep := &report.Report{}
		cfg.Scope(rep).Workload(parseDocs(t, nodeAgent)[0]).ReportHostLevel()
		fs := rep.Findings()
		if len(fs) != 1 || fs[0].ID() != "podSecurity.hostLevel" || fs[0].Severity != report.Warning ||
			!strings.Contains(fs[0].Message, "not hardened") || !strings.Contains(fs[0].Message, "hostPath volume varlog") || !strings.Contains(fs[0].Message, c.want) {
			t.Errorf("findings %+v, want one podSecurity.hostLevel warning saying %q", fs, c.want)
		}
	}
	rep := &report.Report{}
	cfg := DefaultConfig()
	cfg.Scope(rep).Workload(parseDocs(t, strings.Replace(nodeAgent, "hostPath: {path: /var/log}", "emptyDir: {}", 1))[0]).ReportHostLevel()
	if len(rep.Findings()) != 0 {
		t.Errorf("a pod without host access: %+v", rep.Findings())
	}
}

// TestPodSecurityStandardsCannotBeDisabled: the gate is accepted per
// workload, never switched off for all of them.
func TestPodSecurityStandardsCannotBeDisabled(t *testing.T) {
	_, err := LoadConfig(strings.NewReader("disable: [podSecurityStandards]\n"))
	if err == nil || !strings.Contains(err.Error(), "cannot be switched off for every workload") {
		t.Errorf("disable: [podSecurityStandards]: %v", err)
	}
	if _, err := LoadConfig(strings.NewReader("exclude: [{name: x, controls: [podSecurityStandards]}]\n")); err != nil {
		t.Errorf("exclude naming podSecurityStandards: %v", err)
	}
	w := workloadOf(t, strings.Replace(nodeAgent, "  namespace: logging\n", "  namespace: logging\n  annotations: {chartsec.io/skip: podSecurityStandards}\n", 1), nil)
	if len(w.UnknownControls) != 0 || !w.AcceptsPodSecurityFailures() {
		t.Errorf("annotation chartsec.io/skip: podSecurityStandards: unknown %q, accepted %v", w.UnknownControls, w.AcceptsPodSecurityFailures())
	}
}
