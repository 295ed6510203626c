package manifest

import (
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// nodeArena holds the nodes and child lists of trees that live only while
// a Reader reads them: reset makes its memory the next tree's, so reading
// many documents this way leaves no garbage behind (parseBlockIn).
type nodeArena struct {
	nodeSlabs  [][]yaml.Node
	childSlabs [][]*yaml.Node
	n, c       int // slabs in use: nodeSlabs[:n] and childSlabs[:c], the last ones partly
	node0      int // nodes used in nodeSlabs[n-1]
	child0     int // pointers used in childSlabs[c-1]
}

const (
	arenaNodes    = 256  // nodes per slab
	arenaChildren = 1024 // child pointers per slab
)

var arenas = sync.Pool{New: func() any { return new(nodeArena) }}

// node returns a node of the arena holding v.
func (a *nodeArena) node(v yaml.Node) *yaml.Node {
	if a.n == 0 || a.node0 == arenaNodes {
		if a.n == len(a.nodeSlabs) {
			a.nodeSlabs = append(a.nodeSlabs, make([]yaml.Node, arenaNodes))
		}
		a.n++
		a.node0 = 0
	}
	slot := &a.nodeSlabs[a.n-1][a.node0]
	a.node0++
	*slot = v
	return slot
}

// children returns a list of k child pointers from the arena, full: an
// append to it copies it out instead of writing over its neighbours.
func (a *nodeArena) children(k int) []*yaml.Node {
	if k > arenaChildren {
		return make([]*yaml.Node, k)
	}
	if a.c == 0 || a.child0+k > arenaChildren {
		if a.c == len(a.childSlabs) {
			a.childSlabs = append(a.childSlabs, make([]*yaml.Node, arenaChildren))
		}
		a.c++
		a.child0 = 0
	}
	s := a.childSlabs[a.c-1][a.child0 : a.child0+k : a.child0+k]
	a.child0 += k
	return s
}

// reset forgets every tree built in the arena, dropping what its nodes
// pointed to (the document's text, comments), and keeps the memory.
func (a *nodeArena) reset() {
	for i := range a.n {
		clear(a.nodeSlabs[i])
	}
	for i := range a.c {
		clear(a.childSlabs[i])
	}
	a.n, a.c, a.node0, a.child0 = 0, 0, 0, 0
}
