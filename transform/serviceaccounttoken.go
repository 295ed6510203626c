package transform

import (
	"strings"

	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ServiceAccountToken sets automountServiceAccountToken: false on
// ServiceAccounts and pod specs whose workload does not talk to the
// Kubernetes API. A ServiceAccount needs the API when a RoleBinding or
// ClusterRoleBinding in the stream names it (or its namespace's
// system:serviceaccounts group), or when NeedsAPI lists it. A
// value the chart set stays. Pods that use a ServiceAccount from outside the
// release (other than "default") are left alone: its bindings are unknown.
type ServiceAccountToken struct {
	// NeedsAPI lists ServiceAccount names (globs) that keep their token.
	NeedsAPI []string `yaml:"needsAPI" json:"needsAPI"`
	// NeedsAPIAnnotations keep the token of pods whose template carries
	// one of these annotations set to "true": injected sidecars that log
	// in with it (the Vault agent).
	NeedsAPIAnnotations []string `yaml:"needsAPIAnnotations" json:"needsAPIAnnotations"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = ServiceAccountToken{}

type saRef struct{ namespace, name string }

// Filter implements kio.Filter.
func (f ServiceAccountToken) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlServiceAccountToken) {
		return nodes, nil
	}
	var bound []saRef
	accounts := map[string]*yaml.RNode{}
	for _, n := range nodes {
		switch {
		case (kindOf(n) == "RoleBinding" || kindOf(n) == "ClusterRoleBinding") && group(apiVersionOf(n)) == "rbac.authorization.k8s.io":
			for _, s := range lookupSeq(n, "subjects") {
				sub := yaml.NewRNode(s)
				switch name := lookupScalar(sub, "name"); {
				case lookupScalar(sub, "kind") == "ServiceAccount":
					bound = append(bound, saRef{lookupScalar(sub, "namespace"), name})
				case lookupScalar(sub, "kind") == "Group" && name == "system:serviceaccounts":
					bound = append(bound, saRef{"", "*"})
				case lookupScalar(sub, "kind") == "Group" && strings.HasPrefix(name, "system:serviceaccounts:"):
					bound = append(bound, saRef{strings.TrimPrefix(name, "system:serviceaccounts:"), "*"})
				}
			}
		case kindOf(n) == "ServiceAccount" && apiVersionOf(n) == "v1":
			accounts[nameOf(n)] = n
		}
	}
	needsAPI := func(namespace, name string) bool {
		for _, g := range f.NeedsAPI {
			if globMatch(g, name) {
				return true
			}
		}
		for _, b := range bound {
			if (b.name == name || b.name == "*") && (b.namespace == "" || namespace == "" || b.namespace == namespace) {
				return true
			}
		}
		return false
	}
	for _, n := range nodes {
		if kindOf(n) != "ServiceAccount" || apiVersionOf(n) != "v1" || f.Scope.DocSkips(n, ControlServiceAccountToken) {
			continue
		}
		if lookupScalar(n, "automountServiceAccountToken") != "" || needsAPI(namespaceOf(n), nameOf(n)) {
			continue
		}
		setScalar(n, "automountServiceAccountToken", boolNode(false))
		f.Scope.add(report.Finding{Object: f.Scope.object(n), Control: ControlServiceAccountToken, Rule: "automount",
			Severity: report.Info, Message: "automountServiceAccountToken set to false (no binding in the release names it)", Changed: true})
	}
	for _, w := range f.Scope.Workloads(nodes, ControlServiceAccountToken) {
		if lookupScalar(w.Spec, "automountServiceAccountToken") != "" {
			continue
		}
		sa := lookupScalar(w.Spec, "serviceAccountName")
		if sa == "" {
			sa = lookupScalar(w.Spec, "serviceAccount")
		}
		if sa == "" {
			sa = "default"
		}
		if a := f.injectorAnnotation(w); a != "" {
			w.Found(ControlServiceAccountToken, "needsAPI", report.Info, "",
				"keeps its token: "+a+" injects a sidecar that logs in with it")
			continue
		}
		if needsAPI(w.Object.Namespace, sa) {
			w.Found(ControlServiceAccountToken, "needsAPI", report.Info, "",
				"keeps its token: ServiceAccount "+sa+" is bound to a role in the release (or listed in needsAPI)")
			continue
		}
		if acc, ok := accounts[sa]; ok {
			if lookupScalar(acc, "automountServiceAccountToken") == "true" || f.Scope.DocSkips(acc, ControlServiceAccountToken) {
				continue
			}
		} else if sa != "default" {
			w.Found(ControlServiceAccountToken, "externalServiceAccount", report.Info, "",
				"uses ServiceAccount "+sa+" from outside the release; token mount left as is")
			continue
		}
		setScalar(w.Spec, "automountServiceAccountToken", boolNode(false))
		w.Changed(ControlServiceAccountToken, "automount", "", "automountServiceAccountToken set to false (ServiceAccount "+sa+" has no binding in the release)")
	}
	return nodes, nil
}

func (f ServiceAccountToken) injectorAnnotation(w *Workload) string {
	ann := annotations(w.Template)
	for _, a := range f.NeedsAPIAnnotations {
		if strings.EqualFold(ann[a], "true") {
			return a
		}
	}
	return ""
}
