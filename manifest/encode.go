package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"

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
	b, err := encode(d.document(), d.SeqIndent)
	if err != nil {
		return nil, err
	}
	if d.crlf {
		b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	}
	return append(b, d.trailer...), nil
}

// document is the tree Encode writes: the parsed node, with line comments
// where go-yaml writes them from, under the document's own comments.
func (d *Doc) document() *yaml.Node {
	root := d.Node.YNode()
	keepLineComments(root)
	return &yaml.Node{Kind: yaml.DocumentNode, HeadComment: d.headComment, FootComment: d.footComment, Content: []*yaml.Node{root}}
}

func encode(node *yaml.Node, seqIndent yaml.SequenceIndentStyle) ([]byte, error) {
	root := node
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 && node.HeadComment == "" && node.LineComment == "" && node.FootComment == "" {
		root = node.Content[0]
	}
	if b, ok := emitFast(root, seqIndent); ok {
		return b, nil
	}
	return encodeYAML(node, seqIndent)
}

// encodeYAML is encode by yaml.v3 alone, but for one of its faults: in a
// flow collection it writes an empty null ("{e}", "{e: }") as ”, a
// string. A tree holding one is written from a copy in which the
// collections around such nulls are in block style, where they stay
// empty nulls.
func encodeYAML(node *yaml.Node, seqIndent yaml.SequenceIndentStyle) ([]byte, error) {
	if flowNull(node) {
		node = deepCopy(node)
		blockFlowNulls(node)
	}
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

// nullInFlow reports whether the i-th child of n is an empty null in a
// value's place (a list item or a mapping value) of n.
func nullInFlow(n *yaml.Node, i int) bool {
	return (n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode && i%2 == 1) && emptyPlain(n.Content[i])
}

// flowNull reports whether a flow collection under n holds an empty null.
func flowNull(n *yaml.Node) bool {
	for i, c := range n.Content {
		if n.Style&yaml.FlowStyle != 0 && nullInFlow(n, i) || flowNull(c) {
			return true
		}
	}
	return false
}

// blockFlowNulls turns to block style the flow collections that hold an
// empty null, and the flow collections around them (a block collection
// cannot be inside a flow one). It reports whether n holds such a null.
func blockFlowNulls(n *yaml.Node) bool {
	held := false
	for i, c := range n.Content {
		if nullInFlow(n, i) {
			held = true
		}
		if blockFlowNulls(c) {
			held = true
		}
	}
	if held && n.Style&yaml.FlowStyle != 0 {
		n.Style &^= yaml.FlowStyle
	}
	return held
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

// Fingerprint is a digest of everything about a parsed tree that its
// encoding depends on: kinds, tags, values, styles and comments,
// recursively. Two trees with one fingerprint encode the same; it stands
// in for a copy of every document kept to see, after the filters, which
// ones changed (a copy doubled the memory of the parsed documents).
type Fingerprint [sha256.Size]byte

// FingerprintOf is n's fingerprint; a nil tree has the zero one.
func FingerprintOf(n *yaml.Node) Fingerprint {
	if n == nil {
		return Fingerprint{}
	}
	f := fingerprinters.Get().(*fingerprinter)
	defer fingerprinters.Put(f)
	f.h.Reset()
	f.buf = f.buf[:0]
	f.add(n)
	f.h.Write(f.buf)
	var sum Fingerprint
	f.h.Sum(sum[:0])
	return sum
}

// fingerprinter hashes a tree through a small buffer.
type fingerprinter struct {
	h   hash.Hash
	buf []byte
}

var fingerprinters = sync.Pool{New: func() any {
	return &fingerprinter{h: sha256.New(), buf: make([]byte, 0, 8192)}
}}

func (f *fingerprinter) add(n *yaml.Node) {
	if len(f.buf) > 4096 {
		f.h.Write(f.buf)
		f.buf = f.buf[:0]
	}
	f.buf = appendNode(f.buf, n)
	for _, c := range n.Content {
		f.add(c)
	}
}

// appendNode writes n's own fields, length-prefixed so that different
// trees never write the same bytes, and the number of its children. Tags
// are compared by their short form (!!int and tag:yaml.org,2002:int are
// one tag).
func appendNode(b []byte, n *yaml.Node) []byte {
	b = append(b, byte(n.Kind))
	b = binary.AppendUvarint(b, uint64(n.Style))
	for _, s := range [...]string{n.ShortTag(), n.Value, n.HeadComment, n.LineComment, n.FootComment} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return binary.AppendUvarint(b, uint64(len(n.Content)))
}
