package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// aliasBudget is what the aliases of one stream may still copy, in nodes.
type aliasBudget struct{ left int }

// expand replaces every alias under root by a copy of what it names and
// drops the anchors, so that editing one place never edits another. It
// refuses when the copies of the whole stream would pass MaxAliasNodes
// nodes, and returns the line (within the parsed text) of the alias that
// passed it. root holds no alias loop (aliasLoop refused those).
func (b *aliasBudget) expand(root *yaml.Node) (int, error) {
	root.Anchor = ""
	for i, c := range root.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			b.left -= countNodes(c.Alias, b.left+1)
			if b.left < 0 {
				return c.Line, fmt.Errorf("YAML aliases copy more than %d nodes in this stream; refusing to process (an alias bomb?)", MaxAliasNodes)
			}
			c = deepCopy(c.Alias)
			root.Content[i] = c
		}
		if line, err := b.expand(c); err != nil {
			return line, err
		}
	}
	return 0, nil
}

// aliasLoop finds an alias to a node that contains it, in a tree whose
// aliases stay as they are. An alias can only name a node that starts
// before it, so such an alias is the only way a tree can loop.
func aliasLoop(root *yaml.Node) (int, error) {
	open := map[*yaml.Node]bool{} // the nodes above the one walked
	var walk func(n *yaml.Node) (int, error)
	walk = func(n *yaml.Node) (int, error) {
		if n.Kind == yaml.AliasNode {
			if open[n.Alias] {
				return n.Line, fmt.Errorf("YAML alias *%s refers to a node that contains it", n.Value)
			}
			return 0, nil
		}
		open[n] = true
		defer delete(open, n)
		for _, c := range n.Content {
			if line, err := walk(c); err != nil {
				return line, err
			}
		}
		return 0, nil
	}
	return walk(root)
}

// countNodes counts the nodes of the tree under n, but stops past limit.
func countNodes(n *yaml.Node, limit int) int {
	count := 1
	for _, c := range n.Content {
		if count > limit {
			break
		}
		count += countNodes(c, limit-count)
	}
	return count
}

func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

func deepCopy(n *yaml.Node) *yaml.Node {
	cp := *n
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp.Content[i] = deepCopy(c)
	}
	return &cp
}
