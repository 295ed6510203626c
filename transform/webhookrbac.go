package transform

import (
	"slices"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// webhookRegistrars returns the ServiceAccounts (namespace/name) that a
// Role or ClusterRole of the stream lets write admission webhook
// configurations. Such an app registers its webhooks at run time (Kyverno,
// Argo Events), so the chart ships none for the NetworkPolicy to see; the
// API server, which is not a pod, must still reach its ports.
func webhookRegistrars(nodes []*yaml.RNode) map[string]bool {
	roles := map[string]bool{}      // kind/namespace/name of the roles that may
	var writers []map[string]string // the labels of the ClusterRoles that may
	for _, n := range nodes {
		kind := kindOf(n)
		if (kind != "ClusterRole" && kind != "Role") || group(apiVersionOf(n)) != "rbac.authorization.k8s.io" {
			continue
		}
		for _, r := range lookupSeq(n, "rules") {
			if writesWebhookConfigs(yaml.NewRNode(r)) {
				ns := ""
				if kind == "Role" {
					ns = namespaceOf(n)
				} else {
					writers = append(writers, labelMap(labelPairs(lookupMap(n, "metadata", "labels"))))
				}
				roles[kind+"/"+ns+"/"+nameOf(n)] = true
				break
			}
		}
	}
	// An aggregated ClusterRole holds the rules of the ClusterRoles its
	// selectors match (Kyverno binds those).
	for _, n := range nodes {
		if kindOf(n) != "ClusterRole" || group(apiVersionOf(n)) != "rbac.authorization.k8s.io" {
			continue
		}
		for _, sel := range lookupSeq(n, "aggregationRule", "clusterRoleSelectors") {
			want := labelPairs(lookupMap(yaml.NewRNode(sel), "matchLabels"))
			for _, labels := range writers {
				if len(want) > 0 && (&labelSelector{matchLabels: want}).matches(labels) {
					roles["ClusterRole//"+nameOf(n)] = true
				}
			}
		}
	}
	out := map[string]bool{}
	for _, n := range nodes {
		kind := kindOf(n)
		if (kind != "ClusterRoleBinding" && kind != "RoleBinding") || group(apiVersionOf(n)) != "rbac.authorization.k8s.io" {
			continue
		}
		refKind, ns := lookupScalar(n, "roleRef", "kind"), ""
		if refKind == "Role" {
			ns = namespaceOf(n)
		}
		if !roles[refKind+"/"+ns+"/"+lookupScalar(n, "roleRef", "name")] {
			continue
		}
		for _, s := range lookupSeq(n, "subjects") {
			sub := yaml.NewRNode(s)
			if lookupScalar(sub, "kind") == "ServiceAccount" {
				out[lookupScalar(sub, "namespace")+"/"+lookupScalar(sub, "name")] = true
			}
		}
	}
	return out
}

func writesWebhookConfigs(rule *yaml.RNode) bool {
	has := func(field string, values ...string) bool {
		for _, v := range lookupSeq(rule, field) {
			if v.Value == "*" || slices.Contains(values, v.Value) {
				return true
			}
		}
		return false
	}
	return has("apiGroups", "admissionregistration.k8s.io") &&
		has("resources", "validatingwebhookconfigurations", "mutatingwebhookconfigurations") &&
		has("verbs", "create", "update", "patch")
}

// registersWebhooks reports whether the pods' ServiceAccount is one of
// webhookRegistrars: a binding without a namespace matches any.
func registersWebhooks(registrars map[string]bool, w *Workload, namespace string) bool {
	sa := lookupScalar(w.Spec, "serviceAccountName")
	if sa == "" {
		sa = lookupScalar(w.Spec, "serviceAccount")
	}
	if sa == "" {
		sa = "default"
	}
	return registrars[namespace+"/"+sa] || registrars["/"+sa] || (namespace == "" && anyNamespace(registrars, sa))
}

func anyNamespace(registrars map[string]bool, sa string) bool {
	for k := range registrars {
		if len(k) > len(sa) && k[len(k)-len(sa)-1:] == "/"+sa {
			return true
		}
	}
	return false
}
