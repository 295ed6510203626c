package transform

import (
	"fmt"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// LimitRange adds one v1 LimitRange, named <release>-chartsec-limits, with
// container defaults, minimums and maximums, so that containers created in
// the namespace later (by operators, or by kubectl run) get resources too.
// It is off by default: a LimitRange governs the whole namespace, other
// releases included. It follows the stream's first workload and takes its
// namespace; a stream that already holds a LimitRange gets none.
type LimitRange struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Default are the limits of containers that set none, and
	// DefaultRequest their requests; an empty value takes the resources
	// section's limits and requests.
	Default        ResourceValues `yaml:"default" json:"default"`
	DefaultRequest ResourceValues `yaml:"defaultRequest" json:"defaultRequest"`
	// Min and Max bound every container; empty values are left out.
	Min ResourceValues `yaml:"min" json:"min"`
	Max ResourceValues `yaml:"max" json:"max"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = LimitRange{}

// ControlLimitRange is the control of the release's LimitRange.
const ControlLimitRange = "limitRange"

var limitRangeSection = Section{
	Key:   "limitRange",
	Stage: Companion,
	Controls: []Control{{
		Name:       ControlLimitRange,
		Does:       "one LimitRange for the release",
		ConfigKeys: []string{"limitRange"},
		Setting:    func(c Config) string { return fmt.Sprintf("enabled %t", c.LimitRange.Enabled) },
		SwitchedOn: func(c Config) bool { return c.LimitRange.Enabled },
	}},
	Kinds: append([]string{"LimitRange"}, companionKinds...),
	Validate: func(c Config) error {
		if !c.LimitRange.Enabled {
			return nil
		}
		return c.LimitRange.WithDefaults(c.Resources).Validate()
	},
	Filter: func(c Config, s *Scope) kio.Filter {
		f := c.LimitRange.WithDefaults(c.Resources)
		f.Scope = s
		return f
	},
}

// WithDefaults fills the empty Default and DefaultRequest values from the
// resources section.
func (f LimitRange) WithDefaults(r Resources) LimitRange {
	fill := func(v *ResourceValues, from ResourceValues) {
		if v.CPU == "" {
			v.CPU = from.CPU
		}
		if v.Memory == "" {
			v.Memory = from.Memory
		}
	}
	fill(&f.Default, r.Limits)
	fill(&f.DefaultRequest, r.Requests)
	return f
}

// Validate checks the quantities and their order, which the API server
// enforces: min <= defaultRequest <= default <= max.
func (f LimitRange) Validate() error {
	for _, v := range []struct {
		key string
		rv  ResourceValues
	}{{"default", f.Default}, {"defaultRequest", f.DefaultRequest}, {"min", f.Min}, {"max", f.Max}} {
		for _, q := range []struct{ name, val string }{{"cpu", v.rv.CPU}, {"memory", v.rv.Memory}} {
			if q.val != "" && quantity(q.val) == nil {
				return fmt.Errorf("limitRange.%s.%s: %q is not a quantity", v.key, q.name, q.val)
			}
		}
	}
	for _, r := range []struct {
		name               string
		min, req, lim, max string
	}{
		{"cpu", f.Min.CPU, f.DefaultRequest.CPU, f.Default.CPU, f.Max.CPU},
		{"memory", f.Min.Memory, f.DefaultRequest.Memory, f.Default.Memory, f.Max.Memory},
	} {
		order := []struct{ key, val string }{{"min", r.min}, {"defaultRequest", r.req}, {"default", r.lim}, {"max", r.max}}
		for i := range order {
			for j := i + 1; j < len(order); j++ {
				a, b := quantity(order[i].val), quantity(order[j].val)
				if a != nil && b != nil && a.Cmp(*b) > 0 {
					return fmt.Errorf("limitRange.%s.%s (%s) is above limitRange.%s.%s (%s)",
						order[i].key, r.name, order[i].val, order[j].key, r.name, order[j].val)
				}
			}
		}
	}
	return nil
}

// Filter implements kio.Filter.
func (f LimitRange) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Enabled || !f.Scope.Enabled(ControlLimitRange) {
		return nodes, nil
	}
	var anchor *Workload
	for _, n := range nodes {
		if kindOf(n) == "LimitRange" && apiVersionOf(n) == "v1" {
			f.Scope.found(f.Scope.object(n), ControlLimitRange, "present", report.Info, "the stream has a LimitRange: none added", "")
			return nodes, nil
		}
		if anchor == nil {
			if w := f.Scope.Workload(n); w != nil && !w.Hook {
				anchor = w
			}
		}
	}
	if anchor == nil {
		return nodes, nil
	}
	limits := mapNode(
		field{"type", strNode("Container")},
		field{"default", resourceNode(f.Default)},
		field{"defaultRequest", resourceNode(f.DefaultRequest)},
		field{"min", resourceNode(f.Min)},
		field{"max", resourceNode(f.Max)},
	)
	base := "chartsec"
	if inst := manifest.LookupScalar(anchor.Doc, "metadata", "labels", "app.kubernetes.io/instance"); inst != "" {
		base = inst + "-chartsec"
	}
	name := f.Scope.docNames(nodes).companionName("LimitRange", namespaceOf(anchor.Doc), base, "-limits")
	doc := document("v1", "LimitRange", companionMeta(anchor.Doc, name, "app.kubernetes.io/instance", "app.kubernetes.io/managed-by"),
		mapNode(field{"limits", seqNode(limits)}))
	f.Scope.changed(addedObject(anchor.Object, "LimitRange", name), ControlLimitRange, "added",
		"LimitRange "+name+" added: container defaults, min and max for the namespace")
	out := newCompanionStream(nodes)
	out.insertAfter(anchor.Doc, doc)
	return out.list(), nil
}

// resourceNode writes cpu and memory quantities, or nil when both are empty.
func resourceNode(v ResourceValues) *yaml.Node {
	var fields []field
	if v.CPU != "" {
		fields = append(fields, field{"cpu", strNode(v.CPU)})
	}
	if v.Memory != "" {
		fields = append(fields, field{"memory", strNode(v.Memory)})
	}
	if len(fields) == 0 {
		return nil
	}
	return mapNode(fields...)
}
