package transform

// webhookRegistrars returns the ServiceAccounts (namespace/name) that a
// Role or ClusterRole of the stream lets write admission webhook
// configurations. Such an app registers its webhooks at run time (Kyverno,
// Argo Events), so the chart ships none for the NetworkPolicy to see; the
// API server, which is not a pod, must still reach its ports.
func webhookRegistrars(r *rbacObjects) []saRef {
	roles := map[string]bool{}      // kind/namespace/name of the roles that may
	var writers []map[string]string // the labels of the ClusterRoles that may
	for _, d := range r.roles {
		if len(grants(d.rules, registersWebhooks, false)) > 0 {
			ns := ""
			if d.kind == "Role" {
				ns = d.namespace
			} else {
				writers = append(writers, d.labels)
			}
			roles[d.kind+"/"+ns+"/"+d.name] = true
		}
	}
	// An aggregated ClusterRole holds the rules of the ClusterRoles its
	// selectors match (Kyverno binds those), selected as the RBAC findings
	// select them (aggregate).
	for _, d := range r.roles {
		if d.kind != "ClusterRole" {
			continue
		}
		for _, sel := range d.aggregation {
			if sel == nil || sel.empty() {
				continue
			}
			for _, labels := range writers {
				if sel.matches(labels) {
					roles["ClusterRole//"+d.name] = true
				}
			}
		}
	}
	var out []saRef
	for _, b := range r.bindings {
		ns := ""
		if b.refKind == "Role" {
			ns = b.namespace
		}
		if roles[b.refKind+"/"+ns+"/"+b.refName] {
			out = append(out, b.accounts...)
		}
	}
	return out
}

// registersWebhooks is what an app needs to register admission webhooks.
var registersWebhooks = []privilege{{"admissionregistration.k8s.io",
	[]string{"validatingwebhookconfigurations", "mutatingwebhookconfigurations"}, []string{"create", "update", "patch"}}}
