package manifest

import (
	"bytes"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Encode writes node as one YAML document in the given list indentation,
// keeping its comments and key order.
func Encode(node *yaml.RNode, seqIndent yaml.SequenceIndentStyle) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoderWithOptions(&buf, &yaml.EncoderOptions{SeqIndent: seqIndent})
	if err := enc.Encode(node.Document()); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Equal reports whether two parsed trees hold the same YAML: kinds, tags,
// values, styles and comments, recursively.
func Equal(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Value != b.Value || a.Style != b.Style ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		len(a.Content) != len(b.Content) {
		return false
	}
	if a.Tag != b.Tag && a.ShortTag() != b.ShortTag() {
		return false
	}
	for i := range a.Content {
		if !Equal(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}
