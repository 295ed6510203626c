package transform

import (
	"fmt"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Resources fills in the cpu and memory requests and limits a container
// lacks. It never lowers or replaces a value the chart set, and keeps each
// request at or below its limit: a missing request under a chart's limit
// takes the limit (as Kubernetes would), a missing limit over a high chart
// request takes the
// request. Ephemeral containers take no resources and are left alone.
type Resources struct {
	Requests ResourceValues `yaml:"requests" json:"requests"`
	Limits   ResourceValues `yaml:"limits" json:"limits"`

	Scope *Scope `yaml:"-" json:"-"`
}

// ResourceValues are quantities such as "250m" or "256Mi"; empty leaves
// that resource out.
type ResourceValues struct {
	CPU    string `yaml:"cpu" json:"cpu"`
	Memory string `yaml:"memory" json:"memory"`
}

var _ kio.Filter = Resources{}

// ControlResources is the control of container requests and limits.
const ControlResources = "resources"

var resourcesSection = Section{
	Key:   "resources",
	Stage: Pod,
	Controls: []Control{{
		Name:       ControlResources,
		Does:       "fills missing cpu/memory requests and limits; never lowers a chart's value",
		ConfigKeys: []string{"resources"},
		Setting: func(c Config) string {
			r := c.Resources
			return fmt.Sprintf("requests cpu %s, memory %s; limits cpu %s, memory %s",
				orNone(r.Requests.CPU), orNone(r.Requests.Memory), orNone(r.Limits.CPU), orNone(r.Limits.Memory))
		},
		Rules: map[string]Rule{
			"requests": {"Container without resource requests", "Set resources.requests.cpu and memory so the scheduler can place the pod.", report.Warning},
			"limits":   {"Container without resource limits", "Set resources.limits.memory (and cpu if your platform wants it).", report.Warning},
		},
	}},
	Defaults: func(c *Config) {
		c.Resources = Resources{
			Requests: ResourceValues{CPU: "250m", Memory: "256Mi"},
			Limits:   ResourceValues{CPU: "500m", Memory: "512Mi"},
		}
	},
	Validate: func(c Config) error { return c.Resources.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.Resources.Scope = s; return c.Resources },
}

// Validate checks that every quantity parses and no default request is
// above its default limit.
func (f Resources) Validate() error {
	for _, r := range []struct{ key, req, lim string }{
		{"cpu", f.Requests.CPU, f.Limits.CPU}, {"memory", f.Requests.Memory, f.Limits.Memory},
	} {
		for _, v := range []struct{ key, val string }{{"requests." + r.key, r.req}, {"limits." + r.key, r.lim}} {
			if v.val == "" {
				continue
			}
			if _, err := resource.ParseQuantity(v.val); err != nil {
				return fmt.Errorf("resources.%s: %q is not a quantity", v.key, v.val)
			}
		}
		if req, lim := quantity(r.req), quantity(r.lim); req != nil && lim != nil && req.Cmp(*lim) > 0 {
			return fmt.Errorf("resources.requests.%s (%s) is above resources.limits.%s (%s)", r.key, r.req, r.key, r.lim)
		}
	}
	return nil
}

// Filter implements kio.Filter.
func (f Resources) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	for _, w := range f.Scope.Workloads(nodes, ControlResources) {
		for _, c := range w.ContainersFor(ControlResources) {
			if c.Kind == EphemeralContainer {
				continue
			}
			f.fill(w, c, "cpu", f.Requests.CPU, f.Limits.CPU)
			f.fill(w, c, "memory", f.Requests.Memory, f.Limits.Memory)
		}
	}
	return nodes, nil
}

func (f Resources) fill(w *Workload, c Container, key, defReq, defLim string) {
	res := manifest.LookupMap(c.Node, "resources")
	reqSet, limSet := manifest.LookupScalar(res, "requests", key), manifest.LookupScalar(res, "limits", key)
	req, lim := quantity(reqSet), quantity(limSet)
	if reqSet == "" && defReq != "" {
		v := resource.MustParse(defReq)
		if lim != nil {
			// Kubernetes defaults a missing request to the limit; writing
			// that down keeps the pod's QoS class as the chart had it.
			v = lim.DeepCopy()
		}
		res = ensureMap(c.Node, "resources")
		setScalar(ensureMap(res, "requests"), key, strNode(v.String()))
		w.Changed(ControlResources, "requests", c.Name, fmt.Sprintf("requests.%s set to %s", key, v.String()))
		req = &v
	}
	if limSet == "" && defLim != "" {
		v := resource.MustParse(defLim)
		if req != nil && req.Cmp(v) > 0 {
			v = req.DeepCopy()
		}
		res = ensureMap(c.Node, "resources")
		setScalar(ensureMap(res, "limits"), key, strNode(v.String()))
		w.Changed(ControlResources, "limits", c.Name, fmt.Sprintf("limits.%s set to %s", key, v.String()))
	}
}

func quantity(s string) *resource.Quantity {
	if s == "" {
		return nil
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return nil
	}
	return &q
}
