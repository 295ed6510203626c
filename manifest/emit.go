package manifest

import (
	"bytes"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The yaml.v3 encoder costs most of a run that changes or adds many
// documents: it builds an event queue of large structs per node. emitFast
// writes the same bytes directly for the trees nearly every Kubernetes
// object is: block mappings and lists, keys and one-line scalars that need
// no escaping, literal blocks, one-line flow lists of scalars as a key's
// value (command: ["sh", "-c"]), and "#" comments above keys and list
// items or at the end of a line. Given anything else (anchors, explicit
// tags, other flow collections, escapes, non-ASCII text, foot comments)
// it declines, and yaml.v3 writes the document. TestEmitFastMatchesYAML holds it to yaml.v3's output byte
// for byte, over the corpus and the golden cases.

// emitter writes one document.
type emitter struct {
	b []byte
	// wide is yaml.WideSequenceStyle: list items indented under their key.
	wide bool
}

// emitFast writes root, a document's top-level node, as yaml.v3 with
// kyaml's options (indent 2, seqIndent) would; ok is false when root holds
// something it does not write.
func emitFast(root *yaml.Node, seqIndent yaml.SequenceIndentStyle) (_ []byte, ok bool) {
	if root.Kind != yaml.MappingNode || root.Style != 0 || root.Anchor != "" || !implicitTag(root) ||
		root.HeadComment != "" || root.LineComment != "" || root.FootComment != "" {
		return nil, false
	}
	if len(root.Content) == 0 {
		return []byte("{}\n"), true
	}
	// The document is written into a scratch buffer and copied out at its
	// size: growing a buffer per document was most of a run's garbage.
	scratch := emitBuffers.Get().(*[]byte)
	defer emitBuffers.Put(scratch)
	e := emitter{b: (*scratch)[:0], wide: seqIndent == yaml.WideSequenceStyle}
	ok = e.mapping(root, 0, false)
	if cap(e.b) <= 1<<20 {
		*scratch = e.b
	}
	if !ok {
		return nil, false
	}
	return bytes.Clone(e.b), true
}

var emitBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// implicitTag reports whether yaml.v3 writes a collection without a tag.
func implicitTag(n *yaml.Node) bool {
	if n.Style&yaml.TaggedStyle != 0 {
		return false
	}
	switch n.Tag {
	case "":
		return true
	case yaml.NodeTagMap, "tag:yaml.org,2002:map":
		return n.Kind == yaml.MappingNode
	case yaml.NodeTagSeq, "tag:yaml.org,2002:seq":
		return n.Kind == yaml.SequenceNode
	}
	return false
}

func (e *emitter) indent(n int) {
	for range n {
		e.b = append(e.b, ' ')
	}
}

// comment writes a comment of "#" lines, each at the indentation.
func (e *emitter) comment(c string, indent int) bool {
	for line := range strings.SplitSeq(c, "\n") {
		if !commentLine(line) {
			return false
		}
		e.indent(indent)
		e.b = append(e.b, line...)
		e.b = append(e.b, '\n')
	}
	return true
}

// commentLine is a comment line written as it is: "#" and printable ASCII.
func commentLine(line string) bool {
	if line == "" || line[0] != '#' {
		return false
	}
	for i := 0; i < len(line); i++ {
		if line[i] < 0x20 || line[i] > 0x7E {
			return false
		}
	}
	return true
}

// lineComment writes " # comment" when n has one.
func (e *emitter) lineComment(n *yaml.Node) bool {
	if n.LineComment == "" {
		return true
	}
	if !commentLine(n.LineComment) {
		return false
	}
	e.b = append(e.b, ' ')
	e.b = append(e.b, n.LineComment...)
	return true
}

// mapping writes a non-empty block mapping whose keys are at column
// indent; inItem tells that its first key follows a list item's "- ".
func (e *emitter) mapping(m *yaml.Node, indent int, inItem bool) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.FootComment != "" || k.Anchor != "" {
			return false
		}
		if k.HeadComment != "" {
			if i == 0 && inItem {
				return false
			}
			if !e.comment(k.HeadComment, indent) {
				return false
			}
		}
		if i > 0 || !inItem {
			e.indent(indent)
		}
		if !e.scalar(k, indent, inKey) {
			return false
		}
		e.b = append(e.b, ':')
		if !e.value(k, v, indent) {
			return false
		}
	}
	return true
}

// value writes the value of key k, whose line is written up to the ":".
func (e *emitter) value(k, v *yaml.Node, indent int) bool {
	if v.Anchor != "" || v.HeadComment != "" || v.FootComment != "" {
		return false
	}
	switch v.Kind {
	case yaml.ScalarNode:
		if k.LineComment != "" {
			return false
		}
		if !emptyPlain(v) {
			e.b = append(e.b, ' ')
			if !e.scalar(v, indent, inBlock) {
				return false
			}
		}
	case yaml.MappingNode, yaml.SequenceNode:
		if v.Kind == yaml.SequenceNode && v.Style == yaml.FlowStyle && len(v.Content) > 0 {
			return k.LineComment == "" && implicitTag(v) && e.flowSequence(v)
		}
		if !block(v) || !implicitTag(v) || v.LineComment != "" {
			return false
		}
		if len(v.Content) == 0 {
			if k.LineComment != "" {
				return false
			}
			if v.Kind == yaml.MappingNode {
				e.b = append(e.b, " {}\n"...)
			} else {
				e.b = append(e.b, " []\n"...)
			}
			return true
		}
		if !e.lineComment(k) {
			return false
		}
		e.b = append(e.b, '\n')
		if v.Kind == yaml.MappingNode {
			return e.mapping(v, indent+2, false)
		}
		if e.wide {
			return e.sequence(v, indent+2)
		}
		return e.sequence(v, indent)
	default:
		return false
	}
	if !e.lineComment(v) {
		return false
	}
	e.b = append(e.b, '\n')
	return true
}

// sequence writes a non-empty block list whose "- " are at column indent.
func (e *emitter) sequence(s *yaml.Node, indent int) bool {
	for _, it := range s.Content {
		if it.Anchor != "" || it.FootComment != "" {
			return false
		}
		if it.HeadComment != "" && !e.comment(it.HeadComment, indent) {
			return false
		}
		e.indent(indent)
		e.b = append(e.b, '-')
		if emptyPlain(it) {
			if !e.lineComment(it) {
				return false
			}
			e.b = append(e.b, '\n')
			continue
		}
		e.b = append(e.b, ' ')
		switch it.Kind {
		case yaml.ScalarNode:
			if !e.scalar(it, indent, inBlock) || !e.lineComment(it) {
				return false
			}
			e.b = append(e.b, '\n')
		case yaml.MappingNode:
			if !block(it) || !implicitTag(it) || it.LineComment != "" {
				return false
			}
			if len(it.Content) == 0 {
				e.b = append(e.b, "{}\n"...)
				continue
			}
			if !e.mapping(it, indent+2, true) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// flowSequence writes a key's non-empty flow list of scalars on one line,
// " [a, b]", as yaml.v3 does (it never wraps a line), and the line's end.
func (e *emitter) flowSequence(s *yaml.Node) bool {
	if s.Anchor != "" || s.HeadComment != "" || s.LineComment != "" || s.FootComment != "" {
		return false
	}
	e.b = append(e.b, " ["...)
	for i, it := range s.Content {
		if it.Kind != yaml.ScalarNode || it.Anchor != "" || it.HeadComment != "" || it.LineComment != "" || it.FootComment != "" || emptyPlain(it) {
			return false
		}
		if i > 0 {
			e.b = append(e.b, ", "...)
		}
		if !e.scalar(it, 0, inFlow) {
			return false
		}
	}
	e.b = append(e.b, "]\n"...)
	return true
}

// block reports whether yaml.v3 writes a collection in block style: it
// writes an empty one as "{}" or "[]" in any style.
func block(n *yaml.Node) bool {
	return n.Style == 0 || n.Style == yaml.FlowStyle && len(n.Content) == 0
}

// emptyPlain is a null written as nothing at all ("key:", "-").
func emptyPlain(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Value == "" && n.Style == 0 && n.Anchor == "" &&
		(n.Tag == "" || n.ShortTag() == yaml.NodeTagNull)
}

// context is where a scalar is written: yaml.v3 chooses its style by it.
type context int

const (
	inBlock context = iota // a value or list item in block style
	inKey                  // a block mapping's key
	inFlow                 // an item of a flow list
)

// scalar writes a scalar as yaml.v3 would, in the style it would choose,
// or reports that it would write a tag or escapes.
func (e *emitter) scalar(n *yaml.Node, indent int, ctx context) bool {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.TaggedStyle|yaml.FoldedStyle|yaml.FlowStyle) != 0 {
		return false
	}
	v := n.Value
	// yaml.v3 leaves out a tag the value implies; a !!str that would read
	// back as another type is double-quoted; any other tag is written.
	quote := false
	if n.Tag != "" {
		tag := n.ShortTag()
		switch {
		case tag == yaml.NodeTagString && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle) != 0:
		case resolvedTag(v) == tag:
		case tag == yaml.NodeTagString:
			quote = true
		default:
			return false
		}
	}
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return e.quoted(v, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		return e.quoted(v, '\'')
	case n.Style&yaml.LiteralStyle != 0 || strings.Contains(v, "\n"):
		return ctx == inBlock && e.literal(v, indent)
	case quote:
		return e.quoted(v, '"')
	}
	if ctx == inKey && len(v) > 128 {
		return false
	}
	if !plainAllowed(v) || ctx == inFlow && strings.ContainsAny(v, ",?[]{}:") {
		return v != "" && e.quoted(v, '\'') // what yaml.v3 writes instead
	}
	e.b = append(e.b, v...)
	return true
}

// resolvedTag is the tag yaml.v3 reads a plain scalar as. A word (see
// plainWord) is a string to it; asking its resolver costs an allocation.
func resolvedTag(v string) string {
	if plainWord(v) {
		return yaml.NodeTagString
	}
	return (&yaml.Node{Kind: yaml.ScalarNode, Value: v}).ShortTag()
}

// plainAllowed is yaml.v3's test for a plain scalar in block context,
// narrowed to printable ASCII.
func plainAllowed(v string) bool {
	if v == "" || v[0] == ' ' || v[len(v)-1] == ' ' || strings.HasPrefix(v, "---") || strings.HasPrefix(v, "...") {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c > 0x7E {
			return false
		}
		spaceNext := i+1 == len(v) || v[i+1] == ' '
		if i == 0 {
			switch c {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				return false
			case '?', ':', '-':
				if spaceNext {
					return false
				}
			}
			continue
		}
		switch {
		case c == ':' && spaceNext:
			return false
		case c == '#' && v[i-1] == ' ':
			return false
		}
	}
	return true
}

// quoted writes v between quotes when yaml.v3 would write it as it is:
// printable ASCII without the quote (or, in double quotes, a backslash).
func (e *emitter) quoted(v string, q byte) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7E || c == q || q == '"' && c == '\\' {
			return false
		}
	}
	e.b = append(e.b, q)
	e.b = append(e.b, v...)
	e.b = append(e.b, q)
	return true
}

// literal writes a "|" block whose lines are indented two columns past
// indent.
func (e *emitter) literal(v string, indent int) bool {
	if v == "" || v[0] == ' ' || v[0] == '\n' || strings.HasSuffix(v, "\n\n") || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\n' && (c < 0x20 || c > 0x7E) {
			return false
		}
		if c == '\n' && v[i-1] == ' ' {
			return false // a space before a line break: yaml.v3 double-quotes it
		}
	}
	e.b = append(e.b, '|')
	if !strings.HasSuffix(v, "\n") {
		e.b = append(e.b, '-')
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(v, "\n"), "\n") {
		e.b = append(e.b, '\n')
		if line != "" {
			e.indent(indent + 2)
			e.b = append(e.b, line...)
		}
	}
	return true
}
