package transform

import "github.com/chartsec/chartsec-harden/report"

// rules describe every finding id: those of the controls (Control.Rules,
// added from the registry) and these, which no control makes.
var rules = map[string]Rule{
	"input.notAnObject":               {"Document without kind or apiVersion", "Every Kubernetes object needs both; check the chart template that renders it.", report.Warning},
	"exemption.applied":               {"Exemption applied", "A chartsec.io/skip annotation or a config exclude rule switched controls off here.", report.Info},
	"exemption.unknownControl":        {"Skip annotation names no control", "Fix the control name; as written it exempts nothing.", report.Warning},
	"podSecurityStandards.restricted": {"Fails Pod Security Standards restricted", "The reason is the upstream pod-security-admission check's; fix it in the chart or let chartsec-harden transform it.", report.Error},
	"podSecurityStandards.baseline":   {"Fails Pod Security Standards baseline", "The reason is the upstream pod-security-admission check's. No transform fixes host access: fix the chart, or accept the workload (or only the failing containers) with the exclude entry the message gives, controls: [podSecurityStandards].", report.Error},
	"podSecurityStandards.accepted":   {"Pod Security Standards failure accepted by an exemption", "An exemption from podSecurityStandards (or all) names this workload or container; a namespace enforcing the level would still refuse it.", report.Warning},
	"podSecurityStandards.exempt":     {"Not verified: exempt", "An exemption (annotation or config) switched off controls that Pod Security Standards check.", report.Info},
	"podSecurityStandards.helm3Hook":  {"Helm 3 sends this hook unhardened", "Helm 3 gives hooks (pre-/post-install Jobs, test Pods) to no post-renderer. Under Helm 3: harden the hook through the chart's values, install with --no-hooks and do its work otherwise, or use Helm 4, which post-renders hooks.", report.Warning},
	"podSecurityStandards.hostLevel":  {"Not verified: host-level, accepted", "The pod fails baseline and an exemption accepts it; host-level pods cannot pass restricted: run them in a namespace that allows them.", report.Info},
}

// RuleText gives the SARIF short description and help of a finding id.
func RuleText(id string) (short, help string) {
	if r, ok := rules[id]; ok {
		return r.Short, r.Help
	}
	return id, "See the chartsec-harden README, section Controls."
}

// RuleHelp is the help text of a finding id: how to fix or exempt it.
func RuleHelp(id string) string {
	_, help := RuleText(id)
	return help
}

// MissingSeverity is how much a finding matters when the chart lacks what
// the transform would add: the severity --check reports it at.
func MissingSeverity(id string) report.Severity {
	if r, ok := rules[id]; ok {
		return r.Missing
	}
	return report.Warning
}
