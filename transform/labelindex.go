package transform

import "slices"

// The companion filters match every workload against the stream's
// selectors (Services, policies, budgets) and every selector against the
// workloads. Trying each pair grows with the square of the workloads; these
// indexes try only the candidates that carry one label the selector
// requires: the rarest.

// nsLabel is a label in a namespace ("" for a document that leaves its
// namespace to the release).
type nsLabel struct {
	namespace string
	label     labelPair
}

// podIndex finds the groups whose pod templates carry a label.
type podIndex struct {
	all       []*podGroup
	byLabel   map[labelPair][]*podGroup // in every namespace
	byLabelNS map[nsLabel][]*podGroup
}

func newPodIndex(groups []*podGroup) *podIndex {
	x := &podIndex{all: groups, byLabel: map[labelPair][]*podGroup{}, byLabelNS: map[nsLabel][]*podGroup{}}
	for _, g := range groups {
		for _, l := range g.labels {
			x.byLabel[l] = append(x.byLabel[l], g)
			k := nsLabel{g.namespace, l}
			x.byLabelNS[k] = append(x.byLabelNS[k], g)
		}
	}
	return x
}

// count is how many groups that may share namespace's label carry it.
func (x *podIndex) count(namespace string, l labelPair) int {
	if namespace == "" {
		return len(x.byLabel[l])
	}
	return len(x.byLabelNS[nsLabel{namespace, l}]) + len(x.byLabelNS[nsLabel{"", l}])
}

// carrying returns, in stream order, the groups that may share namespace
// and carry label l.
func (x *podIndex) carrying(namespace string, l labelPair) []*podGroup {
	if namespace == "" {
		return x.byLabel[l]
	}
	a, b := x.byLabelNS[nsLabel{namespace, l}], x.byLabelNS[nsLabel{"", l}]
	if len(b) == 0 {
		return a
	}
	out := make([]*podGroup, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].order < b[0].order {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// rarest returns the label of sel's matchLabels that the fewest groups
// that may share namespace carry; ok is false when sel has no matchLabels.
func (x *podIndex) rarest(sel *labelSelector, namespace string) (l labelPair, ok bool) {
	best := -1
	for _, p := range sel.matchLabels {
		if c := x.count(namespace, p); best < 0 || c < best {
			l, best = p, c
		}
	}
	return l, best >= 0
}

// selected returns, in stream order, the groups that may share namespace
// whose pods sel selects.
func (x *podIndex) selected(sel *labelSelector, namespace string) []*podGroup {
	if sel == nil {
		return nil
	}
	candidates := x.all
	if l, ok := x.rarest(sel, namespace); ok {
		candidates = x.carrying(namespace, l)
	}
	var out []*podGroup
	for _, g := range candidates {
		if sameNamespace(g.namespace, namespace) && sel.matches(g.labelSet) {
			out = append(out, g)
		}
	}
	return out
}

// selectorIndex holds selectors of the stream, numbered in the order they
// are added, and finds those that select a group.
type selectorIndex struct {
	pods       *podIndex
	selectors  []*labelSelector
	namespaces []string
	byLabel    map[labelPair][]int
	byLabelNS  map[nsLabel][]int
	always     []int // selectors without matchLabels: tried on every group
}

func newSelectorIndex(pods *podIndex) *selectorIndex {
	return &selectorIndex{pods: pods, byLabel: map[labelPair][]int{}, byLabelNS: map[nsLabel][]int{}}
}

// add numbers a selector of a document in namespace; a nil one selects
// nothing.
func (x *selectorIndex) add(sel *labelSelector, namespace string) {
	i := len(x.selectors)
	x.selectors = append(x.selectors, sel)
	x.namespaces = append(x.namespaces, namespace)
	if sel == nil {
		return
	}
	l, ok := x.pods.rarest(sel, namespace)
	if !ok {
		x.always = append(x.always, i)
		return
	}
	x.byLabel[l] = append(x.byLabel[l], i)
	k := nsLabel{namespace, l}
	x.byLabelNS[k] = append(x.byLabelNS[k], i)
}

// selecting returns, in the order they were added, the numbers of the
// selectors that select g's pods.
func (x *selectorIndex) selecting(g *podGroup) []int {
	candidates := append([]int{}, x.always...)
	for _, l := range g.labels {
		if g.namespace == "" {
			candidates = append(candidates, x.byLabel[l]...)
			continue
		}
		candidates = append(candidates, x.byLabelNS[nsLabel{g.namespace, l}]...)
		candidates = append(candidates, x.byLabelNS[nsLabel{"", l}]...)
	}
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	out := candidates[:0]
	for _, i := range candidates {
		if sameNamespace(x.namespaces[i], g.namespace) && x.selectors[i].matches(g.labelSet) {
			out = append(out, i)
		}
	}
	return out
}
