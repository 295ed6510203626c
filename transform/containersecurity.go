package transform

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ContainerSecurity sets the security context of every container, init
// container and ephemeral container: no privilege escalation, runAsNonRoot,
// a read-only root filesystem, and capabilities dropped to the allowed set.
// A chart's explicit readOnlyRootFilesystem: false is kept and reported
// (the chart says its app writes to its root filesystem) unless
// ForceReadOnlyRootFilesystem is set.
type ContainerSecurity struct {
	// AllowedCapabilities may stay in capabilities.add; others are
	// dropped and reported. Pod Security "restricted" allows only
	// NET_BIND_SERVICE.
	AllowedCapabilities []string `yaml:"allowedCapabilities" json:"allowedCapabilities"`
	// ForceReadOnlyRootFilesystem also replaces a chart's explicit
	// readOnlyRootFilesystem: false; the app then has only writableDirs
	// (and its volumes) to write to.
	ForceReadOnlyRootFilesystem bool `yaml:"forceReadOnlyRootFilesystem" json:"forceReadOnlyRootFilesystem"`
	// WritableRootImages are images (globs) known to write outside any
	// volume at start-up (Elasticsearch's keystore and logs): their root
	// filesystem stays writable, and that is reported.
	WritableRootImages []string `yaml:"writableRootImages" json:"writableRootImages"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = ContainerSecurity{}

// The controls of the container security context.
const (
	ControlContainerSecurity      = "containerSecurity"
	ControlReadOnlyRootFilesystem = "readOnlyRootFilesystem"
	ControlCapabilities           = "capabilities"
)

var containerSecuritySection = Section{
	Key:   "containerSecurity",
	Stage: Pod,
	Controls: []Control{{
		Name: ControlContainerSecurity,
		Does: "allowPrivilegeEscalation: false and runAsNonRoot: true on every container",
		Rules: map[string]Rule{
			"allowPrivilegeEscalation": {"Container may escalate privileges", "Set securityContext.allowPrivilegeEscalation: false; restricted requires it.", report.Warning},
			"runAsNonRoot":             {"Container does not require a non-root user", "Set securityContext.runAsNonRoot: true, or leave it to the pod.", report.Info},
		},
	}, {
		Name:       ControlReadOnlyRootFilesystem,
		Does:       "readOnlyRootFilesystem: true; a chart's explicit false is kept and reported",
		ConfigKeys: []string{"containerSecurity.forceReadOnlyRootFilesystem", "containerSecurity.writableRootImages"},
		Setting: func(c Config) string {
			return fmt.Sprintf("%t, %s", c.ContainerSecurity.ForceReadOnlyRootFilesystem, list(c.ContainerSecurity.WritableRootImages))
		},
		Rules: map[string]Rule{
			"readOnlyRootFilesystem": {"Writable root filesystem", "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the app writes.", report.Warning},
			"writableRootImage":      {"Image known to write to its root filesystem", "The image writes outside any volume at start-up; its root filesystem stays writable. Remove it from containerSecurity.writableRootImages once those paths are volumes.", report.Warning},
			"chartWritableRoot":      {"Chart asks for a writable root filesystem", "The chart sets readOnlyRootFilesystem: false; make the paths the app writes to volumes, then set it to true.", report.Warning},
		},
	}, {
		Name:       ControlCapabilities,
		Does:       "capabilities drop: [ALL]; add keeps only the allowed ones; NET_BIND_SERVICE and the port sysctl for ports below 1024",
		ConfigKeys: []string{"containerSecurity.allowedCapabilities"},
		Setting:    func(c Config) string { return list(c.ContainerSecurity.AllowedCapabilities) },
		Rules: map[string]Rule{
			"dropAll":           {"Capabilities not dropped", "Set securityContext.capabilities.drop: [ALL]; restricted requires it.", report.Warning},
			"addNotAllowed":     {"Capability added that restricted forbids", "Only NET_BIND_SERVICE may be added under restricted; remove the others or exempt the container.", report.Warning},
			"capabilityName":    {"Capability spelled with CAP_ or in lower case", "Pod Security Standards and the container runtimes expect the bare upper-case name, e.g. NET_BIND_SERVICE.", report.Warning},
			"unprivilegedPorts": {"Low port for a non-root user", "The pod sysctl net.ipv4.ip_unprivileged_port_start lets a non-root process bind the container's port below 1024; NET_BIND_SERVICE alone does not (kubernetes#56374).", report.Info},
			"netBindService":    {"Port below 1024 without NET_BIND_SERVICE", "A non-root container needs NET_BIND_SERVICE to listen below 1024.", report.Info},
		},
	}},
	Defaults: func(c *Config) {
		c.ContainerSecurity = ContainerSecurity{
			AllowedCapabilities: []string{"NET_BIND_SERVICE"},
			WritableRootImages:  []string{"*elasticsearch*", "*opensearch*"},
		}
	},
	Validate: func(c Config) error { return c.ContainerSecurity.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.ContainerSecurity.Scope = s; return c.ContainerSecurity },
}

// Validate reports the first setting that cannot work, naming its key.
func (f ContainerSecurity) Validate() error {
	for _, cp := range f.AllowedCapabilities {
		if strings.TrimSpace(cp) == "" || strings.ContainsAny(cp, " ,") {
			return fmt.Errorf("containerSecurity.allowedCapabilities: %q is not a capability name", cp)
		}
	}
	return nil
}

// Filter implements kio.Filter.
func (f ContainerSecurity) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	for _, w := range f.Scope.Workloads(nodes, ControlContainerSecurity) {
		if w.Windows() {
			continue
		}
		host := len(w.HostLevel()) > 0
		for _, c := range w.ContainersFor(ControlContainerSecurity) {
			if host {
				f.hardenHostLevel(w, c)
			} else {
				f.harden(w, c)
			}
		}
	}
	return nodes, nil
}

// hardenHostLevel applies to a non-privileged container of a host-level
// pod what keeps node agents working: no privilege escalation (unless the
// chart asked for it), a RuntimeDefault seccomp profile where neither pod
// nor container has one, and dropping all capabilities for a container
// that runs as a non-root user and so holds none it could need (the
// chart's own add list stays). Identity and filesystem stay as they are.
func (f ContainerSecurity) hardenHostLevel(w *Workload, c Container) {
	if isTrue(c.Node, "securityContext", "privileged") {
		return
	}
	const why = " (host-level pod: only what keeps node agents working)"
	if manifest.LookupScalar(c.Node, "securityContext", "allowPrivilegeEscalation") == "" {
		setScalar(ensureMap(c.Node, "securityContext"), "allowPrivilegeEscalation", boolNode(false))
		w.Changed(ControlContainerSecurity, "allowPrivilegeEscalation", c.Name, "allowPrivilegeEscalation set to false"+why)
	}
	if manifest.LookupScalar(c.Node, "securityContext", "seccompProfile", "type") == "" && manifest.LookupScalar(w.Spec, "securityContext", "seccompProfile", "type") == "" {
		sp := ensureMap(ensureMap(c.Node, "securityContext"), "seccompProfile")
		setScalar(sp, "type", strNode("RuntimeDefault"))
		w.Changed(ControlContainerSecurity, "seccompProfile", c.Name, "seccompProfile set to RuntimeDefault"+why)
	}
	uid := manifest.LookupNumber(c.Node, "securityContext", "runAsUser")
	if uid == "" {
		uid = manifest.LookupNumber(w.Spec, "securityContext", "runAsUser")
	}
	if uid == "" || uid == "0" || w.SkipsContainer(ControlCapabilities, c.Name) {
		return
	}
	if !scalarIn(manifest.LookupSeq(c.Node, "securityContext", "capabilities", "drop"), "ALL") {
		appendScalar(ensureSeq(ensureMap(ensureMap(c.Node, "securityContext"), "capabilities"), "drop"), "ALL")
		w.Changed(ControlCapabilities, "dropAll", c.Name, "capabilities.drop gets ALL (runs as user "+uid+")"+why)
	}
}

func (f ContainerSecurity) harden(w *Workload, c Container) {
	sc := ensureMap(c.Node, "securityContext")
	if !isFalse(sc, "allowPrivilegeEscalation") {
		setScalar(sc, "allowPrivilegeEscalation", boolNode(false))
		w.Changed(ControlContainerSecurity, "allowPrivilegeEscalation", c.Name, "allowPrivilegeEscalation set to false")
	}
	// runAsNonRoot is identity: a container exempt from podSecurity may run
	// as root (a run that switches podSecurity off still gets runAsNonRoot).
	if !w.exemptsContainer(ControlPodSecurity, c.Name) {
		switch v, set := manifest.LookupBool(sc, "runAsNonRoot"); {
		case set && v:
		case set:
			setScalar(sc, "runAsNonRoot", boolNode(true))
			w.ChangedRisky(ControlContainerSecurity, "runAsNonRoot", c.Name, "runAsNonRoot false replaced by true: the chart allowed root; check the container runs without it")
		default:
			setScalar(sc, "runAsNonRoot", boolNode(true))
			w.Changed(ControlContainerSecurity, "runAsNonRoot", c.Name, "runAsNonRoot set to true")
		}
	}
	if !w.SkipsContainer(ControlReadOnlyRootFilesystem, c.Name) && c.Kind != EphemeralContainer {
		switch v, set := manifest.LookupBool(sc, "readOnlyRootFilesystem"); {
		case set && v:
		case set:
			if f.ForceReadOnlyRootFilesystem {
				setScalar(sc, "readOnlyRootFilesystem", boolNode(true))
				w.ChangedRisky(ControlReadOnlyRootFilesystem, "readOnlyRootFilesystem", c.Name,
					"readOnlyRootFilesystem false replaced by true (forceReadOnlyRootFilesystem): check the app writes only to its volumes")
				break
			}
			w.Found(ControlReadOnlyRootFilesystem, "chartWritableRoot", report.Warning, c.Name,
				"the chart sets readOnlyRootFilesystem: false; kept, since the app writes to its root filesystem "+
					"(make those paths writableDirs, then set containerSecurity.forceReadOnlyRootFilesystem, or exempt it)")
		default:
			if image := manifest.LookupScalar(c.Node, "image"); matchesAny(f.WritableRootImages, image) {
				w.Found(ControlReadOnlyRootFilesystem, "writableRootImage", report.Warning, c.Name,
					"image "+image+" writes outside its volumes at start-up: root filesystem left writable (containerSecurity.writableRootImages)")
				break
			}
			setScalar(sc, "readOnlyRootFilesystem", boolNode(true))
			w.Changed(ControlReadOnlyRootFilesystem, "readOnlyRootFilesystem", c.Name, "readOnlyRootFilesystem set to true")
		}
	}
	if !w.SkipsContainer(ControlCapabilities, c.Name) {
		f.capabilities(w, c, sc)
	}
}

func (f ContainerSecurity) capabilities(w *Workload, c Container, sc *yaml.RNode) {
	caps := ensureMap(sc, "capabilities")
	drop := ensureSeq(caps, "drop")
	if !scalarIn(drop.Content, "ALL") {
		appendScalar(drop, "ALL")
		w.Changed(ControlCapabilities, "dropAll", c.Name, "capabilities.drop gets ALL")
	}
	allowed := map[string]bool{}
	for _, a := range f.AllowedCapabilities {
		allowed[normalizeCap(a)] = true
	}
	if add := manifest.Lookup(caps, "add"); add != nil && add.Kind == yaml.SequenceNode {
		var kept []*yaml.Node
		var removed []string
		for _, a := range add.Content {
			if name := normalizeCap(a.Value); allowed[name] {
				if a.Value != name {
					// Pod Security Standards and the runtimes want the bare name.
					w.Changed(ControlCapabilities, "capabilityName", c.Name, "capabilities.add "+a.Value+" written as "+name)
					a.Value = name
				}
				kept = append(kept, a)
			} else {
				removed = append(removed, a.Value)
			}
		}
		if len(removed) > 0 {
			add.Content = kept
			if len(kept) == 0 {
				caps.Pipe(yaml.Clear("add"))
			}
			w.ChangedRisky(ControlCapabilities, "addNotAllowed", c.Name,
				"capabilities.add dropped "+strings.Join(removed, ", ")+" (not in allowedCapabilities): check the container works without")
		}
	}
	if low := lowestPort(c.Node); allowed["NET_BIND_SERVICE"] && low < 1024 {
		add := ensureSeq(caps, "add")
		has := false
		for _, a := range add.Content {
			has = has || normalizeCap(a.Value) == "NET_BIND_SERVICE"
		}
		if !has {
			appendScalar(add, "NET_BIND_SERVICE")
			w.Changed(ControlCapabilities, "netBindService", c.Name, "capabilities.add gets NET_BIND_SERVICE (it listens below port 1024)")
		}
		unprivilegedPorts(w, c.Name, low)
	}
}

// unprivilegedPorts lets a non-root process bind the container's low
// ports: an added capability never reaches the effective set of a
// non-root process (no ambient capabilities, and no_new_privs blocks file
// capabilities; kubernetes#56374). The pod's own network namespace takes
// the safe sysctl net.ipv4.ip_unprivileged_port_start instead, set to the
// lowest port declared; a value the chart set stays unless it is higher.
func unprivilegedPorts(w *Workload, container string, low int) {
	const name = "net.ipv4.ip_unprivileged_port_start"
	sc := ensureMap(w.Spec, "securityContext")
	sysctls := ensureSeq(sc, "sysctls")
	for _, s := range sysctls.Content {
		rn := yaml.NewRNode(s)
		if manifest.LookupScalar(rn, "name") != name {
			continue
		}
		if v := atoiOr(manifest.LookupScalar(rn, "value"), 1024); v > low {
			setScalar(rn, "value", strNode(strconv.Itoa(low)))
			w.Changed(ControlCapabilities, "unprivilegedPorts", container, name+" lowered to "+strconv.Itoa(low)+" (it listens on that port as a non-root user)")
		}
		return
	}
	m := yaml.NewMapRNode(nil)
	setScalar(m, "name", strNode(name))
	setScalar(m, "value", strNode(strconv.Itoa(low)))
	sysctls.Content = append(sysctls.Content, m.YNode())
	w.Changed(ControlCapabilities, "unprivilegedPorts", container, name+" set to "+strconv.Itoa(low)+" (a non-root user cannot use NET_BIND_SERVICE to listen on port "+strconv.Itoa(low)+")")
}

func normalizeCap(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// lowestPort is the lowest containerPort a container declares, or 1024
// when none is below that.
func lowestPort(c *yaml.RNode) int {
	low := 1024
	for _, p := range manifest.LookupSeq(c, "ports") {
		if n := atoiOr(manifest.LookupScalar(yaml.NewRNode(p), "containerPort"), 1024); n > 0 && n < low {
			low = n
		}
	}
	return low
}

func matchesAny(globs []string, s string) bool {
	for _, g := range globs {
		if g != "" && globMatch(g, s) {
			return true
		}
	}
	return false
}
