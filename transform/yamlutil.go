package transform

import (
	"strconv"

	"github.com/chartsec/chartsec-harden/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// lookupMap returns the mapping at path under n, or nil.
func lookupMap(n *yaml.RNode, path ...string) *yaml.RNode {
	v := lookup(n, path...)
	if v == nil || v.YNode().Kind != yaml.MappingNode {
		return nil
	}
	return v
}

// lookupSeq returns the items of the sequence at path under n.
func lookupSeq(n *yaml.RNode, path ...string) []*yaml.Node {
	v := lookupNode(n, path...)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	return v.Content
}

// lookupScalar returns the scalar value at path under n, or "".
func lookupScalar(n *yaml.RNode, path ...string) string {
	v := lookupNode(n, path...)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == yaml.NodeTagNull {
		return ""
	}
	return v.Value
}

// lookupBool reads a bool field as Kubernetes does: under YAML 1.1, plain
// True, yes, On and y are true, False, no, Off and n false. set is false
// when the field is missing or null (a quoted "true" is a string, which
// the API server refuses for a bool field, and CheckTypes refuses first).
func lookupBool(n *yaml.RNode, path ...string) (value, set bool) {
	return manifest.Bool(lookupNode(n, path...))
}

// isTrue and isFalse report whether a bool field is set to that value.
func isTrue(n *yaml.RNode, path ...string) bool {
	v, set := lookupBool(n, path...)
	return set && v
}

func isFalse(n *yaml.RNode, path ...string) bool {
	v, set := lookupBool(n, path...)
	return set && !v
}

// lookupNumber reads an integer field as Kubernetes does (YAML 1.1: 0x1F,
// 0755 and 1_000 are numbers) and returns it in decimal, so that "0" is
// root however the chart spelled it; "" when unset, the value as written
// when it is no integer.
func lookupNumber(n *yaml.RNode, path ...string) string {
	v := lookupNode(n, path...)
	if v == nil || v.Kind != yaml.ScalarNode || manifest.Resolve11(v) == manifest.Null11 {
		return ""
	}
	if i, ok := manifest.Int(v); ok {
		return strconv.FormatInt(i, 10)
	}
	return v.Value
}

func lookup(n *yaml.RNode, path ...string) *yaml.RNode {
	if v := lookupNode(n, path...); v != nil {
		return yaml.NewRNode(v)
	}
	return nil
}

// lookupNode is the node at path under n, or nil: lookup without the
// allocations of kyaml's Field, which the filters call for every field of
// every workload.
func lookupNode(n *yaml.RNode, path ...string) *yaml.Node {
	if n == nil {
		return nil
	}
	cur := n.YNode()
	for _, p := range path {
		if cur == nil || cur.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(cur.Content); i += 2 {
			if cur.Content[i].Value == p {
				next = cur.Content[i+1]
				break
			}
		}
		cur = next
	}
	return cur
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

func kindOf(n *yaml.RNode) string       { return lookupScalar(n, "kind") }
func apiVersionOf(n *yaml.RNode) string { return lookupScalar(n, "apiVersion") }
func nameOf(n *yaml.RNode) string       { return lookupScalar(n, "metadata", "name") }
func namespaceOf(n *yaml.RNode) string  { return lookupScalar(n, "metadata", "namespace") }
