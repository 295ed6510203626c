package manifest

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The readers of a parsed tree. Lookup and the readers built on it read a
// kept document's tree, or part of one, after Parse has expanded its
// aliases and resolved its merge keys (and what the filters add, which has
// neither): a key is read where it is written. Parse reads a document's
// kind and name before that, through aliases and merge keys (mergedText).

// Lookup is the node at path under n, or nil. It walks the mapping's nodes
// instead of calling kyaml's Field, which allocates three times for each
// field read: the filters read every field of every workload this way.
func Lookup(n *yaml.RNode, path ...string) *yaml.Node {
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

// LookupMap returns the mapping at path under n, or nil.
func LookupMap(n *yaml.RNode, path ...string) *yaml.RNode {
	v := Lookup(n, path...)
	if v == nil || v.Kind != yaml.MappingNode {
		return nil
	}
	return yaml.NewRNode(v)
}

// LookupSeq returns the items of the sequence at path under n.
func LookupSeq(n *yaml.RNode, path ...string) []*yaml.Node {
	v := Lookup(n, path...)
	if v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	return v.Content
}

// LookupScalar returns the scalar value at path under n, or "" (a null
// too).
func LookupScalar(n *yaml.RNode, path ...string) string {
	v := Lookup(n, path...)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == yaml.NodeTagNull {
		return ""
	}
	return v.Value
}

// LookupText returns the scalar at path under n as written, a null's text
// ("~", "null") too, or "" when there is none: the way Parse reads a
// document's kind and name (Doc.Kind, Doc.Name), so that what is named
// after a tree is named alike.
func LookupText(n *yaml.RNode, path ...string) string {
	return scalarText(Lookup(n, path...))
}

// LookupBool reads a bool field as Kubernetes does: under YAML 1.1, plain
// True, yes, On and y are true, False, no, Off and n false. set is false
// when the field is missing or null (a quoted "true" is a string, which
// the API server refuses for a bool field, and CheckTypes refuses first).
func LookupBool(n *yaml.RNode, path ...string) (value, set bool) {
	return Bool(Lookup(n, path...))
}

// LookupNumber reads an integer field as Kubernetes does (YAML 1.1: 0x1F,
// 0755 and 1_000 are numbers) and returns it in decimal, so that "0" is
// root however the chart spelled it; "" when unset, the value as written
// when it is no integer.
func LookupNumber(n *yaml.RNode, path ...string) string {
	v := Lookup(n, path...)
	if v == nil || v.Kind != yaml.ScalarNode || Resolve11(v) == Null11 {
		return ""
	}
	if i, ok := Int(v); ok {
		return strconv.FormatInt(i, 10)
	}
	return v.Value
}

// mergedText is the scalar at path under m as written, or "", read as
// Kubernetes reads it: through aliases and merge keys (mergedField), in a
// tree whose merges Parse has not resolved yet.
func mergedText(m *yaml.Node, path ...string) string {
	for _, p := range path {
		if m = mergedField(m, p, nil); m == nil {
			return ""
		}
	}
	return scalarText(m)
}

// scalarText is a scalar's value as written, or "" when v is no scalar.
func scalarText(v *yaml.Node) string {
	if v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
