package transform

import (
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Ingress sources and egress modes of NetworkPolicy.
const (
	IngressFromCluster   = "cluster"   // any pod in any namespace
	IngressFromNamespace = "namespace" // pods of the workload's namespace
	IngressFromNone      = "none"      // only IngressNamespaces and IngressCIDRs

	EgressUnrestricted = "unrestricted"
	EgressRestricted   = "restricted"
)

// Defaults of the DNS servers that restricted egress always reaches.
const (
	DefaultDNSNamespace = "kube-system"
	defaultDNSLabelKey  = "k8s-app"
	defaultDNSLabelVal  = "kube-dns"
	// namespaceNameLabel is set by Kubernetes on every namespace.
	namespaceNameLabel = "kubernetes.io/metadata.name"
)

// NetworkPolicy adds a networking.k8s.io/v1 NetworkPolicy named
// <workload>-chartsec-netpol after each workload, selecting exactly its pods.
// Ingress is allowed on the ports the pods serve (containerPorts, and the
// targetPorts of the Services that select them) from IngressFrom; a
// workload that serves no port gets ingress denied. Egress stays open unless
// Egress is "restricted", which allows DNS, the configured destinations and
// the stream's workloads on their served ports. Helm hooks, hostNetwork pods
// (which policies do not reach) and workloads a NetworkPolicy of the stream
// already selects are left alone; pods without labels are reported.
type NetworkPolicy struct {
	// IngressFrom is who may connect: "cluster" (any pod in any namespace,
	// so Services and ingress controllers keep working), "namespace" (pods
	// of the workload's namespace) or "none" (only the two lists below).
	IngressFrom string `yaml:"ingressFrom" json:"ingressFrom"`
	// IngressNamespaces are namespace label selectors (matchLabels) whose
	// pods may connect too, e.g. {kubernetes.io/metadata.name: ingress-nginx}.
	IngressNamespaces []map[string]string `yaml:"ingressNamespaces" json:"ingressNamespaces"`
	// IngressCIDRs are address blocks that may connect too.
	IngressCIDRs []string `yaml:"ingressCIDRs" json:"ingressCIDRs"`
	// ExternalIngress keeps open to any address the ports that callers
	// outside the pod network reach, which no pod selector matches: host
	// ports and the ports a NodePort or LoadBalancer Service exposes
	// (clients outside the cluster, or traffic forwarded from another
	// node), and those the API server calls (admission and conversion
	// webhooks, aggregated APIs).
	ExternalIngress bool `yaml:"externalIngress" json:"externalIngress"`

	// Egress is "unrestricted" (no Egress policy type: a post-renderer
	// cannot know what an app calls) or "restricted".
	Egress string `yaml:"egress" json:"egress"`
	// EgressPorts are ports allowed to any destination when restricted.
	EgressPorts []PolicyPort `yaml:"egressPorts" json:"egressPorts"`
	// EgressCIDRs are address blocks allowed on every port when
	// restricted, e.g. the API server's or a NodeLocal DNSCache address.
	EgressCIDRs []string `yaml:"egressCIDRs" json:"egressCIDRs"`
	// EgressNamespaces are namespace label selectors whose pods are
	// allowed on every port when restricted.
	EgressNamespaces []map[string]string `yaml:"egressNamespaces" json:"egressNamespaces"`
	// DNSNamespace and DNSPodLabels find the cluster DNS pods that
	// restricted egress always reaches on UDP and TCP 53; empty labels
	// mean k8s-app: kube-dns (CoreDNS keeps that label).
	DNSNamespace string            `yaml:"dnsNamespace" json:"dnsNamespace"`
	DNSPodLabels map[string]string `yaml:"dnsPodLabels" json:"dnsPodLabels"`

	// DenyAll adds one <release>-chartsec-deny-all policy that selects the
	// release's pods by their app.kubernetes.io/instance label (never the
	// whole namespace) and allows nothing, so that pods without a policy of
	// their own are fenced in too. With restricted egress it denies egress
	// but DNS as well.
	DenyAll bool `yaml:"denyAll" json:"denyAll"`

	Scope *Scope `yaml:"-" json:"-"`
}

// PolicyPort is a port of a NetworkPolicy rule.
type PolicyPort struct {
	Port int `yaml:"port" json:"port"`
	// Protocol is TCP (when empty), UDP or SCTP.
	Protocol string `yaml:"protocol,omitempty" json:"protocol,omitempty"`
}

var _ kio.Filter = NetworkPolicy{}

// ControlNetworkPolicy is the control of the NetworkPolicy companions.
const ControlNetworkPolicy = "networkPolicy"

var networkPolicySection = Section{
	Key:   "networkPolicy",
	Stage: Companion,
	Controls: []Control{{
		Name:       ControlNetworkPolicy,
		Does:       "a NetworkPolicy per workload: ingress on the ports it serves",
		ConfigKeys: []string{"networkPolicy"},
		Setting: func(c Config) string {
			n := c.NetworkPolicy
			return fmt.Sprintf("ingressFrom %s, egress %s, denyAll %t", n.IngressFrom, n.Egress, n.DenyAll)
		},
		Rules: map[string]Rule{
			"podTemplateLabel": {"Pod template labelled for its companions", "Another pod template of the release (often a Helm test Pod) carries exactly this workload's labels, so no selector could tell their pods apart; the label chartsec.io/pod-template lets the NetworkPolicy and PodDisruptionBudget select this workload's pods only.", report.Info},
		},
	}},
	Kinds: append([]string{"NetworkPolicy"}, companionKinds...),
	Defaults: func(c *Config) {
		c.NetworkPolicy = NetworkPolicy{
			IngressFrom: IngressFromCluster, ExternalIngress: true,
			Egress: EgressUnrestricted, DNSNamespace: DefaultDNSNamespace,
		}
	},
	Validate: func(c Config) error { return c.NetworkPolicy.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.NetworkPolicy.Scope = s; return c.NetworkPolicy },
}

// Validate reports the first setting that cannot work, naming its key.
func (f NetworkPolicy) Validate() error {
	switch f.IngressFrom {
	case "", IngressFromCluster, IngressFromNamespace:
	case IngressFromNone:
		if len(f.IngressNamespaces) == 0 && len(f.IngressCIDRs) == 0 {
			return fmt.Errorf("networkPolicy.ingressFrom: none needs networkPolicy.ingressNamespaces or networkPolicy.ingressCIDRs")
		}
	default:
		return fmt.Errorf("networkPolicy.ingressFrom: %q is not cluster, namespace or none", f.IngressFrom)
	}
	switch f.Egress {
	case "", EgressUnrestricted, EgressRestricted:
	default:
		return fmt.Errorf("networkPolicy.egress: %q is not unrestricted or restricted", f.Egress)
	}
	for _, l := range []struct {
		key   string
		cidrs []string
	}{{"ingressCIDRs", f.IngressCIDRs}, {"egressCIDRs", f.EgressCIDRs}} {
		for _, c := range l.cidrs {
			if _, _, err := net.ParseCIDR(c); err != nil {
				return fmt.Errorf("networkPolicy.%s: %q is not a CIDR such as 10.0.0.0/8", l.key, c)
			}
		}
	}
	for _, l := range []struct {
		key  string
		sels []map[string]string
	}{{"ingressNamespaces", f.IngressNamespaces}, {"egressNamespaces", f.EgressNamespaces}} {
		for _, sel := range l.sels {
			if err := validLabels(sel); err != nil {
				return fmt.Errorf("networkPolicy.%s: %v", l.key, err)
			}
		}
	}
	if err := validLabels(f.DNSPodLabels); err != nil {
		return fmt.Errorf("networkPolicy.dnsPodLabels: %v", err)
	}
	if f.DNSNamespace != "" && len(validation.IsDNS1123Label(f.DNSNamespace)) > 0 {
		return fmt.Errorf("networkPolicy.dnsNamespace: %q is not a namespace name", f.DNSNamespace)
	}
	for _, p := range f.EgressPorts {
		if p.Port < 1 || p.Port > 65535 {
			return fmt.Errorf("networkPolicy.egressPorts: port %d is not between 1 and 65535", p.Port)
		}
		switch p.Protocol {
		case "", "TCP", "UDP", "SCTP":
		default:
			return fmt.Errorf("networkPolicy.egressPorts: protocol %q is not TCP, UDP or SCTP", p.Protocol)
		}
	}
	return nil
}

func validLabels(m map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("label key %q: %s", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
			return fmt.Errorf("label %s value %q: %s", k, v, errs[0])
		}
	}
	return nil
}

// Filter implements kio.Filter.
func (f NetworkPolicy) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlNetworkPolicy) {
		return nodes, nil
	}
	v := newCompanionView(f.Scope, nodes)
	var policies []*yaml.RNode // the stream's policies that fence ingress
	selectors := newSelectorIndex(v.pods)
	for _, n := range nodes {
		if kindOf(n) == "NetworkPolicy" && group(apiVersionOf(n)) == "networking.k8s.io" && fencesIngress(n) {
			policies = append(policies, n)
			sel := parseSelector(manifest.LookupMap(n, "spec", "podSelector"))
			if sel == nil {
				sel = &labelSelector{} // podSelector is required; absent reads as {}
			}
			selectors.add(sel, namespaceOf(n))
		}
	}
	out := newCompanionStream(nodes)
	var hostNetwork []*Workload
	added := false
	for _, w := range f.Scope.Workloads(nodes, ControlNetworkPolicy) {
		g := v.byDoc[w.Doc.YNode()]
		switch {
		case w.Hook:
			w.Found(ControlNetworkPolicy, "hook", report.Info, "", "Helm hook: no NetworkPolicy added")
			continue
		case g.duplicate:
			w.Found(ControlNetworkPolicy, "duplicate", report.Info, "", "the same object as an earlier document: its NetworkPolicy covers this one")
			continue
		case g.hostNetwork():
			hostNetwork = append(hostNetwork, w)
			continue
		case g.mismatch:
			w.Found(ControlNetworkPolicy, "selectorMismatch", report.Warning, "",
				"its selector does not select its own pod template's labels (the API server will refuse it): no NetworkPolicy added")
			continue
		case g.selector == nil:
			w.Found(ControlNetworkPolicy, "noLabels", report.Warning, "",
				"pod template has no labels, so no NetworkPolicy can select its pods: add labels to it")
			continue
		}
		if sel := selectors.selecting(g); len(sel) > 0 {
			w.Found(ControlNetworkPolicy, "covered", report.Info, "", "already selected by NetworkPolicy "+nameOf(policies[sel[0]]))
			continue
		}
		out.insertAfter(w.Doc, f.policyFor(v, g))
		added = true
	}
	for _, w := range hostNetwork {
		if added {
			// Its connections come from node addresses, which pod and
			// namespace selectors do not match.
			w.Found(ControlNetworkPolicy, "hostNetwork", report.Warning, "",
				"hostNetwork pod: no NetworkPolicy applies to it, and the policies added for the other workloads do not admit it: if it connects to them, add the nodes' CIDR to networkPolicy.ingressCIDRs")
		} else {
			w.Found(ControlNetworkPolicy, "hostNetwork", report.Info, "", "hostNetwork pod: NetworkPolicy does not apply to it, none added")
		}
	}
	if f.DenyAll {
		f.denyAll(v, out)
	}
	list := out.list()
	f.Scope.share(v, list)
	return list, nil
}

// fencesIngress reports whether a policy has the Ingress type, given or
// implied (no policyTypes).
func fencesIngress(n *yaml.RNode) bool {
	types := manifest.LookupSeq(n, "spec", "policyTypes")
	return len(types) == 0 || scalarIn(types, "Ingress")
}

// policyFor builds the NetworkPolicy of one workload and reports it.
func (f NetworkPolicy) policyFor(v *companionView, g *podGroup) *yaml.RNode {
	w := g.w
	served, exposed, unresolved := v.servedPorts(g)
	for _, u := range unresolved {
		w.Found(ControlNetworkPolicy, "unresolvedPort", report.Warning, "",
			u+" names no containerPort of the pods: that port is not allowed by the NetworkPolicy")
	}
	if o, _ := remainingOverlap(v, g); o != nil {
		w.Found(ControlNetworkPolicy, "overlap", report.Warning, "",
			fmt.Sprintf("its pod selector %s also selects the pods of %s %s%s, which this NetworkPolicy opens too", g.selector, kindOf(o.w.Doc), nameOf(o.w.Doc), hookNote(o)))
	}
	types := []*yaml.Node{strNode("Ingress")}
	var ingress []*yaml.Node
	var msg strings.Builder
	// An empty "from" would admit every source: no peer means no rule.
	if peers := f.ingressPeers(); len(served) > 0 && len(peers) > 0 {
		ingress = append(ingress, mapNode(field{"from", seqNode(peers...)}, field{"ports", portsNode(served)}))
		fmt.Fprintf(&msg, "ingress on %s from %s", portList(served), f.ingressSources())
	} else if len(served) == 0 {
		msg.WriteString("ingress denied (its pods serve no port)")
	} else {
		msg.WriteString("ingress denied (no source configured)")
	}
	if f.ExternalIngress && len(exposed) > 0 {
		ingress = append(ingress, mapNode(
			field{"from", seqNode(ipBlock("0.0.0.0/0"), ipBlock("::/0"))},
			field{"ports", portsNode(exposed)}))
		fmt.Fprintf(&msg, ", and on %s from any address (callers outside the pod network: a host port, a NodePort or LoadBalancer Service, or the API server)", portList(exposed))
	}
	var egress []*yaml.Node
	if f.Egress == EgressRestricted {
		types = append(types, strNode("Egress"))
		egress = f.egressRules(v, g)
		msg.WriteString("; egress restricted to DNS, the configured destinations and the release's workloads")
	}
	var ingressNode, egressNode *yaml.Node
	if len(ingress) > 0 {
		ingressNode = seqNode(ingress...)
	}
	if len(egress) > 0 {
		egressNode = seqNode(egress...)
	}
	name := v.names.companionName("NetworkPolicy", g.namespace, nameOf(w.Doc), "-chartsec-netpol")
	doc := document("networking.k8s.io/v1", "NetworkPolicy", companionMeta(w.Doc, name), mapNode(
		field{"podSelector", g.selector.node()},
		field{"policyTypes", seqNode(types...)},
		field{"ingress", ingressNode},
		field{"egress", egressNode},
	))
	w.Changed(ControlNetworkPolicy, "added", "", "NetworkPolicy "+name+" added: "+msg.String())
	return doc
}

func (f NetworkPolicy) ingressSources() string {
	var s []string
	switch f.IngressFrom {
	case "", IngressFromCluster:
		s = append(s, "pods in any namespace")
	case IngressFromNamespace:
		s = append(s, "pods in its namespace")
	}
	if n := len(f.IngressNamespaces); n > 0 {
		s = append(s, fmt.Sprintf("%d namespace selector(s)", n))
	}
	if n := len(f.IngressCIDRs); n > 0 {
		s = append(s, strings.Join(f.IngressCIDRs, ", "))
	}
	return strings.Join(s, ", ")
}

func (f NetworkPolicy) ingressPeers() []*yaml.Node {
	var peers []*yaml.Node
	switch f.IngressFrom {
	case "", IngressFromCluster:
		peers = append(peers, mapNode(field{"namespaceSelector", mapNode()}))
	case IngressFromNamespace:
		peers = append(peers, mapNode(field{"podSelector", mapNode()}))
	}
	for _, ns := range f.IngressNamespaces {
		peers = append(peers, namespacePeer(ns))
	}
	for _, c := range f.IngressCIDRs {
		peers = append(peers, ipBlock(c))
	}
	return peers
}

// egressRules allows DNS first, then the configured destinations, then the
// stream's workloads (this one too: clustered apps talk to their peers) on
// the ports they serve.
func (f NetworkPolicy) egressRules(v *companionView, g *podGroup) []*yaml.Node {
	rules := []*yaml.Node{f.dnsRule()}
	if len(f.EgressPorts) > 0 {
		var ps []policyPort
		for _, p := range f.EgressPorts {
			ps = append(ps, policyPort{p.Port, protocolOr(p.Protocol)})
		}
		rules = append(rules, mapNode(field{"ports", portsNode(sortPorts(ps))}))
	}
	if len(f.EgressCIDRs) > 0 {
		var peers []*yaml.Node
		for _, c := range f.EgressCIDRs {
			peers = append(peers, ipBlock(c))
		}
		rules = append(rules, mapNode(field{"to", seqNode(peers...)}))
	}
	if len(f.EgressNamespaces) > 0 {
		var peers []*yaml.Node
		for _, ns := range f.EgressNamespaces {
			peers = append(peers, namespacePeer(ns))
		}
		rules = append(rules, mapNode(field{"to", seqNode(peers...)}))
	}
	for _, o := range v.groups {
		if o.w.Hook || o.selector == nil || o.hostNetwork() {
			continue
		}
		served, _, _ := v.servedPorts(o)
		if len(served) == 0 {
			continue
		}
		peer := []field{{"podSelector", o.selector.node()}}
		if o.namespace != "" && o.namespace != g.namespace {
			peer = []field{{"namespaceSelector", mapNode(field{"matchLabels", labelsNode([]labelPair{{namespaceNameLabel, o.namespace}})})}, peer[0]}
		}
		rules = append(rules, mapNode(field{"to", seqNode(mapNode(peer...))}, field{"ports", portsNode(served)}))
	}
	return rules
}

func (f NetworkPolicy) dnsRule() *yaml.Node {
	ns := f.DNSNamespace
	if ns == "" {
		ns = DefaultDNSNamespace
	}
	pods := f.DNSPodLabels
	if len(pods) == 0 {
		pods = map[string]string{defaultDNSLabelKey: defaultDNSLabelVal}
	}
	peer := mapNode(
		field{"namespaceSelector", mapNode(field{"matchLabels", labelsNode([]labelPair{{namespaceNameLabel, ns}})})},
		field{"podSelector", mapNode(field{"matchLabels", stringMapNode(pods)})},
	)
	return mapNode(field{"to", seqNode(peer)}, field{"ports", portsNode([]policyPort{{53, "UDP"}, {53, "TCP"}})})
}

// denyAll adds, per namespace and release, a policy that selects the
// release's pods and allows them nothing (DNS only, when egress is
// restricted). It follows the release's first workload.
func (f NetworkPolicy) denyAll(v *companionView, out *companionStream) {
	type release struct{ namespace, instance string }
	first := map[release]*podGroup{}
	var order []release
	for _, g := range v.groups {
		inst := g.labelSet["app.kubernetes.io/instance"]
		if inst == "" {
			continue
		}
		r := release{g.namespace, inst}
		if first[r] == nil {
			first[r] = g
			order = append(order, r)
		}
	}
	if len(order) == 0 {
		f.Scope.found(report.Object{Kind: "NetworkPolicy", Name: "deny-all", Doc: -1}, ControlNetworkPolicy, "denyAll", report.Warning,
			"denyAll: no pod template has an app.kubernetes.io/instance label to select the release's pods by; no deny-all policy added", "")
		return
	}
	for _, r := range order {
		g := first[r]
		base := r.instance + "-chartsec-deny-all"
		if v.names.nameTaken("NetworkPolicy", r.namespace, dns1123(base)) {
			continue
		}
		name := v.names.companionName("NetworkPolicy", r.namespace, r.instance, "-chartsec-deny-all")
		types := []*yaml.Node{strNode("Ingress")}
		var egress *yaml.Node
		if f.Egress == EgressRestricted {
			types = append(types, strNode("Egress"))
			egress = seqNode(f.dnsRule())
		}
		sel := &labelSelector{matchLabels: []labelPair{{"app.kubernetes.io/instance", r.instance}}}
		meta := companionMeta(g.w.Doc, name, "app.kubernetes.io/instance", "app.kubernetes.io/managed-by")
		doc := document("networking.k8s.io/v1", "NetworkPolicy", meta, mapNode(
			field{"podSelector", sel.node()},
			field{"policyTypes", seqNode(types...)},
			field{"egress", egress},
		))
		out.insertAfter(g.w.Doc, doc)
		f.Scope.changed(addedObject(g.w.Object, "NetworkPolicy", name), ControlNetworkPolicy, "denyAll",
			"NetworkPolicy "+name+" added: denies what no other policy allows to the pods labelled app.kubernetes.io/instance="+r.instance)
		for _, o := range v.pods.carrying(r.namespace, labelPair{"app.kubernetes.io/instance", r.instance}) {
			if o.labelSet["app.kubernetes.io/instance"] != r.instance || o.hostNetwork() {
				continue
			}
			switch {
			case o.w.Skips(ControlNetworkPolicy):
				o.w.Found(ControlNetworkPolicy, "denyAll", report.Warning, "",
					"exempt from networkPolicy, but "+name+" still denies its ingress: it has no NetworkPolicy of its own")
			case o.w.Hook && f.Egress == EgressRestricted:
				o.w.Found(ControlNetworkPolicy, "denyAll", report.Warning, "",
					"Helm hook: "+name+" limits its egress to DNS, and hooks get no NetworkPolicy of their own")
			}
		}
	}
}

func portsNode(ps []policyPort) *yaml.Node {
	var items []*yaml.Node
	for _, p := range ps {
		items = append(items, p.node())
	}
	return seqNode(items...)
}

func ipBlock(cidr string) *yaml.Node {
	return mapNode(field{"ipBlock", mapNode(field{"cidr", strNode(cidr)})})
}

func namespacePeer(matchLabels map[string]string) *yaml.Node {
	sel := mapNode()
	if len(matchLabels) > 0 {
		sel = mapNode(field{"matchLabels", stringMapNode(matchLabels)})
	}
	return mapNode(field{"namespaceSelector", sel})
}
