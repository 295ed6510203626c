package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// expandAliases replaces every alias under root by a copy of what it names
// and drops the anchors, so that editing one place never edits another.
// It refuses when the expansion would pass MaxAliasNodes nodes.
func expandAliases(root *yaml.Node) error {
	if !hasAlias(root) {
		return nil
	}
	budget := MaxAliasNodes
	// open holds the anchored nodes being expanded: an alias to one of
	// them from inside it is a loop that would never end.
	open := map[*yaml.Node]bool{}
	var expand func(n, source *yaml.Node) error
	expand = func(n, source *yaml.Node) error {
		budget--
		if budget < 0 {
			return fmt.Errorf("YAML aliases expand to more than %d nodes; refusing to process (an alias bomb?)", MaxAliasNodes)
		}
		if source != nil {
			open[source] = true
			defer delete(open, source)
		}
		n.Anchor = ""
		for i, c := range n.Content {
			var src *yaml.Node
			if c.Kind == yaml.AliasNode && c.Alias != nil {
				if open[c.Alias] {
					return fmt.Errorf("YAML alias *%s refers to a node that contains it", c.Value)
				}
				src = c.Alias
				c = deepCopy(c.Alias)
				n.Content[i] = c
			} else if c.Anchor != "" {
				src = c
			}
			if err := expand(c, src); err != nil {
				return err
			}
		}
		return nil
	}
	return expand(root, nil)
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
