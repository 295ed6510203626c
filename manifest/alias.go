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
	var expand func(n *yaml.Node) error
	expand = func(n *yaml.Node) error {
		budget--
		if budget < 0 {
			return fmt.Errorf("YAML aliases expand to more than %d nodes; refusing to process (an alias bomb?)", MaxAliasNodes)
		}
		n.Anchor = ""
		for i, c := range n.Content {
			if c.Kind == yaml.AliasNode && c.Alias != nil {
				cp := deepCopy(c.Alias)
				n.Content[i] = cp
				c = cp
			}
			if err := expand(c); err != nil {
				return err
			}
		}
		return nil
	}
	return expand(root)
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
