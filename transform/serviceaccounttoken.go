package transform

import (
	"fmt"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
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

// ControlServiceAccountToken is the control of token automounting.
const ControlServiceAccountToken = "serviceAccountToken"

var serviceAccountTokenSection = Section{
	Key:   "serviceAccountToken",
	Stage: Pod,
	Controls: []Control{{
		Name:       ControlServiceAccountToken,
		Does:       "automountServiceAccountToken: false for ServiceAccounts and pods that do not use the API",
		ConfigKeys: []string{"serviceAccountToken"},
		Setting: func(c Config) string {
			return fmt.Sprintf("needsAPI %s, needsAPIAnnotations %s",
				list(c.ServiceAccountToken.NeedsAPI), list(c.ServiceAccountToken.NeedsAPIAnnotations))
		},
		Rules: map[string]Rule{
			"automount":              {"Service account token mounted without need", "Set automountServiceAccountToken: false where the app does not call the Kubernetes API.", report.Warning},
			"needsAPI":               {"Token kept for the Kubernetes API", "A RoleBinding or ClusterRoleBinding of the release names the ServiceAccount, or needsAPI lists it.", report.Info},
			"externalServiceAccount": {"ServiceAccount from outside the release", "Its bindings are unknown, so its token mount is left alone; set automountServiceAccountToken yourself.", report.Info},
		},
	}},
	Kinds: append([]string{"ServiceAccount"}, rbacKinds...),
	Defaults: func(c *Config) {
		c.ServiceAccountToken = ServiceAccountToken{NeedsAPIAnnotations: []string{"vault.hashicorp.com/agent-inject"}}
	},
	Filter: func(c Config, s *Scope) kio.Filter { c.ServiceAccountToken.Scope = s; return c.ServiceAccountToken },
}

// Filter implements kio.Filter.
func (f ServiceAccountToken) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlServiceAccountToken) {
		return nodes, nil
	}
	accounts := map[string]*yaml.RNode{}
	for _, n := range nodes {
		if kindOf(n) == "ServiceAccount" && apiVersionOf(n) == "v1" {
			accounts[nameOf(n)] = n
		}
	}
	boundSet := newAccountSet(f.Scope.rbac(nodes).bound())
	needsAPI := func(namespace, name string) bool {
		for _, g := range f.NeedsAPI {
			if globMatch(g, name) {
				return true
			}
		}
		return boundSet.matches(namespace, name)
	}
	for _, n := range nodes {
		if kindOf(n) != "ServiceAccount" || apiVersionOf(n) != "v1" || f.Scope.DocSkips(n, ControlServiceAccountToken) {
			continue
		}
		if manifest.LookupScalar(n, "automountServiceAccountToken") != "" || needsAPI(namespaceOf(n), nameOf(n)) {
			continue
		}
		setScalar(n, "automountServiceAccountToken", boolNode(false))
		f.Scope.changed(f.Scope.object(n), ControlServiceAccountToken, "automount",
			"automountServiceAccountToken set to false (no binding in the release names it)")
	}
	for _, w := range f.Scope.Workloads(nodes, ControlServiceAccountToken) {
		if manifest.LookupScalar(w.Spec, "automountServiceAccountToken") != "" {
			continue
		}
		sa := w.ServiceAccount()
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
			if isTrue(acc, "automountServiceAccountToken") || f.Scope.DocSkips(acc, ControlServiceAccountToken) {
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
