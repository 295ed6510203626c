package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// YAML merge keys ("<<: *defaults", "<<: [*a, *b]") are read the way
// Kubernetes reads them (sigs.k8s.io/yaml, go-yaml v2): the mapping's
// entries are applied in order, a merge key applying the keys of its
// sources, earlier sources winning over later ones, and whatever comes
// later overriding what came before. yaml.v3 agrees, except when an
// explicit key comes before a merge that also supplies it: v3 keeps the
// explicit value, Kubernetes takes the merged one. That case is refused.
//
// Kept documents have their merges resolved into plain keys (after their
// aliases are expanded), so the filters read and edit what Kubernetes
// reads, and a changed document is written without merge keys.

func isMergeKey(k *yaml.Node) bool {
	k = keyValue(k)
	return k.Value == "<<" && k.Kind == yaml.ScalarNode && Resolve11(k) == Merge11
}

// hasMerge reports whether any mapping under n has a merge key.
func hasMerge(n *yaml.Node) bool {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMergeKey(n.Content[i]) {
				return true
			}
		}
	}
	for _, c := range n.Content {
		if hasMerge(c) {
			return true
		}
	}
	return false
}

// mergedField is the value of key in mapping m as Kubernetes reads it,
// merge keys included; nil when m has none. It runs before aliases are
// expanded, so each mapping is read once (memo): merges of merges through
// aliases could otherwise take exponential time.
func mergedField(m *yaml.Node, key string, memo map[*yaml.Node]*yaml.Node) *yaml.Node {
	m = keyValue(m)
	if m.Kind != yaml.MappingNode {
		return nil
	}
	if v, seen := memo[m]; seen {
		return v // read already, or being read: a mapping merged into itself adds nothing
	}
	var found *yaml.Node
	explicit := false // of a key written twice (refused later), the first names the document
	for i := 0; i+1 < len(m.Content); i += 2 {
		if isMergeKey(m.Content[i]) {
			if memo == nil {
				memo = map[*yaml.Node]*yaml.Node{}
			}
			memo[m] = nil
			for _, src := range mergeSources(m.Content[i+1]) {
				if v := mergedField(src, key, memo); v != nil {
					found = v
					break // earlier sources win
				}
			}
			continue
		}
		if keyValue(m.Content[i]).Value == key && !explicit {
			found, explicit = m.Content[i+1], true
		}
	}
	if found != nil {
		found = keyValue(found)
	}
	if memo != nil {
		memo[m] = found
	}
	return found
}

// mergeSources are the mappings a merge key's value names, in order; nil
// when it names anything else (which Kubernetes refuses).
func mergeSources(v *yaml.Node) []*yaml.Node {
	v = keyValue(v)
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		out := make([]*yaml.Node, 0, len(v.Content))
		for _, s := range v.Content {
			s = keyValue(s)
			if s.Kind != yaml.MappingNode {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

// badMergeValue finds a merge key under n whose value names anything but
// mappings (mergeSources), without expanding aliases: each node is visited
// once, the anchored ones where they are written. It returns the line of
// the first, within the parsed text.
func badMergeValue(n *yaml.Node) (int, error) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMergeKey(n.Content[i]) && mergeSources(n.Content[i+1]) == nil {
				return n.Content[i].Line, errBadMerge
			}
		}
	}
	for _, c := range n.Content {
		if line, err := badMergeValue(c); err != nil {
			return line, err
		}
	}
	return 0, nil
}

var errBadMerge = fmt.Errorf("the merge key (<<) needs a mapping or a list of mappings; Kubernetes refuses anything else")

// resolveMerges replaces the merge keys under n, whose aliases are
// expanded, by the keys they supply, as Kubernetes reads them. It returns
// the line (within the parsed text) of a merge it refuses.
func resolveMerges(n *yaml.Node) (int, error) {
	for _, c := range n.Content {
		if line, err := resolveMerges(c); err != nil {
			return line, err
		}
	}
	if n.Kind != yaml.MappingNode {
		return 0, nil
	}
	merge := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		merge = merge || isMergeKey(n.Content[i])
	}
	if !merge {
		return 0, nil
	}
	var out []*yaml.Node
	at := map[string]int{}       // key -> index of its value in out
	explicit := map[string]int{} // key -> line of an explicit key
	set := func(k, v *yaml.Node) {
		if i, ok := at[k.Value]; ok {
			out[i-1], out[i] = k, v
			return
		}
		at[k.Value] = len(out) + 1
		out = append(out, k, v)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			set(k, v)
			explicit[k.Value] = k.Line
			continue
		}
		sources := mergeSources(v)
		if sources == nil {
			return k.Line, errBadMerge
		}
		first := len(out)
		// Later sources first, so that earlier ones overwrite them.
		for s := len(sources) - 1; s >= 0; s-- {
			src := sources[s]
			for j := 0; j+1 < len(src.Content); j += 2 {
				if line, ok := explicit[src.Content[j].Value]; ok {
					return k.Line, fmt.Errorf("the merge key (<<) supplies %q, which line %d sets before it: Kubernetes (YAML 1.1) takes the merged value, YAML 1.2 tools the explicit one; put the merge key first", src.Content[j].Value, line)
				}
				set(src.Content[j], src.Content[j+1])
			}
		}
		if first < len(out) && k.HeadComment != "" && out[first].HeadComment == "" {
			out[first].HeadComment = k.HeadComment
		}
	}
	n.Content = out
	return 0, nil
}
