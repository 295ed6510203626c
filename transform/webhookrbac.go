package transform

import (
	"github.com/chartsec/chartsec-harden/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// webhookRegistrars returns the ServiceAccounts (namespace/name) that a
// Role or ClusterRole of the stream lets write admission webhook
// configurations. Such an app registers its webhooks at run time (Kyverno,
// Argo Events), so the chart ships none for the NetworkPolicy to see; the
// API server, which is not a pod, must still reach its ports.
func webhookRegistrars(r *rbacObjects) []saRef {
	roles := map[string]bool{}      // kind/namespace/name of the roles that may
	var writers []map[string]string // the labels of the ClusterRoles that may
	for _, n := range r.roles {
		kind := kindOf(n)
		if len(grants(r.role[n.YNode()].rules, registersWebhooks, false)) > 0 {
			ns := ""
			if kind == "Role" {
				ns = namespaceOf(n)
			} else {
				writers = append(writers, r.role[n.YNode()].labels)
			}
			roles[kind+"/"+ns+"/"+nameOf(n)] = true
		}
	}
	// An aggregated ClusterRole holds the rules of the ClusterRoles its
	// selectors match (Kyverno binds those).
	for _, n := range r.roles {
		if kindOf(n) != "ClusterRole" {
			continue
		}
		for _, sel := range manifest.LookupSeq(n, "aggregationRule", "clusterRoleSelectors") {
			want := labelPairs(manifest.LookupMap(yaml.NewRNode(sel), "matchLabels"))
			for _, labels := range writers {
				if len(want) > 0 && (&labelSelector{matchLabels: want}).matches(labels) {
					roles["ClusterRole//"+nameOf(n)] = true
				}
			}
		}
	}
	var out []saRef
	for _, n := range r.bindings {
		refKind, ns := manifest.LookupScalar(n, "roleRef", "kind"), ""
		if refKind == "Role" {
			ns = namespaceOf(n)
		}
		if roles[refKind+"/"+ns+"/"+manifest.LookupScalar(n, "roleRef", "name")] {
			out = append(out, r.accounts[n.YNode()]...)
		}
	}
	return out
}

// registersWebhooks is what an app needs to register admission webhooks.
var registersWebhooks = []privilege{{"admissionregistration.k8s.io",
	[]string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}, []string{"create", "update", "patch"}}}
