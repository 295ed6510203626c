package transform

import "github.com/chartsec/chartsec-harden/report"

// ruleInfo describes a finding id: what it means, how to act on it, and
// how much it matters when a chart lacks it (the --check severity). Only
// the upstream Pod Security Standards checks make errors: a chart may meet
// them another way than the transform would (container-level fields, say).
type ruleInfo struct {
	short, help string
	missing     report.Severity
}

var rules = map[string]ruleInfo{
	"podSecurity.runAsNonRoot":        {"Pod does not require a non-root user", "Set spec.securityContext.runAsNonRoot: true; Pod Security Standards restricted requires it.", report.Warning},
	"podSecurity.runAsUser":           {"Pod runs as root or as the image's user", "Set a non-zero spec.securityContext.runAsUser; images with a named or root USER fail runAsNonRoot without it.", report.Warning},
	"podSecurity.runAsGroup":          {"Pod has no runAsGroup", "Set spec.securityContext.runAsGroup to a non-zero group.", report.Info},
	"podSecurity.fsGroup":             {"Pod has no fsGroup", "Set spec.securityContext.fsGroup so that volumes are writable by the pod's group.", report.Info},
	"podSecurity.fsGroupChangePolicy": {"fsGroup without fsGroupChangePolicy", "fsGroupChangePolicy: OnRootMismatch keeps large volumes from slowing pod start (kubernetes #130192).", report.Info},
	"podSecurity.seccompProfile":      {"No RuntimeDefault seccomp profile", "Set securityContext.seccompProfile.type: RuntimeDefault (or Localhost); restricted requires it and Unconfined is refused.", report.Warning},
	"podSecurity.hostLevel":           {"Host-level pod, not hardened", "hostNetwork, hostPID, hostIPC, hostPath, hostPort, privileged containers and capabilities beyond baseline's are node-agent features; chartsec-harden reports them and leaves the pod's identity and filesystem alone. --check and --verify fail such a workload until an exemption from podSecurityStandards names it (the message gives the config snippet); run it in a namespace that allows it.", report.Warning},
	"podSecurity.windows":             {"Windows pod", "Linux security contexts do not apply to Windows pods.", report.Info},

	"containerSecurity.allowPrivilegeEscalation":    {"Container may escalate privileges", "Set securityContext.allowPrivilegeEscalation: false; restricted requires it.", report.Warning},
	"containerSecurity.runAsNonRoot":                {"Container does not require a non-root user", "Set securityContext.runAsNonRoot: true, or leave it to the pod.", report.Info},
	"readOnlyRootFilesystem.readOnlyRootFilesystem": {"Writable root filesystem", "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the app writes.", report.Warning},
	"readOnlyRootFilesystem.writableRootImage":      {"Image known to write to its root filesystem", "The image writes outside any volume at start-up; its root filesystem stays writable. Remove it from containerSecurity.writableRootImages once those paths are volumes.", report.Warning},
	"readOnlyRootFilesystem.chartWritableRoot":      {"Chart asks for a writable root filesystem", "The chart sets readOnlyRootFilesystem: false; make the paths the app writes to volumes, then set it to true.", report.Warning},
	"capabilities.dropAll":                          {"Capabilities not dropped", "Set securityContext.capabilities.drop: [ALL]; restricted requires it.", report.Warning},
	"capabilities.addNotAllowed":                    {"Capability added that restricted forbids", "Only NET_BIND_SERVICE may be added under restricted; remove the others or exempt the container.", report.Warning},
	"capabilities.capabilityName":                   {"Capability spelled with CAP_ or in lower case", "Pod Security Standards and the container runtimes expect the bare upper-case name, e.g. NET_BIND_SERVICE.", report.Warning},
	"podSecurity.perContainer":                      {"Pod-level security context left alone", "A container is exempt from podSecurity, so identity and seccomp are set per container instead.", report.Info},
	"capabilities.unprivilegedPorts":                {"Low port for a non-root user", "The pod sysctl net.ipv4.ip_unprivileged_port_start lets a non-root process bind the container's port below 1024; NET_BIND_SERVICE alone does not (kubernetes#56374).", report.Info},
	"capabilities.netBindService":                   {"Port below 1024 without NET_BIND_SERVICE", "A non-root container needs NET_BIND_SERVICE to listen below 1024.", report.Info},
	"writableDirs.emptyDir":                         {"Writable directory for a read-only root", "An emptyDir is mounted where the app must write (default /tmp).", report.Info},
	"imagePullPolicy.pullPolicy":                    {"Image pull policy", "Always re-checks registry credentials for tagged images; digests need no re-pull.", report.Info},
	"imageTag.mutableTag":                           {"Image tag can move", "Pin a version tag or, better, a digest (image@sha256:...).", report.Warning},
	"imageTag.notPinned":                            {"Image not pinned by digest", "A tag can be moved to other content; image@sha256:... cannot.", report.Info},
	"imagePullSecrets.pullSecret":                   {"imagePullSecrets", "The configured imagePullSecrets are added to every pod.", report.Info},
	"resources.requests":                            {"Container without resource requests", "Set resources.requests.cpu and memory so the scheduler can place the pod.", report.Warning},
	"resources.limits":                              {"Container without resource limits", "Set resources.limits.memory (and cpu if your platform wants it).", report.Warning},
	"serviceAccountToken.automount":                 {"Service account token mounted without need", "Set automountServiceAccountToken: false where the app does not call the Kubernetes API.", report.Warning},
	"serviceAccountToken.needsAPI":                  {"Token kept for the Kubernetes API", "A RoleBinding or ClusterRoleBinding of the release names the ServiceAccount, or needsAPI lists it.", report.Info},
	"serviceAccountToken.externalServiceAccount":    {"ServiceAccount from outside the release", "Its bindings are unknown, so its token mount is left alone; set automountServiceAccountToken yourself.", report.Info},
	"secrets.literalData":                           {"Secret with literal data in the manifest", "Anyone who can read the rendered release reads the secret; use an external secret store or sealed secrets. Values are never printed.", report.Warning},
	"secrets.literalEnv":                            {"Credential in a literal environment variable", "Use valueFrom.secretKeyRef instead of a literal value. Values are never printed.", report.Warning},
	"rbac.wildcard":                                 {"Role with a wildcard", "List the apiGroups, resources and verbs the app uses instead of *; a wildcard also grants what later Kubernetes versions and CRDs add. Accept it with chartsec.io/skip: rbac on the role (or its workload), or an exclude rule.", report.Warning},
	"rbac.secretsRead":                              {"Role reads Secrets", "Reading Secrets reads every credential in reach; name the Secrets the app needs in resourceNames, or bind a Role in one namespace instead of a ClusterRole. Accept it with chartsec.io/skip: rbac.", report.Warning},
	"rbac.podExec":                                  {"Role allows exec, attach or port-forward into pods", "pods/exec, pods/attach and pods/portforward run code in, or reach, any pod in scope; remove them unless the app is a debugging tool. Accept it with chartsec.io/skip: rbac.", report.Warning},
	"rbac.createPods":                               {"Role creates pods or workloads", "Who creates a pod chooses its ServiceAccount, and so holds every token of the namespace; grant it only to controllers that must, in the namespaces they manage. Accept it with chartsec.io/skip: rbac.", report.Warning},
	"rbac.escalate":                                 {"Role may escalate, bind or impersonate", "escalate, bind and impersonate bypass RBAC's escalation checks; remove them, or limit them with resourceNames. Accept it with chartsec.io/skip: rbac.", report.Warning},
	"rbac.writeRBAC":                                {"Role writes RBAC objects", "Writing Roles and bindings is a step from granting oneself more; limit it with resourceNames to the objects the app manages. Accept it with chartsec.io/skip: rbac.", report.Warning},
	"rbac.writeWebhooks":                            {"Role writes admission webhook configurations", "An admission webhook sees and can change every object it matches; limit writes with resourceNames to the app's own configurations. Accept it with chartsec.io/skip: rbac.", report.Warning},
	"rbac.clusterAdmin":                             {"ClusterRoleBinding to cluster-admin", "cluster-admin (or a ClusterRole with * on *) is full control of the cluster; bind a ClusterRole that lists what the app uses. Only an explicit exemption (chartsec.io/skip: rbac on the binding or the workload, or an exclude rule) accepts it.", report.Error},
	"rbac.roleWouldDo":                              {"ClusterRole bound only in one namespace", "A ClusterRole bound only through RoleBindings of one namespace is a Role there; a Role keeps it from being bound cluster-wide later. Reported, not rewritten.", report.Warning},
	"rbac.namespacedOnly":                           {"ClusterRoleBinding where a RoleBinding would do", "The ClusterRole holds only namespaced resources and is bound to ServiceAccounts of one namespace; a Role and RoleBinding there grant the same in that namespace only. If the app works across namespaces, say so once with rbac.clusterWide. Reported, not rewritten.", report.Warning},
	"serviceAccount.default":                        {"Workload runs as the default ServiceAccount", "Give the workload a ServiceAccount of its own (the chart's serviceAccount.create value, or serviceAccount.perWorkload: true); default is shared by every pod of the namespace that names none.", report.Warning},
	"serviceAccount.perWorkload":                    {"Workload moved off the default ServiceAccount", "serviceAccount.perWorkload set the workload's serviceAccountName to a ServiceAccount of its own.", report.Warning},
	"serviceAccount.added":                          {"ServiceAccount added for a workload", "serviceAccount.perWorkload added a ServiceAccount for the workload, with automountServiceAccountToken: false.", report.Info},
	"input.notAnObject":                             {"Document without kind or apiVersion", "Every Kubernetes object needs both; check the chart template that renders it.", report.Warning},
	"exemption.applied":                             {"Exemption applied", "A chartsec.io/skip annotation or a config exclude rule switched controls off here.", report.Info},
	"exemption.unknownControl":                      {"Skip annotation names no control", "Fix the control name; as written it exempts nothing.", report.Warning},
	"podSecurityStandards.restricted":               {"Fails Pod Security Standards restricted", "The reason is the upstream pod-security-admission check's; fix it in the chart or let chartsec-harden transform it.", report.Error},
	"podSecurityStandards.baseline":                 {"Fails Pod Security Standards baseline", "The reason is the upstream pod-security-admission check's. No transform fixes host access: fix the chart, or accept the workload (or only the failing containers) with the exclude entry the message gives, controls: [podSecurityStandards].", report.Error},
	"podSecurityStandards.accepted":                 {"Pod Security Standards failure accepted by an exemption", "An exemption from podSecurityStandards (or all) names this workload or container; a namespace enforcing the level would still refuse it.", report.Warning},
	"podSecurityStandards.exempt":                   {"Not verified: exempt", "An exemption (annotation or config) switched off controls that Pod Security Standards check.", report.Info},
	"networkPolicy.podTemplateLabel":                {"Pod template labelled for its companions", "Another pod template of the release (often a Helm test Pod) carries exactly this workload's labels, so no selector could tell their pods apart; the label chartsec.io/pod-template lets the NetworkPolicy and PodDisruptionBudget select this workload's pods only.", report.Info},
	"podSecurityStandards.helm3Hook":                {"Helm 3 sends this hook unhardened", "Helm 3 gives hooks (pre-/post-install Jobs, test Pods) to no post-renderer. Under Helm 3: harden the hook through the chart's values, install with --no-hooks and do its work otherwise, or use Helm 4, which post-renders hooks.", report.Warning},
	"podSecurityStandards.hostLevel":                {"Not verified: host-level, accepted", "The pod fails baseline and an exemption accepts it; host-level pods cannot pass restricted: run them in a namespace that allows them.", report.Info},
}

// RuleText gives the SARIF short description and help of a finding id.
func RuleText(id string) (short, help string) {
	if r, ok := rules[id]; ok {
		return r.short, r.help
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
		return r.missing
	}
	return report.Warning
}
