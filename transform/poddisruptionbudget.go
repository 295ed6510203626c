package transform

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// PodDisruptionBudget adds a policy/v1 PodDisruptionBudget named
// <workload>-chartsec-pdb after each workload that runs two replicas or
// more (by spec.replicas, or by the minReplicas of a HorizontalPodAutoscaler
// of the stream), so a node drain never takes all its pods at once. It
// never adds a budget that allows no eviction: over one replica any budget
// would, so single-replica workloads get none. Workloads whose pods a
// budget of the stream already selects are left alone (several budgets over
// one pod make every eviction fail), as are DaemonSets, Jobs, bare Pods and
// Helm hooks. Every budget of the stream that allows no eviction at its
// workload's replica count is reported as a warning.
type PodDisruptionBudget struct {
	// MaxUnavailable ("1", "25%") or MinAvailable ("1", "50%"): set at most
	// one. With neither, budgets use maxUnavailable: 1, which allows one
	// eviction at any replica count.
	MaxUnavailable string `yaml:"maxUnavailable" json:"maxUnavailable"`
	MinAvailable   string `yaml:"minAvailable" json:"minAvailable"`
	// UnhealthyPodEvictionPolicy lets drains evict pods that are not ready
	// whatever the budget ("AlwaysAllow"), so a crash-looping app cannot
	// hold a node; "IfHealthyBudget" is Kubernetes' default; empty leaves
	// the field out.
	UnhealthyPodEvictionPolicy string `yaml:"unhealthyPodEvictionPolicy" json:"unhealthyPodEvictionPolicy"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = PodDisruptionBudget{}

// ControlPodDisruptionBudget is the control of the PodDisruptionBudget
// companions.
const ControlPodDisruptionBudget = "podDisruptionBudget"

var podDisruptionBudgetSection = Section{
	Key:   "podDisruptionBudget",
	Stage: Companion,
	Controls: []Control{{
		Name:       ControlPodDisruptionBudget,
		Does:       "a PodDisruptionBudget per workload with 2+ replicas (never one that blocks a drain)",
		ConfigKeys: []string{"podDisruptionBudget"},
		Setting: func(c Config) string {
			p := c.PodDisruptionBudget
			switch {
			case p.MinAvailable != "":
				return "minAvailable " + p.MinAvailable
			case p.MaxUnavailable != "":
				return "maxUnavailable " + p.MaxUnavailable
			}
			return "maxUnavailable 1"
		},
	}},
	Kinds: append([]string{"PodDisruptionBudget"}, companionKinds...),
	Defaults: func(c *Config) {
		c.PodDisruptionBudget = PodDisruptionBudget{UnhealthyPodEvictionPolicy: "AlwaysAllow"}
	},
	Validate: func(c Config) error { return c.PodDisruptionBudget.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.PodDisruptionBudget.Scope = s; return c.PodDisruptionBudget },
}

// budget is a disruption budget: maxUnavailable or minAvailable, and its
// value, a count or a percentage.
type budget struct {
	key   string // maxUnavailable or minAvailable
	value string
}

// parseBudgetValue reads "3" or "25%". ok is false for anything else.
func parseBudgetValue(s string) (n int, percent, ok bool) {
	s = strings.TrimSpace(s)
	if p, found := strings.CutSuffix(s, "%"); found {
		v, err := strconv.Atoi(p)
		return v, true, err == nil && v >= 0 && v <= 100
	}
	v, err := strconv.Atoi(s)
	return v, false, err == nil && v >= 0
}

// allowsEviction reports whether, with this many replicas, the budget lets
// a drain evict at least one pod, as the disruption controller computes it
// (percentages of maxUnavailable and minAvailable round up).
func (b budget) allowsEviction(replicas int) bool {
	n, percent, ok := parseBudgetValue(b.value)
	if !ok || replicas < 1 {
		return false
	}
	if b.key == "maxUnavailable" {
		return n > 0
	}
	minAvail := n
	if percent {
		minAvail = int(math.Ceil(float64(n) * float64(replicas) / 100))
	}
	return minAvail < replicas
}

func (b budget) String() string { return b.key + ": " + b.value }

func (b budget) valueNode() *yaml.Node {
	if n, percent, ok := parseBudgetValue(b.value); ok && !percent {
		return intNode(int64(n))
	}
	return strNode(b.value)
}

// configured is the budget the configuration asks for.
func (f PodDisruptionBudget) configured() budget {
	switch {
	case f.MaxUnavailable != "":
		return budget{"maxUnavailable", f.MaxUnavailable}
	case f.MinAvailable != "":
		return budget{"minAvailable", f.MinAvailable}
	}
	return budget{"maxUnavailable", "1"}
}

// Validate checks that the configured budget can ever allow an eviction.
func (f PodDisruptionBudget) Validate() error {
	if f.MaxUnavailable != "" && f.MinAvailable != "" {
		return fmt.Errorf("podDisruptionBudget: set maxUnavailable or minAvailable, not both")
	}
	for _, b := range []budget{{"maxUnavailable", f.MaxUnavailable}, {"minAvailable", f.MinAvailable}} {
		if b.value == "" {
			continue
		}
		n, percent, ok := parseBudgetValue(b.value)
		switch {
		case !ok:
			return fmt.Errorf("podDisruptionBudget.%s: %q is not a count or a percentage such as 1 or 25%%", b.key, b.value)
		case b.key == "maxUnavailable" && n == 0:
			return fmt.Errorf("podDisruptionBudget.maxUnavailable: %s allows no eviction and blocks node drains", b.value)
		case b.key == "minAvailable" && percent && n == 100:
			return fmt.Errorf("podDisruptionBudget.minAvailable: 100%% allows no eviction and blocks node drains")
		}
	}
	switch f.UnhealthyPodEvictionPolicy {
	case "", "AlwaysAllow", "IfHealthyBudget":
	default:
		return fmt.Errorf("podDisruptionBudget.unhealthyPodEvictionPolicy: %q is not AlwaysAllow, IfHealthyBudget or empty", f.UnhealthyPodEvictionPolicy)
	}
	return nil
}

// streamBudget is a PodDisruptionBudget of the stream, or one added.
type streamBudget struct {
	name, namespace string
	selector        *labelSelector
}

// Filter implements kio.Filter.
func (f PodDisruptionBudget) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	if !f.Scope.Enabled(ControlPodDisruptionBudget) {
		return nodes, nil
	}
	v := f.Scope.companionView(nodes)
	var budgets []streamBudget
	selectors := newSelectorIndex(v.pods)
	for _, n := range nodes {
		if kindOf(n) != "PodDisruptionBudget" || group(apiVersionOf(n)) != "policy" {
			continue
		}
		b := streamBudget{nameOf(n), namespaceOf(n), parseSelector(manifest.LookupMap(n, "spec", "selector"))}
		budgets = append(budgets, b)
		selectors.add(b.selector, b.namespace)
		f.warnIfBlocking(v, n)
	}
	out := newCompanionStream(nodes)
	for _, w := range f.Scope.Workloads(nodes, ControlPodDisruptionBudget) {
		if w.Hook || w.Replicas < 0 {
			continue // hooks, and kinds without replicas: DaemonSet, Job, CronJob, Pod
		}
		g := v.byDoc[w.Doc.YNode()]
		if g.duplicate {
			w.Found(ControlPodDisruptionBudget, "duplicate", report.Info, "", "the same object as an earlier document: its budget covers this one")
			continue
		}
		floor, hpa := v.minReplicas(g)
		if w.Replicas < 2 && (hpa == "" || floor < 2) {
			w.Found(ControlPodDisruptionBudget, "singleReplica", report.Info, "",
				fmt.Sprintf("%s: no PodDisruptionBudget added (over fewer than 2 replicas a budget blocks node drains)", replicaText(w.Replicas, floor, hpa)))
			continue
		}
		if g.mismatch {
			w.Found(ControlPodDisruptionBudget, "selectorMismatch", report.Warning, "",
				"its selector does not select its own pod template's labels (the API server will refuse it): no PodDisruptionBudget added")
			continue
		}
		if g.selector == nil {
			w.Found(ControlPodDisruptionBudget, "noLabels", report.Warning, "",
				"pod template has no labels, so no PodDisruptionBudget can select its pods: add labels to it")
			continue
		}
		if sel := selectors.selecting(g); len(sel) > 0 {
			w.Found(ControlPodDisruptionBudget, "covered", report.Info, "", "already selected by PodDisruptionBudget "+budgets[sel[0]].name)
			continue
		}
		if o, hookOnly := remainingOverlap(v, g); hookOnly {
			// Hooks get no budget, so this one is the only budget over their pods.
			w.Found(ControlPodDisruptionBudget, "overlap", report.Warning, "",
				fmt.Sprintf("its pod selector %s also selects the pods of %s %s%s: their labels are the same, so the budget counts them too", g.selector, kindOf(o.w.Doc), nameOf(o.w.Doc), hookNote(o)))
		} else if o != nil {
			w.Found(ControlPodDisruptionBudget, "overlap", report.Warning, "",
				fmt.Sprintf("no PodDisruptionBudget added: its pod selector %s also selects the pods of %s %s, and several budgets over one pod make evictions fail", g.selector, kindOf(o.w.Doc), nameOf(o.w.Doc)))
			continue
		}
		b := f.configured()
		if !b.allowsEviction(floor) {
			w.Found(ControlPodDisruptionBudget, "budgetBlocks", report.Warning, "",
				fmt.Sprintf("%s allows no eviction at %s: the budget uses maxUnavailable: 1 instead", b, replicaText(w.Replicas, floor, hpa)))
			b = budget{"maxUnavailable", "1"}
		}
		name := v.names.companionName("PodDisruptionBudget", g.namespace, nameOf(w.Doc), "-chartsec-pdb")
		var policy *yaml.Node
		if f.UnhealthyPodEvictionPolicy != "" {
			policy = strNode(f.UnhealthyPodEvictionPolicy)
		}
		doc := document("policy/v1", "PodDisruptionBudget", companionMeta(w.Doc, name), mapNode(
			field{b.key, b.valueNode()},
			field{"selector", g.selector.node()},
			field{"unhealthyPodEvictionPolicy", policy},
		))
		out.insertAfter(w.Doc, doc)
		budgets = append(budgets, streamBudget{name, g.namespace, g.selector})
		selectors.add(g.selector, g.namespace)
		w.Changed(ControlPodDisruptionBudget, "added", "",
			fmt.Sprintf("PodDisruptionBudget %s added: %s over %s", name, b, replicaText(w.Replicas, floor, hpa)))
	}
	return out.list(), nil
}

func replicaText(replicas, floor int, hpa string) string {
	if hpa != "" {
		return fmt.Sprintf("minReplicas %d of HorizontalPodAutoscaler %s", floor, hpa)
	}
	if replicas == 1 {
		return "1 replica"
	}
	return fmt.Sprintf("%d replicas", replicas)
}

// warnIfBlocking reports a budget of the stream that allows no eviction at
// the replica count of a workload it selects: draining a node that runs
// one of those pods never finishes.
func (f PodDisruptionBudget) warnIfBlocking(v *companionView, pdb *yaml.RNode) {
	if f.Scope.DocSkips(pdb, ControlPodDisruptionBudget) {
		return
	}
	var b budget
	switch {
	case manifest.LookupScalar(pdb, "spec", "maxUnavailable") != "":
		b = budget{"maxUnavailable", manifest.LookupScalar(pdb, "spec", "maxUnavailable")}
	case manifest.LookupScalar(pdb, "spec", "minAvailable") != "":
		b = budget{"minAvailable", manifest.LookupScalar(pdb, "spec", "minAvailable")}
	default:
		return
	}
	sel := parseSelector(manifest.LookupMap(pdb, "spec", "selector"))
	for _, g := range v.pods.selected(sel, namespaceOf(pdb)) {
		if g.w.Hook || g.w.Replicas < 0 {
			continue
		}
		floor, hpa := v.minReplicas(g)
		if floor < 1 || b.allowsEviction(floor) {
			continue
		}
		f.Scope.found(f.Scope.object(pdb), ControlPodDisruptionBudget, "blocksDrain", report.Warning,
			fmt.Sprintf("%s allows no eviction at %s of %s %s: node drains will hang (use maxUnavailable: 1)",
				b, replicaText(g.w.Replicas, floor, hpa), kindOf(g.w.Doc), nameOf(g.w.Doc)), "")
	}
}
