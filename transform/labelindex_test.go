package transform

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestLabelIndexesAgreeWithScanning: the indexes find exactly what trying
// every workload against every selector finds, in the same order, across
// namespaces ("" is the release's, which may be any) and selector forms.
func TestLabelIndexesAgreeWithScanning(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 13))
	namespaces := []string{"", "a", "b"}
	pair := func() labelPair {
		return labelPair{[]string{"app", "tier", "release"}[rng.IntN(3)], []string{"x", "y", "z"}[rng.IntN(3)]}
	}
	selector := func() *labelSelector {
		switch rng.IntN(6) {
		case 0:
			return nil
		case 1:
			return &labelSelector{}
		case 2:
			return &labelSelector{exprs: []selectorExpr{{key: "tier", operator: "NotIn", values: []string{"x"}}}}
		}
		s := &labelSelector{}
		for range 1 + rng.IntN(2) {
			s.matchLabels = append(s.matchLabels, pair())
		}
		if rng.IntN(3) == 0 {
			s.exprs = []selectorExpr{{key: "app", operator: "Exists"}}
		}
		return s
	}
	for round := range 200 {
		var groups []*podGroup
		for i := range rng.IntN(12) {
			g := &podGroup{namespace: namespaces[rng.IntN(3)], order: i, labelSet: map[string]string{}}
			for range rng.IntN(4) {
				if p := pair(); g.labelSet[p.key] == "" {
					g.labels = append(g.labels, p)
					g.labelSet[p.key] = p.value
				}
			}
			groups = append(groups, g)
		}
		pods := newPodIndex(groups)
		sels := newSelectorIndex(pods)
		var selectors []*labelSelector
		var selNS []string
		for range rng.IntN(12) {
			s, ns := selector(), namespaces[rng.IntN(3)]
			selectors, selNS = append(selectors, s), append(selNS, ns)
			sels.add(s, ns)

			var want []*podGroup
			for _, g := range groups {
				if sameNamespace(g.namespace, ns) && s.matches(g.labelSet) {
					want = append(want, g)
				}
			}
			if got := pods.selected(s, ns); !slices.Equal(got, want) {
				t.Fatalf("round %d: selected(%v, %q) = %d groups, scanning finds %d", round, s, ns, len(got), len(want))
			}
		}
		for _, g := range groups {
			var want []int
			for i, s := range selectors {
				if sameNamespace(selNS[i], g.namespace) && s.matches(g.labelSet) {
					want = append(want, i)
				}
			}
			if got := sels.selecting(g); !slices.Equal(got, want) {
				t.Fatalf("round %d: selecting(%v in %q) = %v, scanning finds %v", round, g.labels, g.namespace, got, want)
			}
		}
	}
}

// TestAccountSetAgreesWithScanning: accountSet.matches is saRef.matches of
// any ref.
func TestAccountSetAgreesWithScanning(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 13))
	namespaces := []string{"", "a", "b"}
	names := []string{"*", "web", "db"}
	for round := range 300 {
		var refs []saRef
		for range rng.IntN(4) {
			refs = append(refs, saRef{namespaces[rng.IntN(3)], names[rng.IntN(3)]})
		}
		set := newAccountSet(refs)
		for _, ns := range namespaces {
			for _, name := range names[1:] {
				want := false
				for _, r := range refs {
					want = want || r.matches(ns, name)
				}
				if got := set.matches(ns, name); got != want {
					t.Fatalf("round %d: refs %v: matches(%q, %q) = %v, scanning says %v", round, refs, ns, name, got, want)
				}
			}
		}
	}
}
