package transform

import (
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// AcceptsPodSecurityFailures reports whether an exemption of the whole
// workload (annotation or config, naming podSecurityStandards or "all")
// accepts its Pod Security Standards failures in --check and --verify.
func (w *Workload) AcceptsPodSecurityFailures() bool {
	return w.exempts(PodSecurityStandards)
}

// AcceptedContainers returns the containers whose own Pod Security
// Standards failures an exemption accepts.
func (w *Workload) AcceptedContainers() []string {
	var out []string
	for _, c := range w.Containers() {
		if w.exemptsContainer(PodSecurityStandards, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

// TemplateWith returns a copy of the pod template that holds only the
// containers keep selects; the pod-level fields stay. Evaluating it tells
// which failures come from the pod and which from which container.
func (w *Workload) TemplateWith(keep func(Container) bool) *yaml.RNode {
	tmpl := w.Template.Copy()
	spec := manifest.LookupMap(tmpl, "spec")
	if spec == nil {
		return tmpl
	}
	for _, k := range []ContainerKind{InitContainer, RegularContainer, EphemeralContainer} {
		list := manifest.Lookup(spec, string(k))
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		var kept []*yaml.Node
		for _, c := range list.Content {
			if c.Kind != yaml.MappingNode {
				kept = append(kept, c)
				continue
			}
			rn := yaml.NewRNode(c)
			if keep(Container{Node: rn, Name: manifest.LookupScalar(rn, "name"), Kind: k}) {
				kept = append(kept, c)
			}
		}
		list.Content = kept
	}
	return tmpl
}

// HostLevelGate says, for a host-level workload, whether an exemption
// already accepts it in --check and --verify and, if not, the config
// snippet that would: one naming the containers when only containers ask
// for host access (a mesh's iptables init container), else the workload.
func (w *Workload) HostLevelGate() (accepted bool, snippet string) {
	if w.AcceptsPodSecurityFailures() {
		return true, ""
	}
	var containers []string
	seen := map[string]bool{}
	for _, f := range w.hostFeatures() {
		if f.container == "" {
			return false, w.ExemptionSnippet(nil)
		}
		if !w.exemptsContainer(PodSecurityStandards, f.container) && !seen[f.container] {
			seen[f.container] = true
			containers = append(containers, f.container)
		}
	}
	if len(containers) == 0 {
		return true, ""
	}
	return false, w.ExemptionSnippet(containers)
}

// ExemptionSnippet is the config that makes --check and --verify accept
// the workload's Pod Security Standards failures, or only those of the
// given containers: an exclude entry by kind, namespace and name (and
// container), on one line, valid YAML for the config file.
func (w *Workload) ExemptionSnippet(containers []string) string {
	rule := func(container string) *yamlv3.Node {
		m := &yamlv3.Node{Kind: yamlv3.MappingNode, Style: yamlv3.FlowStyle}
		add := func(k, v string) {
			if v != "" {
				m.Content = append(m.Content, strNodeV3(k), strNodeV3(v))
			}
		}
		add("kind", w.Object.Kind)
		add("namespace", w.Object.Namespace)
		add("name", w.Object.Name)
		add("container", container)
		m.Content = append(m.Content, strNodeV3("controls"),
			&yamlv3.Node{Kind: yamlv3.SequenceNode, Style: yamlv3.FlowStyle, Content: []*yamlv3.Node{strNodeV3(PodSecurityStandards)}})
		return m
	}
	list := &yamlv3.Node{Kind: yamlv3.SequenceNode, Style: yamlv3.FlowStyle}
	if len(containers) == 0 {
		list.Content = append(list.Content, rule(""))
	}
	for _, c := range containers {
		list.Content = append(list.Content, rule(c))
	}
	doc := &yamlv3.Node{Kind: yamlv3.MappingNode, Content: []*yamlv3.Node{strNodeV3("exclude"), list}}
	b, err := yamlv3.Marshal(doc)
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

func strNodeV3(s string) *yamlv3.Node {
	return &yamlv3.Node{Kind: yamlv3.ScalarNode, Tag: "!!str", Value: s}
}

// ReportHostLevel says, once per host-level workload, that it is not
// hardened and why, and whether --check and --verify accept it or fail it
// until an exemption does (with the snippet that would).
func (w *Workload) ReportHostLevel() {
	host := w.HostLevel()
	if len(host) == 0 {
		return
	}
	msg := "not hardened (its user, filesystem and host access are left as the chart set them): host-level pod (" + strings.Join(host, ", ") + "); "
	if accepted, snippet := w.HostLevelGate(); accepted {
		msg += "an exemption from " + PodSecurityStandards + " accepts it in --check and --verify"
	} else {
		msg += "--check and --verify fail it until an exemption accepts it: " + snippet
	}
	w.Found(ControlPodSecurity, "hostLevel", report.Warning, "", msg)
}
