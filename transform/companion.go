package transform

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// GeneratedLabel marks the documents chartsec-harden adds (NetworkPolicy,
// PodDisruptionBudget, LimitRange), so that people and tools can tell them
// from the chart's own.
const GeneratedLabel = "chartsec.io/generated"

// labelPair is one label or matchLabels entry, kept in document order.
type labelPair struct{ key, value string }

// selectorExpr is one matchExpressions entry.
type selectorExpr struct {
	key, operator string
	values        []string
}

// labelSelector is a parsed metav1.LabelSelector. A nil *labelSelector is
// an absent selector, which selects nothing.
type labelSelector struct {
	matchLabels []labelPair
	exprs       []selectorExpr
}

// parseSelector reads a LabelSelector (matchLabels, matchExpressions) or,
// for a ReplicationController, a plain label map. It returns nil when n is
// absent or not a mapping.
func parseSelector(n *yaml.RNode) *labelSelector {
	if n == nil || n.YNode().Kind != yaml.MappingNode {
		return nil
	}
	s := &labelSelector{}
	if manifest.Lookup(n, "matchLabels") == nil && manifest.Lookup(n, "matchExpressions") == nil {
		s.matchLabels = labelPairs(n)
		return s
	}
	s.matchLabels = labelPairs(manifest.LookupMap(n, "matchLabels"))
	for _, e := range manifest.LookupSeq(n, "matchExpressions") {
		en := yaml.NewRNode(e)
		x := selectorExpr{key: manifest.LookupScalar(en, "key"), operator: manifest.LookupScalar(en, "operator")}
		for _, v := range manifest.LookupSeq(en, "values") {
			x.values = append(x.values, v.Value)
		}
		s.exprs = append(s.exprs, x)
	}
	return s
}

// labelPairs reads a mapping of scalars as labels, in document order.
func labelPairs(n *yaml.RNode) []labelPair {
	if n == nil || n.YNode().Kind != yaml.MappingNode {
		return nil
	}
	var out []labelPair
	c := n.YNode().Content
	for i := 0; i+1 < len(c); i += 2 {
		if c[i+1].Kind == yaml.ScalarNode {
			out = append(out, labelPair{c[i].Value, c[i+1].Value})
		}
	}
	return out
}

func labelMap(pairs []labelPair) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		m[p.key] = p.value
	}
	return m
}

// empty reports whether the selector has no requirement: it selects every
// pod of its namespace.
func (s *labelSelector) empty() bool {
	return s != nil && len(s.matchLabels) == 0 && len(s.exprs) == 0
}

// matches reports whether pods with these labels are selected, as the API
// server's labels.Selector would decide. An unknown operator selects
// nothing, as the API server rejects it.
func (s *labelSelector) matches(labels map[string]string) bool {
	if s == nil {
		return false
	}
	for _, p := range s.matchLabels {
		if v, ok := labels[p.key]; !ok || v != p.value {
			return false
		}
	}
	for _, e := range s.exprs {
		v, has := labels[e.key]
		switch e.operator {
		case "In":
			if !has || !slices.Contains(e.values, v) {
				return false
			}
		case "NotIn":
			if has && slices.Contains(e.values, v) {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// node writes the selector as a LabelSelector; an empty one as {}.
func (s *labelSelector) node() *yaml.Node {
	var fields []field
	if len(s.matchLabels) > 0 {
		fields = append(fields, field{"matchLabels", labelsNode(s.matchLabels)})
	}
	if len(s.exprs) > 0 {
		var items []*yaml.Node
		for _, e := range s.exprs {
			var values *yaml.Node
			if len(e.values) > 0 {
				var vs []*yaml.Node
				for _, v := range e.values {
					vs = append(vs, strNode(v))
				}
				values = seqNode(vs...)
			}
			items = append(items, mapNode(field{"key", strNode(e.key)}, field{"operator", strNode(e.operator)}, field{"values", values}))
		}
		fields = append(fields, field{"matchExpressions", seqNode(items...)})
	}
	return mapNode(fields...)
}

func (s *labelSelector) String() string {
	var parts []string
	for _, p := range s.matchLabels {
		parts = append(parts, p.key+"="+p.value)
	}
	for _, e := range s.exprs {
		parts = append(parts, e.key+" "+e.operator+" ("+strings.Join(e.values, ",")+")")
	}
	return strings.Join(parts, ",")
}

// sameNamespace reports whether two documents may be in one namespace: a
// document without a namespace goes to the release namespace, which the
// post-renderer does not know.
func sameNamespace(a, b string) bool {
	return a == b || a == "" || b == ""
}

// podGroup is a workload of the stream seen as the pods it runs: their
// labels, and the selector that picks exactly them.
type podGroup struct {
	w         *Workload
	namespace string
	labels    []labelPair // the pod template's labels
	labelSet  map[string]string
	// selector selects the workload's pods: its spec.selector, or its
	// template labels where it has none; nil when the template has no labels.
	selector *labelSelector
	// mismatch is set when the workload's own selector does not select its
	// pod template: the API server refuses such a workload, and no policy
	// can follow it.
	mismatch bool
	// duplicate is set when an earlier document is the same object (same
	// kind, namespace and name): its companions serve both.
	duplicate bool
	// order is the group's place in companionView.groups.
	order int
}

func (g *podGroup) hostNetwork() bool {
	return isTrue(g.w.Spec, "hostNetwork")
}

// companionView is what the companion filters know of the whole stream.
// Its lookups go through indexes built once, so that its cost grows with
// the stream, not with the square of its workloads.
type companionView struct {
	// labeled tells that building the view added a pod-template label.
	labeled bool
	groups  []*podGroup
	byDoc   map[*yaml.Node]*podGroup
	// pods finds the groups that carry a label.
	pods     *podIndex
	services []*serviceDoc
	// serviceSelectors finds the Services that may select a group.
	serviceSelectors *selectorIndex
	// hpas are the HorizontalPodAutoscalers by the kind and name they scale.
	hpas map[kindName][]*yaml.RNode
	// names are the run's names, shared by every companion filter.
	names docNames
	// apiServerCalls are the Service ports the API server connects to
	// (admission webhooks, aggregated APIs and CRD conversion webhooks),
	// by Service name.
	apiServerCalls map[string][]serviceRef
	// webhookRegistrars are the ServiceAccounts allowed to write webhook
	// configurations: their pods register webhooks at run time.
	webhookRegistrars *accountSet
	// served caches servedPorts, which restricted egress asks of every
	// group once per workload.
	served map[*podGroup]servedPorts
}

type docName struct{ kind, namespace, name string }

type kindName struct{ kind, name string }

type servedPorts struct {
	served, exposed []policyPort
	unresolved      []string
}

// serviceRef is a Service port named by a webhook or an APIService.
type serviceRef struct {
	namespace, name string
	port            int
}

// companionKinds are the kinds the companion view reads besides pod
// templates: what serves a workload's ports, scales it, or registers it
// with the API server.
var companionKinds = append([]string{"Service", "HorizontalPodAutoscaler", "ValidatingWebhookConfiguration",
	"MutatingWebhookConfiguration", "APIService", "CustomResourceDefinition"}, rbacKinds...)

// apiServerServices returns the Service ports that the API server calls
// for this document, if it is a webhook configuration, an APIService or a
// CustomResourceDefinition with a conversion webhook.
func apiServerServices(n *yaml.RNode) []serviceRef {
	var refs []*yaml.RNode
	switch g := group(apiVersionOf(n)); {
	case g == "admissionregistration.k8s.io" && (kindOf(n) == "ValidatingWebhookConfiguration" || kindOf(n) == "MutatingWebhookConfiguration"):
		for _, wh := range manifest.LookupSeq(n, "webhooks") {
			refs = append(refs, manifest.LookupMap(yaml.NewRNode(wh), "clientConfig", "service"))
		}
	case g == "apiregistration.k8s.io" && kindOf(n) == "APIService":
		refs = append(refs, manifest.LookupMap(n, "spec", "service"))
	case g == "apiextensions.k8s.io" && kindOf(n) == "CustomResourceDefinition":
		refs = append(refs, manifest.LookupMap(n, "spec", "conversion", "webhook", "clientConfig", "service"))
	}
	var out []serviceRef
	for _, r := range refs {
		if r != nil {
			out = append(out, serviceRef{manifest.LookupScalar(r, "namespace"), manifest.LookupScalar(r, "name"), atoiOr(manifest.LookupScalar(r, "port"), 443)})
		}
	}
	return out
}

// share offers v, built over a list that became out, to the next filter.
func (s *Scope) share(v *companionView, out []*yaml.RNode) {
	s.shared.view, s.shared.nodes = v, out
}

// companionView is the view of nodes: the one the filter before shared
// when nodes is the very list it returned and building the view changed
// no pod template (it added no pod-template label, which a new view
// would read), else a new one. The NetworkPolicy filter, which shares
// its view, adds only NetworkPolicies, and no view holds those.
func (s *Scope) companionView(nodes []*yaml.RNode) *companionView {
	sh := s.shared
	s.shared.view, s.shared.nodes = nil, nil
	if sh.view != nil && !sh.view.labeled && len(nodes) > 0 && len(nodes) == len(sh.nodes) && &nodes[0] == &sh.nodes[0] {
		return sh.view
	}
	return newCompanionView(s, nodes)
}

func newCompanionView(s *Scope, nodes []*yaml.RNode) *companionView {
	v := &companionView{byDoc: map[*yaml.Node]*podGroup{}, webhookRegistrars: s.rbac(nodes).webhookRegistrars(),
		hpas: map[kindName][]*yaml.RNode{}, names: s.docNames(nodes), apiServerCalls: map[string][]serviceRef{},
		served: map[*podGroup]servedPorts{}}
	seen := map[docName]bool{}
	for _, n := range nodes {
		if n.YNode().Kind != yaml.MappingNode {
			continue
		}
		switch {
		case kindOf(n) == "Service" && apiVersionOf(n) == "v1":
		case kindOf(n) == "HorizontalPodAutoscaler" && group(apiVersionOf(n)) == "autoscaling":
			if ref := manifest.LookupMap(n, "spec", "scaleTargetRef"); ref != nil {
				k := kindName{manifest.LookupScalar(ref, "kind"), manifest.LookupScalar(ref, "name")}
				v.hpas[k] = append(v.hpas[k], n)
			}
		default:
			for _, r := range apiServerServices(n) {
				v.apiServerCalls[r.name] = append(v.apiServerCalls[r.name], r)
			}
		}
		w := s.Workload(n)
		if w == nil {
			continue
		}
		g := &podGroup{w: w, namespace: namespaceOf(n), labels: labelPairs(manifest.LookupMap(w.Template, "metadata", "labels"))}
		g.labelSet = labelMap(g.labels)
		if len(g.labels) > 0 {
			g.selector = ownSelector(s, w)
			if g.selector == nil || g.selector.empty() {
				g.selector = &labelSelector{matchLabels: g.labels}
			} else if !g.selector.matches(g.labelSet) {
				g.selector, g.mismatch = nil, true
			}
		}
		v.byDoc[n.YNode()] = g
		if id := (docName{kindOf(n), namespaceOf(n), nameOf(n)}); !w.Hook {
			if g.duplicate = seen[id]; g.duplicate {
				continue
			}
			seen[id] = true
		}
		g.order = len(v.groups)
		v.groups = append(v.groups, g)
	}
	v.pods = newPodIndex(v.groups)
	v.serviceSelectors = newSelectorIndex(v.pods)
	v.services = s.services(nodes)
	for _, svc := range v.services {
		var sel *labelSelector
		if len(svc.selector) > 0 {
			sel = &labelSelector{matchLabels: svc.selector}
		}
		v.serviceSelectors.add(sel, svc.namespace)
	}
	for _, g := range v.groups {
		v.narrow(g, getsCompanion(g.w))
	}
	return v
}

// ownSelector returns the workload's spec.selector: the "selector" beside
// its pod template (spec.selector for spec.template).
func ownSelector(s *Scope, w *Workload) *labelSelector {
	p, _ := s.TemplatePath(apiVersionOf(w.Doc), kindOf(w.Doc))
	if len(p) == 0 {
		return nil
	}
	sp := append(append([]string{}, p[:len(p)-1]...), "selector")
	return parseSelector(manifest.LookupMap(w.Doc, sp...))
}

// narrow makes g's selector pick only g's pods where it would also pick
// those of another pod template of the stream (a Deployment selecting app=x
// beside a Job or a Helm test Pod labelled app=x). First it adds, one at a
// time, the template labels that tell the others apart; then, for a template
// that carries all of g's labels and more, a DoesNotExist on the first key
// (sorted) that g's template lacks. Overlap that remains (identical labels)
// is left for the filters to report, except with a Helm hook: then, where
// mayLabel, g's template gets a label of its own.
func (v *companionView) narrow(g *podGroup, mayLabel bool) {
	if g.selector == nil {
		return
	}
	overlaps := v.overlapping(g, g.selector)
	if len(overlaps) == 0 {
		return
	}
	sel := &labelSelector{matchLabels: append([]labelPair{}, g.selector.matchLabels...), exprs: slices.Clone(g.selector.exprs)}
	have := labelMap(sel.matchLabels)
	for _, l := range g.labels {
		if _, ok := have[l.key]; ok {
			continue
		}
		try := &labelSelector{matchLabels: append(append([]labelPair{}, sel.matchLabels...), l), exprs: sel.exprs}
		if left := v.overlapping(g, try); len(left) < len(overlaps) {
			sel, overlaps = try, left
			have[l.key] = l.value
			if len(overlaps) == 0 {
				break
			}
		}
	}
	var same []*podGroup
	for _, o := range overlaps {
		if !sel.matches(o.labelSet) {
			continue // an earlier DoesNotExist excludes it already
		}
		if k, ok := absentKey(g, o); ok {
			sel.exprs = append(sel.exprs, selectorExpr{key: k, operator: "DoesNotExist"})
		} else if o.w.Hook {
			same = append(same, o)
		}
	}
	if len(same) > 0 && mayLabel && !g.w.Hook && !g.duplicate && !g.mismatch {
		// No label tells g's pods from a Helm hook's (a test Pod with the
		// chart's labels): give g's template one of its own. Two workloads
		// with one label set are left to the overlap warnings: their own
		// controllers already fight over the pods.
		l := labelPair{key: PodTemplateLabel, value: podTemplateLabelValue(g.w)}
		labels := ensureMap(ensureMap(g.w.Template, "metadata"), "labels")
		if manifest.Lookup(labels, l.key) == nil {
			labels.YNode().Content = append(labels.YNode().Content, strNode(l.key), strNode(l.value))
			v.labeled = true
			g.w.Changed(ControlNetworkPolicy, "podTemplateLabel", "", "label "+l.key+"="+l.value+" added to the pod template: pods of "+
				same[0].w.Object.Kind+" "+same[0].w.Object.Name+" carry exactly its labels, and the companions must select only its own")
		}
		g.labels = append(g.labels, l)
		g.labelSet[l.key] = l.value
		sel.matchLabels = append(sel.matchLabels, l)
	}
	g.selector = sel
}

// getsCompanion says whether a companion filter may add a document for w:
// only then may building the view label w's template (the LimitRange and
// ServiceAccount filters build views too).
func getsCompanion(w *Workload) bool {
	return !w.Skips(ControlNetworkPolicy) || !w.Skips(ControlPodDisruptionBudget)
}

// PodTemplateLabel marks a pod template whose labels another pod template
// of the release repeats exactly, so that its companions select its pods
// only.
const PodTemplateLabel = "chartsec.io/pod-template"

// podTemplateLabelValue names the workload in a label value (at most 63
// characters: a longer name is cut and given a hash of the whole).
func podTemplateLabelValue(w *Workload) string {
	v := strings.ToLower(w.Object.Kind) + "-" + w.Object.Name
	if len(v) <= 63 {
		return v
	}
	h := fnv.New32a()
	h.Write([]byte(v))
	return strings.TrimRight(v[:54], "-._") + "-" + fmt.Sprintf("%08x", h.Sum32())
}

// controllerLabels are the keys controllers add to the pods they create:
// g's pods may carry them though its template does not, so a DoesNotExist
// on one could exclude g's own pods.
var controllerLabels = map[string]bool{
	"pod-template-hash": true, "controller-revision-hash": true,
	"statefulset.kubernetes.io/pod-name": true, "apps.kubernetes.io/pod-index": true,
	"job-name": true, "controller-uid": true, "batch.kubernetes.io/job-name": true,
	"batch.kubernetes.io/controller-uid": true, "batch.kubernetes.io/job-completion-index": true,
}

// absentKey returns the first label key, sorted, that o's template has and
// g's lacks.
func absentKey(g, o *podGroup) (string, bool) {
	for _, k := range slices.Sorted(maps.Keys(o.labelSet)) {
		if _, ok := g.labelSet[k]; !ok && !controllerLabels[k] {
			return k, true
		}
	}
	return "", false
}

// overlapping returns the other workloads whose pods sel also selects.
func (v *companionView) overlapping(g *podGroup, sel *labelSelector) []*podGroup {
	var out []*podGroup
	for _, o := range v.pods.selected(sel, g.namespace) {
		if o != g && len(o.labels) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// remainingOverlap returns another workload, not a Helm hook, whose pods
// g's narrowed selector still selects, and else such a hook (hookOnly):
// their labels are g's own, so no selector tells them apart.
func remainingOverlap(v *companionView, g *podGroup) (o *podGroup, hookOnly bool) {
	var hook *podGroup
	for _, o := range v.overlapping(g, g.selector) {
		if !o.w.Hook {
			return o, false
		}
		if hook == nil {
			hook = o
		}
	}
	return hook, hook != nil
}

// hookNote marks a Helm hook in a finding.
func hookNote(o *podGroup) string {
	if o.w.Hook {
		return " (a Helm hook)"
	}
	return ""
}

// policyPort is a port and protocol a NetworkPolicy rule names.
type policyPort struct {
	port     int
	protocol string
}

func (p policyPort) String() string { return strconv.Itoa(p.port) + "/" + p.protocol }

func (p policyPort) node() *yaml.Node {
	return mapNode(field{"port", intNode(int64(p.port))}, field{"protocol", strNode(p.protocol)})
}

func sortPorts(ps []policyPort) []policyPort {
	seen := map[policyPort]bool{}
	var out []policyPort
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].port != out[j].port {
			return out[i].port < out[j].port
		}
		return out[i].protocol < out[j].protocol
	})
	return out
}

func portList(ps []policyPort) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, ", ")
}

// servedPorts returns the ports g's pods serve: every containerPort (of
// containers and of sidecar init containers), and the targetPort of every
// Service that selects the pods, a named one resolved to its containerPort.
// exposed holds those that callers outside the pod network reach: host
// ports, the ports of NodePort and LoadBalancer Services, and those the API
// server calls. unresolved names target ports no container declares.
func (v *companionView) servedPorts(g *podGroup) (served, exposed []policyPort, unresolved []string) {
	if p, ok := v.served[g]; ok {
		return p.served, p.exposed, p.unresolved
	}
	served, exposed, unresolved = v.findServedPorts(g)
	v.served[g] = servedPorts{served, exposed, unresolved}
	return served, exposed, unresolved
}

func (v *companionView) findServedPorts(g *podGroup) (served, exposed []policyPort, unresolved []string) {
	named := map[string]policyPort{}
	for _, c := range g.w.Containers() {
		if c.Kind == EphemeralContainer || c.Kind == InitContainer && manifest.LookupScalar(c.Node, "restartPolicy") != "Always" {
			continue
		}
		for _, pn := range manifest.LookupSeq(c.Node, "ports") {
			p := yaml.NewRNode(pn)
			num := atoiOr(manifest.LookupNumber(p, "containerPort"), 0)
			if num <= 0 || num > 65535 {
				continue
			}
			pp := policyPort{num, protocolOr(manifest.LookupScalar(p, "protocol"))}
			served = append(served, pp)
			if hp := atoiOr(manifest.LookupNumber(p, "hostPort"), 0); hp > 0 {
				exposed = append(exposed, pp) // reached through the node's address
			}
			if name := manifest.LookupScalar(p, "name"); name != "" {
				named[name] = pp
			}
		}
	}
	for _, i := range v.serviceSelectors.selecting(g) {
		svc := v.services[i]
		for _, p := range svc.ports {
			proto := protocolOr(p.protocol)
			target := p.targetPort
			if target == "" {
				target = p.port
			}
			var pp policyPort
			if num, err := strconv.Atoi(target); err == nil {
				if num <= 0 || num > 65535 {
					continue
				}
				pp = policyPort{num, proto}
			} else if cp, ok := named[target]; ok {
				pp = policyPort{cp.port, proto}
			} else {
				unresolved = append(unresolved, fmt.Sprintf("Service %s targetPort %q", svc.name, target))
				continue
			}
			served = append(served, pp)
			if svc.typ == "NodePort" || svc.typ == "LoadBalancer" || v.calledByAPIServer(svc, atoiOr(p.port, 0)) {
				exposed = append(exposed, pp)
			}
		}
	}
	if v.webhookRegistrars.matches(g.namespace, g.w.ServiceAccount()) {
		// it registers its own webhooks at run time, on one of these ports
		exposed = append(exposed, served...)
	}
	return sortPorts(served), sortPorts(exposed), unresolved
}

// calledByAPIServer reports whether a webhook or an APIService of the
// stream names this Service port.
func (v *companionView) calledByAPIServer(svc *serviceDoc, port int) bool {
	for _, r := range v.apiServerCalls[svc.name] {
		if r.port == port && sameNamespace(r.namespace, svc.namespace) {
			return true
		}
	}
	return false
}

func protocolOr(p string) string {
	if p == "" {
		return "TCP"
	}
	return p
}

// minReplicas returns the fewest replicas the workload runs: the
// minReplicas (default 1) of a HorizontalPodAutoscaler that scales it, else
// its replica count. hpa names the autoscaler, if any.
func (v *companionView) minReplicas(g *podGroup) (n int, hpa string) {
	for _, h := range v.hpas[kindName{kindOf(g.w.Doc), nameOf(g.w.Doc)}] {
		ref := manifest.LookupMap(h, "spec", "scaleTargetRef")
		if !sameNamespace(namespaceOf(h), g.namespace) {
			continue
		}
		if av := manifest.LookupScalar(ref, "apiVersion"); av != "" && group(av) != group(apiVersionOf(g.w.Doc)) {
			continue
		}
		return atoiOr(manifest.LookupNumber(h, "spec", "minReplicas"), 1), nameOf(h)
	}
	return g.w.Replicas, ""
}

// docNames are the names of the run's documents: the namespaces of each
// kind and name. Built once, at the first filter that adds a document,
// they follow the documents the filters add (companionName).
type docNames map[kindName][]string

// docNames returns the run's names, reading them from nodes the first
// time.
func (s *Scope) docNames(nodes []*yaml.RNode) docNames {
	if s != nil && s.names != nil {
		return s.names
	}
	names := docNames{}
	for _, n := range nodes {
		if n.YNode().Kind == yaml.MappingNode {
			names.take(kindOf(n), namespaceOf(n), nameOf(n))
		}
	}
	if s != nil {
		s.names = names
	}
	return names
}

// companionName returns a name for a document of this kind and namespace
// that no document of the stream has, and takes it: base+suffix,
// shortened to fit 253 characters and made a valid DNS-1123 subdomain.
func (v docNames) companionName(kind, namespace, base, suffix string) string {
	base = dns1123(base)
	for i := 1; ; i++ {
		s := suffix
		if i > 1 {
			s = suffix + "-" + strconv.Itoa(i)
		}
		b := base
		if max := validation.DNS1123SubdomainMaxLength - len(s); len(b) > max {
			h := fnv.New32a()
			h.Write([]byte(base))
			b = strings.TrimRight(b[:max-9], "-.") + fmt.Sprintf("-%08x", h.Sum32())
		}
		name := b + s
		if !v.nameTaken(kind, namespace, name) {
			v.take(kind, namespace, name)
			return name
		}
	}
}

func (v docNames) take(kind, namespace, name string) {
	k := kindName{kind, name}
	v[k] = append(v[k], namespace)
}

func (v docNames) nameTaken(kind, namespace, name string) bool {
	for _, ns := range v[kindName{kind, name}] {
		if sameNamespace(ns, namespace) {
			return true
		}
	}
	return false
}

// dns1123 lowercases s and replaces what a DNS-1123 subdomain cannot hold.
func dns1123(s string) string {
	if len(validation.IsDNS1123Subdomain(s)) == 0 {
		return s
	}
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '-'
		}
	}
	out := strings.Trim(string(b), "-.")
	if out == "" {
		return "workload"
	}
	return out
}

// companionMeta is the metadata of a document generated for a workload:
// name, the workload's namespace if it has one, and its
// app.kubernetes.io/* labels with the generated marker.
func companionMeta(doc *yaml.RNode, name string, only ...string) *yaml.Node {
	var labels []labelPair
	for _, l := range labelPairs(manifest.LookupMap(doc, "metadata", "labels")) {
		if strings.HasPrefix(l.key, "app.kubernetes.io/") && (len(only) == 0 || slices.Contains(only, l.key)) {
			labels = append(labels, l)
		}
	}
	labels = append(labels, labelPair{GeneratedLabel, "true"})
	var ns *yaml.Node
	if n := namespaceOf(doc); n != "" {
		ns = strNode(n)
	}
	return mapNode(field{"name", strNode(name)}, field{"namespace", ns}, field{"labels", labelsNode(labels)})
}

// generated reports whether chartsec-harden added the document.
func generated(n *yaml.RNode) bool {
	return manifest.LookupScalar(n, "metadata", "labels", GeneratedLabel) == "true"
}

// companionStream is the stream a companion filter adds documents to: a
// linked list over the nodes, so that each insertion costs the same
// however long the stream is.
type companionStream struct {
	nodes  []*yaml.RNode // the stream's nodes, then the added ones
	next   []int         // next[i] follows nodes[i]; -1 ends the stream
	head   int
	tail   int
	anchor map[*yaml.Node]int // the first place of each of the stream's nodes
}

func newCompanionStream(nodes []*yaml.RNode) *companionStream {
	s := &companionStream{nodes: append([]*yaml.RNode{}, nodes...), next: make([]int, len(nodes)),
		head: -1, tail: len(nodes) - 1, anchor: make(map[*yaml.Node]int, len(nodes))}
	if len(nodes) > 0 {
		s.head = 0
	}
	for i, n := range nodes {
		s.next[i] = i + 1
		if _, ok := s.anchor[n.YNode()]; !ok {
			s.anchor[n.YNode()] = i
		}
	}
	if len(nodes) > 0 {
		s.next[len(nodes)-1] = -1
	}
	return s
}

// insertAfter puts doc after anchor and after the documents already
// generated for it, so a workload's companions stay together; doc ends
// the stream when anchor is not in it.
func (s *companionStream) insertAfter(anchor, doc *yaml.RNode) {
	i := len(s.nodes)
	s.nodes = append(s.nodes, doc)
	s.next = append(s.next, -1)
	at, ok := s.anchor[anchor.YNode()]
	if !ok {
		if s.tail < 0 {
			s.head = i
		} else {
			s.next[s.tail] = i
		}
		s.tail = i
		return
	}
	for s.next[at] >= 0 && generated(s.nodes[s.next[at]]) {
		at = s.next[at]
	}
	s.next[i] = s.next[at]
	s.next[at] = i
	if s.tail == at {
		s.tail = i
	}
}

// list returns the stream in order, as a new slice: the caller's must not
// change under it.
func (s *companionStream) list() []*yaml.RNode {
	out := make([]*yaml.RNode, 0, len(s.nodes))
	for i := s.head; i >= 0; i = s.next[i] {
		out = append(out, s.nodes[i])
	}
	return out
}

// field is one key of a mapping built by mapNode; a nil value leaves the
// key out.
type field struct {
	key   string
	value *yaml.Node
}

func mapNode(fields ...field) *yaml.Node {
	size := 0
	for _, f := range fields {
		if f.value != nil {
			size += 2
		}
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: make([]*yaml.Node, 0, size)}
	for _, f := range fields {
		if f.value != nil {
			n.Content = append(n.Content, strNode(f.key), f.value)
		}
	}
	return n
}

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq, Content: items}
}

func labelsNode(labels []labelPair) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap, Content: make([]*yaml.Node, 0, 2*len(labels))}
	for _, l := range labels {
		n.Content = append(n.Content, strNode(l.key), strNode(l.value))
	}
	return n
}

func stringMapNode(m map[string]string) *yaml.Node {
	var pairs []labelPair
	for _, k := range slices.Sorted(maps.Keys(m)) {
		pairs = append(pairs, labelPair{k, m[k]})
	}
	return labelsNode(pairs)
}

// document builds a whole generated document.
func document(apiVersion, kind string, meta, spec *yaml.Node) *yaml.RNode {
	return yaml.NewRNode(mapNode(field{"apiVersion", strNode(apiVersion)}, field{"kind", strNode(kind)},
		field{"metadata", meta}, field{"spec", spec}))
}

// serviceDoc is what a Service says that the companion filters read:
// whom it selects, its type and its ports, read once (readService).
type serviceDoc struct {
	namespace, name string
	object          report.Object
	selector        []labelPair
	typ             string
	ports           []servicePort
}

// servicePort is an entry of a Service's ports, as written: its port and
// targetPort as numbers or names (manifest.LookupNumber), "" when absent.
type servicePort struct {
	protocol, port, targetPort string
}

// readService reads a v1 Service, filed as o; nil for any other document.
func readService(n *yaml.RNode, o report.Object) *serviceDoc {
	if kindOf(n) != "Service" || apiVersionOf(n) != "v1" {
		return nil
	}
	d := &serviceDoc{namespace: namespaceOf(n), name: nameOf(n), object: o,
		selector: labelPairs(manifest.LookupMap(n, "spec", "selector")), typ: manifest.LookupScalar(n, "spec", "type")}
	for _, pn := range manifest.LookupSeq(n, "spec", "ports") {
		p := yaml.NewRNode(pn)
		d.ports = append(d.ports, servicePort{manifest.LookupScalar(p, "protocol"), manifest.LookupNumber(p, "port"), manifest.LookupNumber(p, "targetPort")})
	}
	return d
}

// services returns the stream's Services in stream order: those Read
// read, and those among nodes (the items of a List, or every one when no
// parse read them).
func (s *Scope) services(nodes []*yaml.RNode) []*serviceDoc {
	var read []*serviceDoc
	if s != nil {
		read = s.read.services
	}
	return inStreamOrder(s, read, nodes, readService, func(d *serviceDoc) int { return d.object.Doc })
}
