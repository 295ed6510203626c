package manifest

import (
	"bytes"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Encode writes node as one YAML document in the given list indentation,
// keeping its comments and key order.
func Encode(node *yaml.RNode, seqIndent yaml.SequenceIndentStyle) ([]byte, error) {
	return encode(node.Document(), seqIndent)
}

// Encode writes the parsed document back as it is now: in its own list
// indentation and line endings, with its comments, those go-yaml files with
// the document (a head comment a blank line follows, a comment after
// "...") included.
func (d *Doc) Encode() ([]byte, error) {
	root := d.Node.YNode()
	keepLineComments(root)
	b, err := encode(&yaml.Node{Kind: yaml.DocumentNode, HeadComment: d.headComment, FootComment: d.footComment, Content: []*yaml.Node{root}}, d.SeqIndent)
	if err != nil {
		return nil, err
	}
	if d.crlf {
		b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	}
	return append(b, d.trailer...), nil
}

func encode(node *yaml.Node, seqIndent yaml.SequenceIndentStyle) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoderWithOptions(&buf, &yaml.EncoderOptions{SeqIndent: seqIndent})
	if err := enc.Encode(node); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// keepLineComments moves the line comment of a block list or mapping
// value ("volumes: [] # none" once items were added to it) onto its key,
// where go-yaml reads it from and writes it back to; left on the value,
// it would be written on the line of the next key.
func keepLineComments(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if (v.Kind == yaml.MappingNode || v.Kind == yaml.SequenceNode) && v.Style&yaml.FlowStyle == 0 &&
				len(v.Content) > 0 && v.LineComment != "" && k.LineComment == "" {
				k.LineComment, v.LineComment = v.LineComment, ""
			}
		}
	}
	for _, c := range n.Content {
		keepLineComments(c)
	}
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
