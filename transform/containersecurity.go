package transform

import (
	"strings"

	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ContainerSecurity sets the security context of every container, init
// container and ephemeral container: no privilege escalation, runAsNonRoot,
// a read-only root filesystem, and capabilities dropped to the allowed set.
// A chart's explicit readOnlyRootFilesystem: false is kept and reported:
// the chart says its app writes to its root filesystem.
type ContainerSecurity struct {
	// AllowedCapabilities may stay in capabilities.add; others are
	// dropped and reported. Pod Security "restricted" allows only
	// NET_BIND_SERVICE.
	AllowedCapabilities []string `yaml:"allowedCapabilities" json:"allowedCapabilities"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = ContainerSecurity{}

// Filter implements kio.Filter.
func (f ContainerSecurity) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	for _, w := range f.Scope.Workloads(nodes, ControlContainerSecurity) {
		if len(w.HostLevel()) > 0 || w.Windows() {
			continue
		}
		for _, c := range w.ContainersFor(ControlContainerSecurity) {
			f.harden(w, c)
		}
	}
	return nodes, nil
}

func (f ContainerSecurity) harden(w *Workload, c Container) {
	sc := ensureMap(c.Node, "securityContext")
	if lookupScalar(sc, "allowPrivilegeEscalation") != "false" {
		setScalar(sc, "allowPrivilegeEscalation", boolNode(false))
		w.Changed(ControlContainerSecurity, "allowPrivilegeEscalation", c.Name, "allowPrivilegeEscalation set to false")
	}
	if lookupScalar(sc, "runAsNonRoot") != "true" {
		setScalar(sc, "runAsNonRoot", boolNode(true))
		w.Changed(ControlContainerSecurity, "runAsNonRoot", c.Name, "runAsNonRoot set to true")
	}
	if f.Scope.Enabled(ControlReadOnlyRootFilesystem) && !w.SkipsContainer(ControlReadOnlyRootFilesystem, c.Name) && c.Kind != EphemeralContainer {
		switch lookupScalar(sc, "readOnlyRootFilesystem") {
		case "true":
		case "false":
			w.Found(ControlReadOnlyRootFilesystem, "chartWritableRoot", report.Warning, c.Name,
				"the chart sets readOnlyRootFilesystem: false; kept, since the app writes to its root filesystem (make those paths volumes to harden it)")
		default:
			setScalar(sc, "readOnlyRootFilesystem", boolNode(true))
			w.Changed(ControlReadOnlyRootFilesystem, "readOnlyRootFilesystem", c.Name, "readOnlyRootFilesystem set to true")
		}
	}
	if f.Scope.Enabled(ControlCapabilities) && !w.SkipsContainer(ControlCapabilities, c.Name) {
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
	if addField := caps.Field("add"); addField != nil && addField.Value.YNode().Kind == yaml.SequenceNode {
		add := addField.Value.YNode()
		var kept []*yaml.Node
		var removed []string
		for _, a := range add.Content {
			if allowed[normalizeCap(a.Value)] {
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
	if allowed["NET_BIND_SERVICE"] && lowPort(c.Node) {
		add := ensureSeq(caps, "add")
		has := false
		for _, a := range add.Content {
			has = has || normalizeCap(a.Value) == "NET_BIND_SERVICE"
		}
		if !has {
			appendScalar(add, "NET_BIND_SERVICE")
			w.Changed(ControlCapabilities, "netBindService", c.Name, "capabilities.add gets NET_BIND_SERVICE (it listens below port 1024)")
		}
	}
}

func normalizeCap(c string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
}

// lowPort reports whether a container declares a containerPort below 1024.
func lowPort(c *yaml.RNode) bool {
	for _, p := range lookupSeq(c, "ports") {
		n := atoiOr(lookupScalar(yaml.NewRNode(p), "containerPort"), 1024)
		if n > 0 && n < 1024 {
			return true
		}
	}
	return false
}
