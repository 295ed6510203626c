package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ServiceAccount reports workloads that run as their namespace's default
// ServiceAccount, which every other workload of the namespace without an
// account of its own shares, with whatever anyone bound to it. With
// PerWorkload, such a workload gets a ServiceAccount of its own (a
// companion document, automountServiceAccountToken: false) and its
// serviceAccountName; never where that could take a permission away from
// it: a binding of the release names default, the pod uses its token, or
// it is a Helm hook (which runs before the new account exists).
type ServiceAccount struct {
	// PerWorkload gives each workload that runs as default its own account.
	PerWorkload bool `yaml:"perWorkload" json:"perWorkload"`
	// Severity overrides the severity of a rule, e.g. {default: info}.
	Severity map[string]string `yaml:"severity" json:"severity"`

	// needsAPI: the serviceAccountToken settings, which say which pods use
	// their token.
	needsAPI ServiceAccountToken
	Scope    *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = ServiceAccount{}

// ControlServiceAccount is the control of the default ServiceAccount.
const ControlServiceAccount = "serviceAccount"

var serviceAccountSection = Section{
	Key:   "serviceAccount",
	Stage: Pod,
	// ServiceAccountToken then sees the accounts it adds.
	Before: []string{"serviceAccountToken"},
	Controls: []Control{{
		Name:       ControlServiceAccount,
		Does:       "reports workloads on the default ServiceAccount; perWorkload gives each its own",
		ConfigKeys: []string{"serviceAccount.perWorkload", "serviceAccount.severity"},
		Setting: func(c Config) string {
			return fmt.Sprintf("perWorkload %t, severity %s", c.ServiceAccount.PerWorkload, severities(c.ServiceAccount.Severity))
		},
		Rules: map[string]Rule{
			"default":     {"Workload runs as the default ServiceAccount", "Give the workload a ServiceAccount of its own (the chart's serviceAccount.create value, or serviceAccount.perWorkload: true); default is shared by every pod of the namespace that names none.", report.Warning},
			"perWorkload": {"Workload moved off the default ServiceAccount", "serviceAccount.perWorkload set the workload's serviceAccountName to a ServiceAccount of its own.", report.Warning},
			"added":       {"ServiceAccount added for a workload", "serviceAccount.perWorkload added a ServiceAccount for the workload, with automountServiceAccountToken: false.", report.Info},
		},
	}},
	Kinds: append([]string{"ServiceAccount"}, companionKinds...),
	Validate: func(c Config) error {
		return validSeverities("serviceAccount", c.ServiceAccount.Severity, ServiceAccountRules)
	},
	Filter: func(c Config, s *Scope) kio.Filter {
		c.ServiceAccount.Scope = s
		c.ServiceAccount.needsAPI = c.ServiceAccountToken
		return c.ServiceAccount
	},
}

// ServiceAccountRules are the rule ids of the serviceAccount control's
// findings (perWorkload records a change).
var ServiceAccountRules = []string{"default"}

// Filter implements kio.Filter.
func (f ServiceAccount) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlServiceAccount) {
		return nodes, nil
	}
	var boundDefault []saRef
	for _, a := range f.Scope.rbac(nodes).bound() {
		if a.name == "default" {
			boundDefault = append(boundDefault, a)
		}
	}
	releaseDefault := map[string]bool{} // namespaces whose default account the release ships
	for _, n := range nodes {
		if kindOf(n) == "ServiceAccount" && apiVersionOf(n) == "v1" && nameOf(n) == "default" {
			releaseDefault[namespaceOf(n)] = true
		}
	}
	given := map[docName]string{} // a workload repeated in the stream keeps one account
	out := newCompanionStream(nodes)
	bound := newAccountSet(boundDefault)
	for _, w := range f.Scope.Workloads(nodes, ControlServiceAccount) {
		if w.ServiceAccount() != "default" {
			continue
		}
		msg := "runs as the namespace's default ServiceAccount, shared by every workload of the namespace without an account of its own"
		if !f.PerWorkload {
			f.found(w, msg+": give it one (or set serviceAccount.perWorkload: true)")
			continue
		}
		if why := f.keepDefault(w, bound, releaseDefault); why != "" {
			f.found(w, msg+"; no account of its own added: "+why)
			continue
		}
		id := docName{kindOf(w.Doc), w.Object.Namespace, nameOf(w.Doc)}
		name, repeated := given[id]
		if !repeated {
			name = f.Scope.docNames(nodes).companionName("ServiceAccount", w.Object.Namespace, nameOf(w.Doc), "-chartsec-sa")
			given[id] = name
			doc := yaml.NewRNode(mapNode(field{"apiVersion", strNode("v1")}, field{"kind", strNode("ServiceAccount")},
				field{"metadata", companionMeta(w.Doc, name)}, field{"automountServiceAccountToken", boolNode(false)}))
			out.insertAfter(w.Doc, doc)
			w.Changed(ControlServiceAccount, "added", "", "ServiceAccount "+name+" added, with automountServiceAccountToken: false")
		}
		setScalar(w.Spec, "serviceAccountName", strNode(name))
		if manifest.LookupScalar(w.Spec, "serviceAccount") != "" {
			setScalar(w.Spec, "serviceAccount", strNode(name)) // the deprecated alias must agree
		}
		note := ""
		if len(manifest.LookupSeq(w.Spec, "imagePullSecrets")) == 0 {
			note = "; imagePullSecrets attached to the namespace's default ServiceAccount do not carry over (list them under images.pullSecrets)"
		}
		w.Changed(ControlServiceAccount, "perWorkload", "",
			"runs as its own ServiceAccount "+name+" instead of the namespace's default"+note)
	}
	return out.list(), nil
}

// keepDefault says why a workload must keep the default account, or "".
func (f ServiceAccount) keepDefault(w *Workload, boundDefault *accountSet, releaseDefault map[string]bool) string {
	switch {
	case w.Hook:
		return "a Helm hook runs before the release's other documents exist"
	case boundDefault.matches(w.Object.Namespace, "default"):
		return "a binding of the release grants a role to default, which its own account would lose"
	case releaseDefault[w.Object.Namespace] || releaseDefault[""]:
		return "the release ships the default ServiceAccount itself"
	case isTrue(w.Spec, "automountServiceAccountToken"):
		return "the pod mounts its token, and default may hold permissions granted outside the release"
	case !isFalse(w.Spec, "automountServiceAccountToken") && w.Skips(ControlServiceAccountToken):
		return "serviceAccountToken is off for it, so it keeps its token, and default may hold permissions granted outside the release"
	case f.needsAPI.injectorAnnotation(w) != "":
		return f.needsAPI.injectorAnnotation(w) + " logs in with the default account's token"
	}
	for _, g := range f.needsAPI.NeedsAPI {
		if globMatch(g, "default") {
			return "serviceAccountToken.needsAPI lists default"
		}
	}
	return ""
}

func (f ServiceAccount) found(w *Workload, msg string) {
	sev := report.Warning
	if s, ok := f.Severity["default"]; ok {
		sev, _ = report.ParseSeverity(s)
	}
	f.Scope.found(w.Object, ControlServiceAccount, "default", sev, msg, RuleHelp(ControlServiceAccount+".default"))
}

// validSeverities checks a severity override map against a control's rules.
func validSeverities(section string, m map[string]string, rules []string) error {
	for rule, sev := range m {
		if !slices.Contains(rules, rule) {
			return fmt.Errorf("%s.severity: unknown rule %q (known: %s)", section, rule, strings.Join(rules, ", "))
		}
		if _, err := report.ParseSeverity(sev); err != nil {
			return fmt.Errorf("%s.severity.%s: %v", section, rule, err)
		}
	}
	return nil
}
