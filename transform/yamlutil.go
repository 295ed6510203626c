package transform

import (
	"strconv"

	"github.com/chartsec/chartsec-harden/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// isTrue and isFalse report whether a bool field is set to that value.
func isTrue(n *yaml.RNode, path ...string) bool {
	v, set := manifest.LookupBool(n, path...)
	return set && v
}

func isFalse(n *yaml.RNode, path ...string) bool {
	v, set := manifest.LookupBool(n, path...)
	return set && !v
}

// ensureMap returns the mapping at key under n, creating it (at the end of
// n) when missing or null.
func ensureMap(n *yaml.RNode, key string) *yaml.RNode {
	if f := n.Field(key); f != nil {
		if f.Value.YNode().Kind == yaml.MappingNode {
			if len(f.Value.YNode().Content) == 0 {
				f.Value.YNode().Style = 0 // "{}" grows into a block mapping
			}
			return f.Value
		}
		f.Value.SetYNode(&yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap})
		return f.Value
	}
	m := yaml.NewRNode(&yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap})
	n.YNode().Content = append(n.YNode().Content, strNode(key), m.YNode())
	return m
}

// ensureSeq returns the sequence node at key under n, creating it when
// missing or null.
func ensureSeq(n *yaml.RNode, key string) *yaml.Node {
	if f := n.Field(key); f != nil {
		if f.Value.YNode().Kind == yaml.SequenceNode {
			if len(f.Value.YNode().Content) == 0 {
				f.Value.YNode().Style = 0 // "[]" grows into a block list
			}
			return f.Value.YNode()
		}
		f.Value.SetYNode(&yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq})
		return f.Value.YNode()
	}
	s := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
	n.YNode().Content = append(n.YNode().Content, strNode(key), s)
	return s
}

// setScalar sets key under n to a scalar, replacing a value of another kind.
func setScalar(n *yaml.RNode, key string, value *yaml.Node) {
	if f := n.Field(key); f != nil {
		old := f.Value.YNode()
		value.HeadComment, value.LineComment, value.FootComment = old.HeadComment, old.LineComment, old.FootComment
		f.Value.SetYNode(value)
		return
	}
	n.YNode().Content = append(n.YNode().Content, strNode(key), value)
}

// appendScalar appends a string to a list, quoted like the list's last item
// so that a flow list such as ["NET_RAW"] stays uniform (a value that
// needs quotes keeps them).
func appendScalar(seq *yaml.Node, v string) {
	n := strNode(v)
	if k := len(seq.Content); k > 0 && seq.Content[k-1].Kind == yaml.ScalarNode && (n.Style == 0 || seq.Content[k-1].Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0) {
		n.Style = seq.Content[k-1].Style
	}
	seq.Content = append(seq.Content, n)
}

func intNode(v int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: strconv.FormatInt(v, 10)}
}

func boolNode(v bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: strconv.FormatBool(v)}
}

// strNode is every string the tool writes: quoted where a YAML 1.1
// decoder (Kubernetes, Helm, kubectl) would read a plain one as a bool,
// number or null, so that a copied label value "yes" stays a string.
func strNode(v string) *yaml.Node {
	return manifest.String11(v)
}

func atoiOr(s string, def int) int {
	if v, err := strconv.Atoi(s); err == nil {
		return v
	}
	return def
}

// scalarIn reports whether the sequence holds a scalar equal to v.
func scalarIn(seq []*yaml.Node, v string) bool {
	for _, n := range seq {
		if n.Kind == yaml.ScalarNode && n.Value == v {
			return true
		}
	}
	return false
}

// Safe readers of a document's identity. kyaml's GetName and friends
// panic on a document whose metadata is not a mapping; input is untrusted.

func kindOf(n *yaml.RNode) string       { return manifest.LookupScalar(n, "kind") }
func apiVersionOf(n *yaml.RNode) string { return manifest.LookupScalar(n, "apiVersion") }
func nameOf(n *yaml.RNode) string       { return manifest.LookupScalar(n, "metadata", "name") }
func namespaceOf(n *yaml.RNode) string  { return manifest.LookupScalar(n, "metadata", "namespace") }
