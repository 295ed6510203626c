package transform

import (
	"fmt"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"path"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// WritableDirs gives containers whose root filesystem is not read-only yet
// an emptyDir volume at each path they must still write to: /tmp by
// default, plus paths chosen per container name or image. It adds no mount
// where one exists at that path or at a parent of it, and it leaves alone
// containers that already set readOnlyRootFilesystem: true themselves.
type WritableDirs struct {
	// Paths every container gets.
	Paths []string `yaml:"paths" json:"paths"`
	// Rules add paths for containers that match by name or image.
	Rules []WritableDirRule `yaml:"rules" json:"rules"`
	// SizeLimit, when set, bounds each emptyDir (e.g. "1Gi").
	SizeLimit string `yaml:"sizeLimit,omitempty" json:"sizeLimit,omitempty"`

	Scope *Scope `yaml:"-" json:"-"`
}

// WritableDirRule adds Paths to containers whose name and image match the
// globs ("*" matches any run of characters, "/" included).
type WritableDirRule struct {
	Container string   `yaml:"container,omitempty" json:"container,omitempty"`
	Image     string   `yaml:"image,omitempty" json:"image,omitempty"`
	Paths     []string `yaml:"paths" json:"paths"`
}

var _ kio.Filter = WritableDirs{}

// ControlWritableDirs is the control of the emptyDir volumes a read-only
// root needs.
const ControlWritableDirs = "writableDirs"

var writableDirsSection = Section{
	Key:   "writableDirs",
	Stage: Pod,
	// It mounts volumes only where the root filesystem is not read-only yet.
	Before: []string{"containerSecurity"},
	Controls: []Control{{
		Name:       ControlWritableDirs,
		Does:       "an emptyDir where a read-only root must be written to (never over an existing mount)",
		ConfigKeys: []string{"writableDirs"},
		Setting: func(c Config) string {
			s := "paths " + list(c.WritableDirs.Paths)
			for _, r := range c.WritableDirs.Rules {
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
		},
		Rules: map[string]Rule{
			"emptyDir": {"Writable directory for a read-only root", "An emptyDir is mounted where the app must write (default /tmp).", report.Info},
		},
	}},
	Defaults: func(c *Config) {
		c.WritableDirs = WritableDirs{
			Paths: []string{"/tmp"},
			Rules: []WritableDirRule{
				{Image: "*nginx*", Paths: []string{"/var/cache/nginx", "/run"}},
				{Image: "*kibana*", Paths: []string{"/usr/share/kibana/data", "/usr/share/kibana/logs"}},
			},
		}
	},
	Validate: func(c Config) error { return c.WritableDirs.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.WritableDirs.Scope = s; return c.WritableDirs },
}

// Validate reports the first setting that cannot work, naming its key.
func (f WritableDirs) Validate() error {
	for _, wp := range f.Paths {
		if !path.IsAbs(wp) || path.Clean(wp) == "/" {
			return fmt.Errorf("writableDirs.paths: %q is not an absolute directory below /", wp)
		}
	}
	for i, r := range f.Rules {
		for _, wp := range r.Paths {
			if !path.IsAbs(wp) || path.Clean(wp) == "/" {
				return fmt.Errorf("writableDirs.rules[%d].paths: %q is not an absolute directory below /", i, wp)
			}
		}
	}
	if f.SizeLimit != "" && quantity(f.SizeLimit) == nil {
		return fmt.Errorf("writableDirs.sizeLimit: %q is not a quantity", f.SizeLimit)
	}
	return nil
}

// Filter implements kio.Filter.
func (f WritableDirs) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlReadOnlyRootFilesystem) || !f.Scope.Enabled(ControlContainerSecurity) {
		return nodes, nil
	}
	for _, w := range f.Scope.Workloads(nodes, ControlWritableDirs) {
		if len(w.HostLevel()) > 0 || w.Windows() || w.Skips(ControlContainerSecurity) {
			continue
		}
		volumes := map[string]string{} // path -> volume name added in this pod
		for _, c := range w.ContainersFor(ControlWritableDirs) {
			if c.Kind == EphemeralContainer || isTrue(c.Node, "securityContext", "readOnlyRootFilesystem") ||
				w.SkipsContainer(ControlReadOnlyRootFilesystem, c.Name) || w.SkipsContainer(ControlContainerSecurity, c.Name) {
				continue
			}
			for _, p := range f.pathsFor(c) {
				if mountedAt(c.Node, p) {
					continue
				}
				name, ok := volumes[p]
				if !ok {
					name = f.addVolume(w.Spec, p)
					volumes[p] = name
				}
				mounts := ensureSeq(c.Node, "volumeMounts")
				m := yaml.NewMapRNode(nil)
				setScalar(m, "name", strNode(name))
				setScalar(m, "mountPath", strNode(p))
				mounts.Content = append(mounts.Content, m.YNode())
				w.Changed(ControlWritableDirs, "emptyDir", c.Name, fmt.Sprintf("writable emptyDir %s mounted at %s", name, p))
			}
		}
	}
	return nodes, nil
}

func (f WritableDirs) pathsFor(c Container) []string {
	var out []string
	seen := map[string]bool{}
	add := func(ps []string) {
		for _, p := range ps {
			p = path.Clean(p)
			if !seen[p] && path.IsAbs(p) && p != "/" {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	add(f.Paths)
	image := manifest.LookupScalar(c.Node, "image")
	for _, r := range f.Rules {
		if globMatch(r.Container, c.Name) && globMatch(r.Image, image) {
			add(r.Paths)
		}
	}
	return out
}

// mountedAt reports whether the container mounts a volume at p or at a
// parent of p.
func mountedAt(c *yaml.RNode, p string) bool {
	for _, m := range manifest.LookupSeq(c, "volumeMounts") {
		mp := manifest.LookupScalar(yaml.NewRNode(m), "mountPath")
		if mp == "" {
			continue
		}
		mp = path.Clean(mp)
		if mp == p || mp == "/" || strings.HasPrefix(p, mp+"/") {
			return true
		}
	}
	return false
}

var notDNS = regexp.MustCompile(`[^a-z0-9]+`)

// addVolume adds an emptyDir for p to the pod spec under a name no other
// volume has, and returns the name.
func (f WritableDirs) addVolume(spec *yaml.RNode, p string) string {
	base := "chartsec" + strings.TrimRight("-"+strings.Trim(notDNS.ReplaceAllString(strings.ToLower(p), "-"), "-"), "-")
	if len(base) > 55 {
		base = strings.TrimRight(base[:55], "-")
	}
	vols := ensureSeq(spec, "volumes")
	taken := map[string]bool{}
	for _, v := range vols.Content {
		taken[manifest.LookupScalar(yaml.NewRNode(v), "name")] = true
	}
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	v := yaml.NewMapRNode(nil)
	setScalar(v, "name", strNode(name))
	ed := ensureMap(v, "emptyDir")
	if f.SizeLimit != "" {
		setScalar(ed, "sizeLimit", strNode(f.SizeLimit))
	}
	vols.Content = append(vols.Content, v.YNode())
	return name
}
