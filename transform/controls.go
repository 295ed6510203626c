package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ControlInfo describes one control for people: what it does, where the
// configuration file sets it, and what it is set to.
type ControlInfo struct {
	// Name is the control's name: the one --disable, disable:, exclude
	// rules and the chartsec.io/skip annotations take.
	Name string
	// Does says in one line what the control does.
	Does string
	// ConfigKeys are the configuration file's keys that tune it; empty
	// when only switching it off applies.
	ConfigKeys []string
	// On is false when the control is switched off (disable:, --disable,
	// or limitRange.enabled: false).
	On bool
	// Setting is what the configuration sets it to, in one line.
	Setting string
}

var controlText = map[string]struct {
	does string
	keys []string
}{
	ControlPodSecurity:            {"pod securityContext: runAsNonRoot, non-root runAsUser/runAsGroup/fsGroup where unset (UID 0 replaced), fsGroupChangePolicy, seccomp RuntimeDefault", []string{"podSecurity"}},
	ControlContainerSecurity:      {"allowPrivilegeEscalation: false and runAsNonRoot: true on every container", nil},
	ControlReadOnlyRootFilesystem: {"readOnlyRootFilesystem: true; a chart's explicit false is kept and reported", []string{"containerSecurity.forceReadOnlyRootFilesystem", "containerSecurity.writableRootImages"}},
	ControlCapabilities:           {"capabilities drop: [ALL]; add keeps only the allowed ones; NET_BIND_SERVICE and the port sysctl for ports below 1024", []string{"containerSecurity.allowedCapabilities"}},
	ControlWritableDirs:           {"an emptyDir where a read-only root must be written to (never over an existing mount)", []string{"writableDirs"}},
	ControlImagePullPolicy:        {"imagePullPolicy for tagged images; IfNotPresent for digests; a chart's Never stays", []string{"images.pullPolicy"}},
	ControlImagePullSecrets:       {"adds the configured imagePullSecrets to every pod", []string{"images.pullSecrets"}},
	ControlImageTag:               {"reports latest, untagged and undigested images (changes nothing)", nil},
	ControlResources:              {"fills missing cpu/memory requests and limits; never lowers a chart's value", []string{"resources"}},
	ControlServiceAccountToken:    {"automountServiceAccountToken: false for ServiceAccounts and pods that do not use the API", []string{"serviceAccountToken"}},
	ControlNetworkPolicy:          {"a NetworkPolicy per workload: ingress on the ports it serves", []string{"networkPolicy"}},
	ControlPodDisruptionBudget:    {"a PodDisruptionBudget per workload with 2+ replicas (never one that blocks a drain)", []string{"podDisruptionBudget"}},
	ControlLimitRange:             {"one LimitRange for the release", []string{"limitRange"}},
	ControlSecrets:                {"reports Secrets with literal data and credential-like literal env vars (values never printed)", nil},
	ControlRBAC:                   {"reports what the release's roles grant beyond least privilege, naming the workloads that get it (changes nothing)", []string{"rbac.clusterWide", "rbac.severity"}},
	ControlServiceAccount:         {"reports workloads on the default ServiceAccount; perWorkload gives each its own", []string{"serviceAccount.perWorkload", "serviceAccount.severity"}},
}

// ListControls describes every control, in the README's order, as cfg
// sets it.
func ListControls(cfg Config) []ControlInfo {
	disabled := map[string]bool{}
	for _, d := range cfg.Disable {
		disabled[d] = true
	}
	out := make([]ControlInfo, 0, len(Controls))
	for _, name := range Controls {
		t := controlText[name]
		on := !disabled[name]
		if name == ControlLimitRange && !cfg.LimitRange.Enabled {
			on = false
		}
		out = append(out, ControlInfo{Name: name, Does: t.does, ConfigKeys: t.keys, On: on, Setting: controlSetting(cfg, name)})
	}
	return out
}

// controlSetting sums up the configuration of one control.
func controlSetting(cfg Config, name string) string {
	switch name {
	case ControlPodSecurity:
		p := cfg.PodSecurity
		return fmt.Sprintf("runAsUser %d, runAsGroup %d, fsGroup %d, fsGroupChangePolicy %s",
			p.RunAsUser, p.RunAsGroup, p.FSGroup, orNone(p.FSGroupChangePolicy))
	case ControlReadOnlyRootFilesystem:
		return fmt.Sprintf("%t, %s", cfg.ContainerSecurity.ForceReadOnlyRootFilesystem, list(cfg.ContainerSecurity.WritableRootImages))
	case ControlCapabilities:
		return list(cfg.ContainerSecurity.AllowedCapabilities)
	case ControlWritableDirs:
		s := "paths " + list(cfg.WritableDirs.Paths)
		for _, r := range cfg.WritableDirs.Rules {
			match := r.Image
			if r.Container != "" {
				match = "container " + r.Container
				if r.Image != "" {
					match += ", image " + r.Image
				}
			}
			s += fmt.Sprintf("; %s: %s", match, list(r.Paths))
		}
		return s
	case ControlImagePullPolicy:
		return cfg.Images.PullPolicy
	case ControlImagePullSecrets:
		return list(cfg.Images.PullSecrets)
	case ControlResources:
		r := cfg.Resources
		return fmt.Sprintf("requests cpu %s, memory %s; limits cpu %s, memory %s",
			orNone(r.Requests.CPU), orNone(r.Requests.Memory), orNone(r.Limits.CPU), orNone(r.Limits.Memory))
	case ControlServiceAccountToken:
		return fmt.Sprintf("needsAPI %s, needsAPIAnnotations %s",
			list(cfg.ServiceAccountToken.NeedsAPI), list(cfg.ServiceAccountToken.NeedsAPIAnnotations))
	case ControlNetworkPolicy:
		n := cfg.NetworkPolicy
		return fmt.Sprintf("ingressFrom %s, egress %s, denyAll %t", n.IngressFrom, n.Egress, n.DenyAll)
	case ControlPodDisruptionBudget:
		p := cfg.PodDisruptionBudget
		switch {
		case p.MinAvailable != "":
			return "minAvailable " + p.MinAvailable
		case p.MaxUnavailable != "":
			return "maxUnavailable " + p.MaxUnavailable
		}
		return "maxUnavailable 1"
	case ControlLimitRange:
		return fmt.Sprintf("enabled %t", cfg.LimitRange.Enabled)
	case ControlRBAC:
		return fmt.Sprintf("clusterWide %s, severity %s", list(cfg.RBAC.ClusterWide), severities(cfg.RBAC.Severity))
	case ControlServiceAccount:
		return fmt.Sprintf("perWorkload %t, severity %s", cfg.ServiceAccount.PerWorkload, severities(cfg.ServiceAccount.Severity))
	}
	return "-"
}

func list(s []string) string {
	if len(s) == 0 {
		return "[]"
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func severities(m map[string]string) string {
	var s []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s = append(s, k+": "+m[k])
	}
	return "{" + strings.Join(s, ", ") + "}"
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
