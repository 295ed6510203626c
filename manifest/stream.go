// Package manifest splits a rendered multi-document YAML stream into
// documents that keep their exact bytes, parses the ones a caller asks for,
// and writes the stream back: untouched documents as their input bytes,
// changed ones re-encoded with kyaml, so comments and key order stay.
package manifest

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Doc is one document of the stream.
type Doc struct {
	// Index counts documents from 0 in stream order; the text before the
	// first separator is document 0 even when it is empty.
	Index int
	// Separator is the "---" line that opened the document, with its
	// newline; empty for the text before the first separator.
	Separator string
	// Raw is the document's text after the separator line, byte for byte.
	Raw []byte
	// Line is the 1-based line of the stream where Raw starts.
	Line int
	// Source is the file named by a Helm 3 "# Source:" comment, or by
	// Helm 4's postrender-filename annotation once parsed.
	Source string
	// APIVersion and Kind are read from the parsed document; empty when
	// the document has none (comment-only, empty or not a mapping).
	APIVersion, Kind string
	// Name and Namespace are the document's metadata.name and namespace.
	Name, Namespace string
	// Object is true when the document holds a mapping (an object), as
	// opposed to nothing but comments, or null.
	Object bool
	// Node is the parsed document when Keep asked for it, else nil.
	Node *yaml.RNode
	// SeqIndent is how the document indents its lists, so a re-encoded
	// document keeps the look of its input.
	SeqIndent yaml.SequenceIndentStyle
}

// Label names the document for messages: index, kind/name and source file.
func (d *Doc) Label() string {
	var b strings.Builder
	fmt.Fprintf(&b, "document %d", d.Index)
	if d.Kind != "" {
		b.WriteString(" (" + d.Kind)
		if d.Name != "" {
			b.WriteString(" " + d.Name)
		}
		b.WriteString(")")
	}
	if d.Source != "" {
		b.WriteString(" from " + d.Source)
	}
	return b.String()
}

// Error is an input error tied to a document and a stream line.
type Error struct {
	Doc  *Doc
	Line int // 1-based stream line, 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s, line %d: %s", e.Doc.Label(), e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Doc.Label(), e.Msg)
}

// HelmFilenameAnnotation is the annotation Helm 4 puts on every document it
// hands to a post-renderer, naming the template file it came from.
const HelmFilenameAnnotation = "postrenderer.helm.sh/postrender-filename"

// Split cuts data into documents at "---" separator lines. It never fails:
// what the documents contain is checked by Parse.
func Split(data []byte) []*Doc {
	docs := []*Doc{{Index: 0, Line: 1}}
	cur := docs[0]
	start := 0
	line := 1
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		if isSeparator(data[pos:next]) {
			cur.Raw = data[start:pos]
			cur = &Doc{Index: len(docs), Separator: string(data[pos:next]), Line: line + 1}
			docs = append(docs, cur)
			start = next
		}
		pos = next
		line++
	}
	cur.Raw = data[start:]
	for _, d := range docs {
		d.Source = sourceComment(d.Raw)
	}
	return docs
}

// isSeparator reports whether line is a YAML document start marker that
// opens an empty line or a comment ("---", "--- # x"). A marker followed by
// content ("--- {a: 1}") is treated as a separator too; Parse sees the
// content because the separator is part of what it parses.
func isSeparator(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := line[3:]
	return len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' || rest[0] == ' ' || rest[0] == '\t'
}

// SeparatorLine is the separator to write before a re-encoded document:
// its own, unless content followed "---" there, which the encoding holds.
func SeparatorLine(d *Doc) string {
	if separatorContent(d.Separator) != "" {
		return "---\n"
	}
	return d.Separator
}

// separatorContent is what follows "---" on the separator line, if it is
// more than blanks and a comment.
func separatorContent(sep string) string {
	rest := strings.TrimSpace(strings.TrimPrefix(sep, "---"))
	if rest == "" || strings.HasPrefix(rest, "#") {
		return ""
	}
	return rest
}

func sourceComment(raw []byte) string {
	for len(raw) > 0 {
		end := bytes.IndexByte(raw, '\n')
		line := raw
		if end >= 0 {
			line = raw[:end]
			raw = raw[end+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if !bytes.HasPrefix(line, []byte("#")) {
			return ""
		}
		if s, ok := bytes.CutPrefix(line, []byte("# Source: ")); ok {
			return string(bytes.TrimSpace(s))
		}
	}
	return ""
}

// Keep tells Parse which documents to keep parsed. It sees a document once
// its APIVersion, Kind, Name and Namespace are read.
type Keep func(d *Doc) bool

// KeepAll keeps every document parsed.
func KeepAll(*Doc) bool { return true }

// MaxAliasNodes bounds how many nodes a kept document may hold once its
// aliases are expanded. Kept documents are edited, so aliases in them are
// expanded; a billion-laughs document is refused instead of eating the
// memory. Real workload documents hold a few hundred nodes.
const MaxAliasNodes = 1 << 17

// Parse checks that every document is well-formed YAML holding one mapping
// (or nothing), records its kind, and keeps the parsed node of the documents
// keep selects. Documents are parsed concurrently; the first error in
// stream order is returned.
func Parse(docs []*Doc, keep Keep) error {
	errs := make([]error, len(docs))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = parseOne(docs[i], keep)
			}
		}()
	}
	for i := range docs {
		work <- i
	}
	close(work)
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func parseOne(d *Doc, keep Keep) error {
	text := d.Raw
	lineOffset := d.Line - 1
	if c := separatorContent(d.Separator); c != "" {
		text = append([]byte(d.Separator), d.Raw...)
		lineOffset--
	}
	if len(bytes.TrimSpace(text)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var node yaml.Node
	if err := dec.Decode(&node); err != nil {
		if err == io.EOF {
			return nil // comments only
		}
		return yamlError(d, err, lineOffset)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			line, _ = yamlErrorLine(err)
		}
		if len(node.Content) == 1 && node.Content[0].Kind == yaml.MappingNode {
			d.Kind = scalarField(node.Content[0], "kind")
			if meta := mapField(node.Content[0], "metadata"); meta != nil {
				d.Name = scalarField(meta, "name")
			}
		}
		return &Error{Doc: d, Line: line + lineOffset, Msg: "more than one YAML document without a \"---\" line between them (a \"...\" marker?)"}
	}
	if node.Kind != yaml.DocumentNode || len(node.Content) != 1 {
		return nil
	}
	root := node.Content[0]
	switch root.Kind {
	case yaml.MappingNode:
	case yaml.ScalarNode:
		if root.Tag == "!!null" {
			return nil
		}
		return &Error{Doc: d, Line: root.Line + lineOffset, Msg: "document is a plain value, not a Kubernetes object (a mapping)"}
	case yaml.SequenceNode:
		return &Error{Doc: d, Line: root.Line + lineOffset, Msg: "document is a YAML list, not a Kubernetes object (a mapping); Helm refuses it too"}
	default:
		return &Error{Doc: d, Line: root.Line + lineOffset, Msg: "document is not a Kubernetes object (a mapping)"}
	}
	d.Object = true
	d.APIVersion = scalarField(root, "apiVersion")
	d.Kind = scalarField(root, "kind")
	if meta := mapField(root, "metadata"); meta != nil {
		d.Name, d.Namespace = scalarField(meta, "name"), scalarField(meta, "namespace")
	}
	if err := duplicateKey(root, lineOffset); err != nil {
		err.Doc = d
		return err
	}
	if d.Source == "" {
		if meta := mapField(root, "metadata"); meta != nil {
			if ann := mapField(meta, "annotations"); ann != nil {
				d.Source = scalarField(ann, HelmFilenameAnnotation)
			}
		}
	}
	if !keep(d) {
		return nil
	}
	if err := expandAliases(root); err != nil {
		return &Error{Doc: d, Msg: err.Error()}
	}
	d.SeqIndent = seqIndent(d.Raw)
	d.Node = yaml.NewRNode(root)
	return nil
}

func yamlError(d *Doc, err error, lineOffset int) error {
	d.Kind = sniffKind(d.Raw) // the parse failed, but the message can still name the kind
	line, msg := yamlErrorLine(err)
	return &Error{Doc: d, Line: line + lineOffset, Msg: "invalid YAML: " + msg}
}

// yamlErrorLine reads the 1-based line within the parsed text out of a
// go-yaml error, and the message without it. go-yaml counts parser errors
// ("did not find expected ...") from 0 and scanner errors from 1, and
// names no line at all when it would be 0: that is the first line.
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	n := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if _, scanErr := fmt.Sscanf(rest[:i], "%d", &n); scanErr == nil {
				msg = rest[i+2:]
			}
		}
	}
	if strings.Contains(msg, "did not find expected") {
		n++
	}
	if n == 0 {
		n = 1
	}
	return n, msg
}

func scalarField(m *yaml.Node, key string) string {
	if v := field(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func mapField(m *yaml.Node, key string) *yaml.Node {
	if v := field(m, key); v != nil && v.Kind == yaml.MappingNode {
		return v
	}
	return nil
}

func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// duplicateKey finds a mapping that has a key twice. YAML forbids it and
// the API server's strict decoding refuses it; which value would win is
// anybody's guess.
func duplicateKey(n *yaml.Node, lineOffset int) *Error {
	if n.Kind == yaml.MappingNode && len(n.Content) > 2 {
		var seen map[string]int
		if len(n.Content) > 16 {
			seen = make(map[string]int, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if seen == nil {
				for j := 0; j < i; j += 2 {
					if p := n.Content[j]; p.Kind == yaml.ScalarNode && p.Value == k.Value {
						return &Error{Line: k.Line + lineOffset, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, p.Line+lineOffset)}
					}
				}
				continue
			}
			if first, ok := seen[k.Value]; ok {
				return &Error{Line: k.Line + lineOffset, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, first+lineOffset)}
			}
			seen[k.Value] = k.Line
		}
	}
	for _, c := range n.Content {
		if err := duplicateKey(c, lineOffset); err != nil {
			return err
		}
	}
	return nil
}

// sniffKind reads a top-level "kind:" line of a document that does not
// parse (a tab-indented one too: tabs are a common reason it does not).
func sniffKind(raw []byte) string {
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if v, ok := bytes.CutPrefix(bytes.TrimLeft(line, "\t"), []byte("kind:")); ok {
			v = bytes.TrimSpace(v)
			if i := bytes.IndexByte(v, '#'); i >= 0 {
				v = bytes.TrimSpace(v[:i])
			}
			return strings.Trim(string(v), `"'`)
		}
	}
	return ""
}
