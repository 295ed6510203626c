package transform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// PodSecurity sets the pod-level security context of every pod template:
// runAsNonRoot, a non-root runAsUser, runAsGroup and fsGroup where the chart
// set none, and a RuntimeDefault seccomp profile. A chart's own non-zero IDs
// and Localhost seccomp profiles stay; UID 0 and Unconfined are replaced,
// in the pod and in its containers.
type PodSecurity struct {
	RunAsUser  int64 `yaml:"runAsUser" json:"runAsUser"`
	RunAsGroup int64 `yaml:"runAsGroup" json:"runAsGroup"`
	FSGroup    int64 `yaml:"fsGroup" json:"fsGroup"`
	// FSGroupChangePolicy is set where fsGroup is set and the chart chose
	// no policy; OnRootMismatch keeps big volumes from slowing pod start.
	// Empty leaves it out.
	FSGroupChangePolicy string `yaml:"fsGroupChangePolicy" json:"fsGroupChangePolicy"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = PodSecurity{}

// ControlPodSecurity is the control of the pod's security context.
const ControlPodSecurity = "podSecurity"

var podSecuritySection = Section{
	Key:   "podSecurity",
	Stage: Pod,
	Controls: []Control{{
		Name:       ControlPodSecurity,
		Does:       "pod securityContext: runAsNonRoot, non-root runAsUser/runAsGroup/fsGroup where unset (UID 0 replaced), fsGroupChangePolicy, seccomp RuntimeDefault",
		ConfigKeys: []string{"podSecurity"},
		Setting: func(c Config) string {
			p := c.PodSecurity
			return fmt.Sprintf("runAsUser %d, runAsGroup %d, fsGroup %d, fsGroupChangePolicy %s",
				p.RunAsUser, p.RunAsGroup, p.FSGroup, orNone(p.FSGroupChangePolicy))
		},
		Rules: map[string]Rule{
			"runAsNonRoot":        {"Pod does not require a non-root user", "Set spec.securityContext.runAsNonRoot: true; Pod Security Standards restricted requires it.", report.Warning},
			"runAsUser":           {"Pod runs as root or as the image's user", "Set a non-zero spec.securityContext.runAsUser; images with a named or root USER fail runAsNonRoot without it.", report.Warning},
			"runAsGroup":          {"Pod has no runAsGroup", "Set spec.securityContext.runAsGroup to a non-zero group.", report.Info},
			"fsGroup":             {"Pod has no fsGroup", "Set spec.securityContext.fsGroup so that volumes are writable by the pod's group.", report.Info},
			"fsGroupChangePolicy": {"fsGroup without fsGroupChangePolicy", "fsGroupChangePolicy: OnRootMismatch keeps large volumes from slowing pod start (kubernetes #130192).", report.Info},
			"seccompProfile":      {"No RuntimeDefault seccomp profile", "Set securityContext.seccompProfile.type: RuntimeDefault (or Localhost); restricted requires it and Unconfined is refused.", report.Warning},
			"hostLevel":           {"Host-level pod, not hardened", "hostNetwork, hostPID, hostIPC, hostPath, hostPort, privileged containers and capabilities beyond baseline's are node-agent features; chartsec-harden reports them and leaves the pod's identity and filesystem alone. --check and --verify fail such a workload until an exemption from podSecurityStandards names it (the message gives the config snippet); run it in a namespace that allows it.", report.Warning},
			"windows":             {"Windows pod", "Linux security contexts do not apply to Windows pods.", report.Info},
			"perContainer":        {"Pod-level security context left alone", "A container is exempt from podSecurity, so identity and seccomp are set per container instead.", report.Info},
		},
	}},
	Defaults: func(c *Config) {
		c.PodSecurity = PodSecurity{RunAsUser: 1000, RunAsGroup: 1000, FSGroup: 1000, FSGroupChangePolicy: "OnRootMismatch"}
	},
	Validate: func(c Config) error { return c.PodSecurity.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.PodSecurity.Scope = s; return c.PodSecurity },
}

// Validate reports the first setting that cannot work, naming its key.
func (f PodSecurity) Validate() error {
	if f.RunAsUser <= 0 {
		return fmt.Errorf("podSecurity.runAsUser: %d is not a non-root user ID (use 1 or more)", f.RunAsUser)
	}
	if f.RunAsGroup < 0 || f.FSGroup < 0 {
		return errors.New("podSecurity.runAsGroup and podSecurity.fsGroup must not be negative")
	}
	switch f.FSGroupChangePolicy {
	case "", "OnRootMismatch", "Always":
	default:
		return fmt.Errorf("podSecurity.fsGroupChangePolicy: %q is not OnRootMismatch, Always or empty", f.FSGroupChangePolicy)
	}
	return nil
}

// Filter implements kio.Filter.
func (f PodSecurity) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	for _, w := range f.Scope.Workloads(nodes, ControlPodSecurity) {
		if len(w.HostLevel()) > 0 {
			continue // reported once per workload, whatever is exempt: ReportHostLevel
		}
		if w.Windows() {
			w.Found(ControlPodSecurity, "windows", report.Info, "", "Windows pod: Linux security contexts not applied")
			continue
		}
		f.harden(w)
	}
	return nodes, nil
}

func (f PodSecurity) harden(w *Workload) {
	var exempt []string
	for _, c := range w.Containers() {
		if w.SkipsContainer(ControlPodSecurity, c.Name) {
			exempt = append(exempt, c.Name)
		}
	}
	if len(exempt) > 0 {
		f.perContainer(w)
		w.Found(ControlPodSecurity, "perContainer", report.Info, "", "container "+strings.Join(exempt, ", ")+
			" exempt from podSecurity: the pod-level security context is left alone, the other containers get their own")
		return
	}
	sc := ensureMap(w.Spec, "securityContext")
	switch v, set := manifest.LookupBool(sc, "runAsNonRoot"); {
	case set && v:
	case set:
		setScalar(sc, "runAsNonRoot", boolNode(true))
		w.ChangedRisky(ControlPodSecurity, "runAsNonRoot", "", "runAsNonRoot false replaced by true: the chart allowed root; check the app runs without it")
	default:
		setScalar(sc, "runAsNonRoot", boolNode(true))
		w.Changed(ControlPodSecurity, "runAsNonRoot", "", "runAsNonRoot set to true")
	}
	uid := f.RunAsUser
	ownIDs := everyContainerSetsIDs(w)
	switch v := manifest.LookupNumber(sc, "runAsUser"); {
	case v == "" && ownIDs:
		// every container runs as its own non-root user: a pod-level UID would change nothing
	case v == "":
		setScalar(sc, "runAsUser", intNode(f.RunAsUser))
		w.Changed(ControlPodSecurity, "runAsUser", "", fmt.Sprintf("runAsUser set to %d", f.RunAsUser))
	case v == "0":
		setScalar(sc, "runAsUser", intNode(f.RunAsUser))
		w.ChangedRisky(ControlPodSecurity, "runAsUser", "", fmt.Sprintf("runAsUser 0 (root) replaced by %d: check the app runs without root", f.RunAsUser))
	default:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			uid = n
		}
	}
	if manifest.LookupNumber(sc, "runAsGroup") == "" && !ownIDs {
		setScalar(sc, "runAsGroup", intNode(f.RunAsGroup))
		w.Changed(ControlPodSecurity, "runAsGroup", "", fmt.Sprintf("runAsGroup set to %d", f.RunAsGroup))
	}
	if manifest.LookupNumber(sc, "fsGroup") == "" {
		setScalar(sc, "fsGroup", intNode(f.FSGroup))
		w.Changed(ControlPodSecurity, "fsGroup", "", fmt.Sprintf("fsGroup set to %d", f.FSGroup))
	}
	if f.FSGroupChangePolicy != "" && manifest.LookupScalar(sc, "fsGroupChangePolicy") == "" {
		setScalar(sc, "fsGroupChangePolicy", strNode(f.FSGroupChangePolicy))
		w.Changed(ControlPodSecurity, "fsGroupChangePolicy", "", "fsGroupChangePolicy set to "+f.FSGroupChangePolicy)
	}
	if msg := setSeccomp(sc, false); msg != "" {
		w.Changed(ControlPodSecurity, "seccompProfile", "", msg)
	}
	for _, c := range w.ContainersFor(ControlPodSecurity) {
		csc := manifest.LookupMap(c.Node, "securityContext")
		if csc == nil {
			continue
		}
		if manifest.LookupNumber(csc, "runAsUser") == "0" {
			setScalar(csc, "runAsUser", intNode(uid))
			w.ChangedRisky(ControlPodSecurity, "runAsUser", c.Name, fmt.Sprintf("runAsUser 0 (root) replaced by %d: check the container runs without root", uid)+chownHint(c))
		}
		if msg := setSeccomp(csc, true); msg != "" {
			w.Changed(ControlPodSecurity, "seccompProfile", c.Name, msg)
		}
	}
}

// chownHint explains what to do about a root container that changes file
// ownership (a chart's "volume permissions" init container): without root
// it fails, and fsGroup already gives the volumes to the pod's group.
func chownHint(c Container) string {
	for _, field := range []string{"command", "args"} {
		for _, a := range manifest.LookupSeq(c.Node, field) {
			if strings.Contains(a.Value, "chown") || strings.Contains(a.Value, "chmod") {
				return "; it runs chown/chmod, which fails without root: fsGroup already makes the volumes writable, so switch this init container off in the chart's values (often volumePermissions.enabled or initChownData.enabled)"
			}
		}
	}
	return ""
}

// everyContainerSetsIDs reports whether each container sets its own
// non-zero runAsUser and a runAsGroup, as Bitnami charts do.
func everyContainerSetsIDs(w *Workload) bool {
	cs := w.Containers()
	for _, c := range cs {
		uid := manifest.LookupNumber(c.Node, "securityContext", "runAsUser")
		if uid == "" || uid == "0" || manifest.LookupNumber(c.Node, "securityContext", "runAsGroup") == "" {
			return false
		}
	}
	return len(cs) > 0
}

// perContainer hardens the identity and seccomp profile of each container
// that is not exempt, when another container of the pod is: pod-level
// values would reach the exempt one too (a root container that inherits
// runAsNonRoot: true does not start).
func (f PodSecurity) perContainer(w *Workload) {
	podUID := manifest.LookupNumber(w.Spec, "securityContext", "runAsUser")
	podGID := manifest.LookupNumber(w.Spec, "securityContext", "runAsGroup")
	podSeccomp := manifest.LookupScalar(w.Spec, "securityContext", "seccompProfile", "type")
	for _, c := range w.ContainersFor(ControlPodSecurity) {
		sc := ensureMap(c.Node, "securityContext")
		switch uid := manifest.LookupNumber(sc, "runAsUser"); {
		case uid == "0":
			setScalar(sc, "runAsUser", intNode(f.RunAsUser))
			w.ChangedRisky(ControlPodSecurity, "runAsUser", c.Name, fmt.Sprintf("runAsUser 0 (root) replaced by %d: check the container runs without root", f.RunAsUser)+chownHint(c))
		case uid == "" && (podUID == "" || podUID == "0"):
			setScalar(sc, "runAsUser", intNode(f.RunAsUser))
			w.Changed(ControlPodSecurity, "runAsUser", c.Name, fmt.Sprintf("runAsUser set to %d", f.RunAsUser))
		}
		if manifest.LookupNumber(sc, "runAsGroup") == "" && podGID == "" {
			setScalar(sc, "runAsGroup", intNode(f.RunAsGroup))
			w.Changed(ControlPodSecurity, "runAsGroup", c.Name, fmt.Sprintf("runAsGroup set to %d", f.RunAsGroup))
		}
		if msg := setSeccomp(sc, podSeccomp == "RuntimeDefault" || podSeccomp == "Localhost"); msg != "" {
			w.Changed(ControlPodSecurity, "seccompProfile", c.Name, msg)
		}
	}
}

// setSeccomp gives sc a RuntimeDefault seccomp profile unless it has a
// Localhost or RuntimeDefault one. With onlyUnconfined it replaces only an
// Unconfined profile (containers inherit the pod's otherwise).
func setSeccomp(sc *yaml.RNode, onlyUnconfined bool) string {
	typ := manifest.LookupScalar(sc, "seccompProfile", "type")
	switch {
	case typ == "RuntimeDefault" || typ == "Localhost":
		return ""
	case typ == "Unconfined":
		setScalar(ensureMap(sc, "seccompProfile"), "type", strNode("RuntimeDefault"))
		return "seccompProfile Unconfined replaced by RuntimeDefault"
	case onlyUnconfined:
		return ""
	}
	sp := ensureMap(sc, "seccompProfile")
	setScalar(sp, "type", strNode("RuntimeDefault"))
	return "seccompProfile set to RuntimeDefault"
}
