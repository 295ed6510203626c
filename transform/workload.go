package transform

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// PodSecurityStandards names the gate of --check and --verify in
// exemptions: a workload (or container) exempt from it may fail Pod
// Security Standards baseline, which is otherwise an error. It is not a
// control: nothing switches it off for every workload, only an exemption
// that names the workload accepts it (or "all").
const PodSecurityStandards = "podSecurityStandards"

// Exemptible lists what an exemption may name: every control, the gate,
// and "all".
func Exemptible(name string) bool {
	return name == AllControls || name == PodSecurityStandards || slices.Contains(Controls, name)
}

// Annotations that exempt a workload, or one container of it, from controls.
const (
	SkipAnnotation          = "chartsec.io/skip"
	SkipContainerAnnotation = "chartsec.io/skip." // + container name
	AllControls             = "all"
)

// CustomWorkload names a custom resource kind that carries a pod template.
type CustomWorkload struct {
	// APIVersion matches the document's apiVersion; a glob such as
	// "argoproj.io/*" matches every version of a group.
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	// PodTemplate is the dotted path of the pod template (with metadata
	// and spec), e.g. "spec.template".
	PodTemplate string `yaml:"podTemplate" json:"podTemplate"`
	// Replicas is the dotted path of the replica count, if it has one.
	Replicas string `yaml:"replicas,omitempty" json:"replicas,omitempty"`
}

// ExcludeRule exempts matching workloads (and optionally only some of their
// containers) from some or all controls. Empty fields match everything;
// Name, Namespace and Container take globs.
type ExcludeRule struct {
	Kind      string   `yaml:"kind,omitempty" json:"kind,omitempty"`
	Namespace string   `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	Name      string   `yaml:"name,omitempty" json:"name,omitempty"`
	Container string   `yaml:"container,omitempty" json:"container,omitempty"`
	Controls  []string `yaml:"controls,omitempty" json:"controls,omitempty"`
}

// Scope is what the filters of one run share: which kinds hold pod
// templates, what is disabled or exempt, and where findings go.
type Scope struct {
	CustomWorkloads []CustomWorkload
	Exclude         []ExcludeRule
	Disabled        map[string]bool
	// Report receives changes and findings; nil discards them.
	Report *report.Report
	// Objects locates documents for findings, by their root node; a
	// document not in it is named by kind and name only.
	Objects map[*yaml.Node]report.Object

	// workloads caches Workload by document: every filter asks for every
	// document, and the filters change pod specs in place, never the
	// kind, template, replicas or annotations a Workload is read from.
	workloads map[*yaml.Node]*Workload
	// names are the documents' names by kind, once a filter adds one.
	names docNames
	// rbacObjects are the run's roles and bindings, once a filter asks;
	// read holds the documents Read read before.
	rbacObjects *rbacObjects
	read        struct {
		sync.Mutex
		rbac     []*rbacDoc
		services []*serviceDoc
	}
	// shared is the companion view the NetworkPolicy filter built, with
	// the list it returned: the PodDisruptionBudget filter, next in the
	// pipeline, uses it rather than building the same view again.
	shared struct {
		view  *companionView
		nodes []*yaml.RNode
	}
}

// record is where every finding of the filters goes: through found and
// changed, or a Workload's Found, Changed and ChangedRisky.
func (s *Scope) record(f report.Finding) {
	if s != nil {
		s.Report.Add(f)
	}
}

// Enabled reports whether a control is switched on for this run.
func (s *Scope) Enabled(control string) bool {
	return s == nil || !s.Disabled[control]
}

// ContainerKind says which list of the pod spec a container is in.
type ContainerKind string

const (
	RegularContainer   ContainerKind = "containers"
	InitContainer      ContainerKind = "initContainers"
	EphemeralContainer ContainerKind = "ephemeralContainers"
)

// Container is one entry of a pod spec's container lists.
type Container struct {
	Node *yaml.RNode
	Name string
	Kind ContainerKind
}

// Workload is one pod template found in a document.
type Workload struct {
	Doc      *yaml.RNode // the whole document
	Template *yaml.RNode // the pod template (metadata, spec); the document for a Pod
	Spec     *yaml.RNode // the pod spec
	Object   report.Object
	// Hook is true for Helm hook documents (helm.sh/hook annotation).
	Hook bool
	// Replicas is the replica count, or -1 when the kind has none.
	Replicas int

	// Exemptions describe what is exempt and why, for the report.
	Exemptions []string
	// UnknownControls are control names in skip annotations that no
	// control has: likely typos, which would exempt nothing.
	UnknownControls []string

	scope         *Scope
	skip          map[string]bool            // workload-level exemptions
	skipContainer map[string]map[string]bool // container name -> exemptions
}

var builtinTemplatePaths = map[string][]string{
	"Pod":                   nil,
	"PodTemplate":           {"template"},
	"Deployment":            {"spec", "template"},
	"StatefulSet":           {"spec", "template"},
	"DaemonSet":             {"spec", "template"},
	"ReplicaSet":            {"spec", "template"},
	"ReplicationController": {"spec", "template"},
	"Job":                   {"spec", "template"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template"},
}

var builtinGroups = map[string]bool{"": true, "apps": true, "extensions": true, "batch": true}

func group(apiVersion string) string {
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

// TemplatePath returns where the pod template of a document of this
// apiVersion and kind is (nil for a Pod, whose document is its own
// template), and whether the kind holds one at all.
func (s *Scope) TemplatePath(apiVersion, kind string) ([]string, bool) {
	if p, ok := builtinTemplatePaths[kind]; ok && builtinGroups[group(apiVersion)] {
		return p, true
	}
	if s == nil {
		return nil, false
	}
	for _, c := range s.CustomWorkloads {
		if c.Kind == kind && globMatch(c.APIVersion, apiVersion) {
			return splitPath(c.PodTemplate), true
		}
	}
	return nil, false
}

func (s *Scope) replicasPath(apiVersion, kind string) []string {
	switch kind {
	case "Deployment", "StatefulSet", "ReplicaSet", "ReplicationController":
		if builtinGroups[group(apiVersion)] {
			return []string{"spec", "replicas"}
		}
	}
	if s != nil {
		for _, c := range s.CustomWorkloads {
			if c.Kind == kind && globMatch(c.APIVersion, apiVersion) && c.Replicas != "" {
				return splitPath(c.Replicas)
			}
		}
	}
	return nil
}

func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// globMatch matches s against a pattern where "*" stands for any run of
// characters ("/" included, so "*nginx*" matches an image reference) and
// "?" for one. An empty pattern matches everything.
func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch1(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}

// globMatch1 is globMatch where an empty pattern matches only "".
func globMatch1(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	return globMatch(pattern, s)
}

// Workloads returns the pod templates of nodes that control applies to:
// those that do not skip it (Skips).
func (s *Scope) Workloads(nodes []*yaml.RNode, control string) []*Workload {
	if !s.Enabled(control) {
		return nil // every workload skips it
	}
	var out []*Workload
	for _, n := range nodes {
		w := s.Workload(n)
		if w == nil || w.Skips(control) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// Workload returns the pod template of a document, or nil when it has none.
func (s *Scope) Workload(doc *yaml.RNode) *Workload {
	if s == nil {
		return s.readWorkload(doc)
	}
	if w, ok := s.workloads[doc.YNode()]; ok {
		return w
	}
	w := s.readWorkload(doc)
	if s.workloads == nil {
		s.workloads = map[*yaml.Node]*Workload{}
	}
	s.workloads[doc.YNode()] = w
	return w
}

func (s *Scope) readWorkload(doc *yaml.RNode) *Workload {
	if doc.YNode().Kind != yaml.MappingNode {
		return nil
	}
	apiVersion, kind := apiVersionOf(doc), kindOf(doc)
	p, ok := s.TemplatePath(apiVersion, kind)
	if !ok {
		return nil
	}
	tmpl := doc
	if len(p) > 0 {
		tmpl = manifest.LookupMap(doc, p...)
	}
	if tmpl == nil {
		return nil
	}
	spec := manifest.LookupMap(tmpl, "spec")
	if spec == nil {
		return nil
	}
	w := &Workload{Doc: doc, Template: tmpl, Spec: spec, scope: s, Replicas: -1}
	w.Object = s.object(doc)
	_, w.Hook = annotations(doc)["helm.sh/hook"]
	if rp := s.replicasPath(apiVersion, kind); rp != nil {
		w.Replicas = 1
		if r := manifest.LookupNumber(doc, rp...); r != "" {
			w.Replicas = atoiOr(r, 1)
		}
	}
	w.readExemptions()
	return w
}

func (s *Scope) object(doc *yaml.RNode) report.Object {
	if s != nil {
		if o, ok := s.Objects[doc.YNode()]; ok {
			return o
		}
	}
	return report.Object{Kind: kindOf(doc), Name: nameOf(doc), Namespace: namespaceOf(doc), Doc: -1}
}

func (w *Workload) readExemptions() {
	w.skip = map[string]bool{}
	w.skipContainer = map[string]map[string]bool{}
	skipContainer := func(name, list, why string) {
		if w.skipContainer[name] == nil {
			w.skipContainer[name] = map[string]bool{}
		}
		addControls(w.skipContainer[name], list)
		w.Exemptions = append(w.Exemptions, "container "+name+": "+list+" ("+why+")")
	}
	metas := []*yaml.RNode{w.Doc, w.Template}
	if w.Template == w.Doc { // a Pod is its own template
		metas = metas[:1]
	}
	for _, meta := range metas {
		ann := annotations(meta)
		keys := make([]string, 0, len(ann))
		for k := range ann {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := ann[k]
			switch {
			case k == SkipAnnotation:
				addControls(w.skip, v)
				w.Exemptions = append(w.Exemptions, v+" (annotation "+k+")")
			case strings.HasPrefix(k, SkipContainerAnnotation):
				skipContainer(strings.TrimPrefix(k, SkipContainerAnnotation), v, "annotation "+k)
			default:
				continue
			}
			for _, c := range strings.Split(v, ",") {
				if c = strings.TrimSpace(c); c != "" && !Exemptible(c) {
					w.UnknownControls = append(w.UnknownControls, c+" (annotation "+k+")")
				}
			}
		}
	}
	if w.scope == nil {
		return
	}
	for i, r := range w.scope.Exclude {
		if !r.matches(w.Object) {
			continue
		}
		controls := strings.Join(r.Controls, ",")
		if controls == "" {
			controls = AllControls
		}
		why := fmt.Sprintf("config exclude[%d]", i)
		if r.Container == "" {
			addControls(w.skip, controls)
			w.Exemptions = append(w.Exemptions, controls+" ("+why+")")
			continue
		}
		for _, c := range w.Containers() {
			if globMatch(r.Container, c.Name) {
				skipContainer(c.Name, controls, why)
			}
		}
	}
}

// matches reports whether the rule's kind, namespace and name match o.
func (r ExcludeRule) matches(o report.Object) bool {
	return globMatch(r.Kind, o.Kind) && globMatch(r.Namespace, o.Namespace) && globMatch(r.Name, o.Name)
}

func addControls(set map[string]bool, list string) {
	for _, c := range strings.Split(list, ",") {
		if c = strings.TrimSpace(c); c != "" {
			set[c] = true
		}
	}
}

func annotations(n *yaml.RNode) map[string]string {
	meta := manifest.LookupMap(n, "metadata")
	if meta == nil {
		return nil
	}
	ann := manifest.LookupMap(meta, "annotations")
	if ann == nil {
		return nil
	}
	out := map[string]string{}
	c := ann.YNode().Content
	for i := 0; i+1 < len(c); i += 2 {
		out[c[i].Value] = c[i+1].Value
	}
	return out
}

// Skips reports whether control is off for the whole workload: switched
// off for the run (Scope.Enabled), or exempted by an annotation or an
// exclude rule. Scope.DocSkips asks the same of other documents.
func (w *Workload) Skips(control string) bool {
	return !w.scope.Enabled(control) || w.exempts(control)
}

// SkipsContainer reports whether control is off for one container.
func (w *Workload) SkipsContainer(control, name string) bool {
	return !w.scope.Enabled(control) || w.exemptsContainer(control, name)
}

// exempts reports whether an exemption names control for the whole
// workload, whether or not the run switches it off.
func (w *Workload) exempts(control string) bool {
	return w.skip[control] || w.skip[AllControls]
}

// exemptsContainer reports whether an exemption names control for one
// container, or for the whole workload.
func (w *Workload) exemptsContainer(control, name string) bool {
	s := w.skipContainer[name]
	return w.exempts(control) || s[control] || s[AllControls]
}

// Exempt reports whether an exemption switches off, for the workload or
// any of its containers, a control that Pod Security Standards check.
func (w *Workload) Exempt() bool {
	for _, ctl := range []string{ControlPodSecurity, ControlContainerSecurity, ControlCapabilities} {
		if w.Skips(ctl) {
			return true
		}
		for _, c := range w.Containers() {
			if w.SkipsContainer(ctl, c.Name) {
				return true
			}
		}
	}
	return false
}

// Containers returns every container, init container and ephemeral
// container of the pod spec.
func (w *Workload) Containers() []Container {
	var out []Container
	for _, k := range []ContainerKind{InitContainer, RegularContainer, EphemeralContainer} {
		for _, c := range manifest.LookupSeq(w.Spec, string(k)) {
			if c.Kind != yaml.MappingNode {
				continue
			}
			rn := yaml.NewRNode(c)
			out = append(out, Container{Node: rn, Name: manifest.LookupScalar(rn, "name"), Kind: k})
		}
	}
	return out
}

// ContainersFor returns the containers that control applies to.
func (w *Workload) ContainersFor(control string) []Container {
	var out []Container
	for _, c := range w.Containers() {
		if !w.SkipsContainer(control, c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// HostLevel lists the pod's host-level features: host namespaces,
// hostPath volumes, host ports, privileged containers, and capabilities
// beyond the Pod Security baseline set (NET_ADMIN for a mesh's iptables
// init container, SYS_ADMIN for a CSI driver). Such pods are node or
// network agents; hardening their identity or filesystem would break them.
func (w *Workload) HostLevel() []string {
	var out []string
	for _, f := range w.hostFeatures() {
		out = append(out, f.what)
	}
	return out
}

// hostFeature is one host-level feature, and the container that asks for
// it ("" for the pod).
type hostFeature struct {
	what, container string
}

func (w *Workload) hostFeatures() []hostFeature {
	var out []hostFeature
	for _, f := range []string{"hostNetwork", "hostPID", "hostIPC"} {
		if isTrue(w.Spec, f) {
			out = append(out, hostFeature{what: f})
		}
	}
	if vols := manifest.Lookup(w.Spec, "volumes"); vols != nil {
		for _, v := range vols.Content {
			if manifest.LookupMap(yaml.NewRNode(v), "hostPath") != nil {
				out = append(out, hostFeature{what: "hostPath volume " + manifest.LookupScalar(yaml.NewRNode(v), "name")})
			}
		}
	}
	for _, c := range w.Containers() {
		if isTrue(c.Node, "securityContext", "privileged") {
			out = append(out, hostFeature{"privileged container " + c.Name, c.Name})
		}
		for _, a := range manifest.LookupSeq(c.Node, "securityContext", "capabilities", "add") {
			if name := normalizeCap(a.Value); !baselineCapabilities[name] {
				out = append(out, hostFeature{"capability " + name + " added to container " + c.Name, c.Name})
			}
		}
		if ports := manifest.Lookup(c.Node, "ports"); ports != nil {
			for _, p := range ports.Content {
				if hp := manifest.LookupNumber(yaml.NewRNode(p), "hostPort"); hp != "" && hp != "0" {
					out = append(out, hostFeature{"hostPort " + hp + " on container " + c.Name, c.Name})
				}
			}
		}
	}
	return out
}

// baselineCapabilities may be added under Pod Security Standards baseline;
// a container that adds any other does node- or network-level work.
var baselineCapabilities = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true, "KILL": true,
	"MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true, "SETPCAP": true, "SETUID": true,
	"SYS_CHROOT": true,
}

// Windows reports whether the pod runs on Windows, where the Linux
// security fields do not apply.
func (w *Workload) Windows() bool {
	return manifest.LookupScalar(w.Spec, "os", "name") == "windows"
}

// Changed records a change the filter made.
func (w *Workload) Changed(control, rule, container, msg string) {
	w.scope.record(report.Finding{Object: w.Object, Control: control, Rule: rule, Severity: report.Info,
		Container: container, Message: msg, Changed: true})
}

// ChangedRisky records a change that may break the app, such as taking
// root or a capability from a container that asked for it: it is reported
// as a warning, so that a person looks at it.
func (w *Workload) ChangedRisky(control, rule, container, msg string) {
	w.scope.record(report.Finding{Object: w.Object, Control: control, Rule: rule, Severity: report.Warning,
		Container: container, Message: msg, Changed: true})
}

// Found records something the filter saw and did not change.
func (w *Workload) Found(control, rule string, sev report.Severity, container, msg string) {
	w.scope.record(report.Finding{Object: w.Object, Control: control, Rule: rule, Severity: sev,
		Container: container, Message: msg})
}

// found records what a filter saw in a document that is not a workload
// (or in the whole stream) and did not change; hint, when not empty, says
// how to fix or exempt it.
func (s *Scope) found(obj report.Object, control, rule string, sev report.Severity, msg, hint string) {
	s.record(report.Finding{Object: obj, Control: control, Rule: rule, Severity: sev, Message: msg, Hint: hint})
}

// changed records a change a filter made to a document that is not a
// workload, or a document it added (see addedObject).
func (s *Scope) changed(obj report.Object, control, rule, msg string) {
	s.record(report.Finding{Object: obj, Control: control, Rule: rule, Severity: report.Info, Message: msg, Changed: true})
}

// addedObject names, for findings, a document a filter adds after the
// one at anchor.
func addedObject(anchor report.Object, kind, name string) report.Object {
	anchor.Kind, anchor.Name, anchor.Generated = kind, name, true
	return anchor
}

// DocSkips reports whether a document that is not a workload (a
// ServiceAccount, say) is exempt from control by its annotation or by an
// exclude rule.
func (s *Scope) DocSkips(doc *yaml.RNode, control string) bool {
	return s.objectSkips(s.object(doc), annotations(doc)[SkipAnnotation], control)
}

// objectSkips is DocSkips for the object o, whose chartsec.io/skip
// annotation is skip.
func (s *Scope) objectSkips(o report.Object, skip, control string) bool {
	if !s.Enabled(control) {
		return true
	}
	set := map[string]bool{}
	addControls(set, skip)
	if s != nil {
		for _, r := range s.Exclude {
			if r.Container == "" && r.matches(o) {
				if len(r.Controls) == 0 {
					return true
				}
				addControls(set, strings.Join(r.Controls, ","))
			}
		}
	}
	return set[control] || set[AllControls]
}
