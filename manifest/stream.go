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
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Doc is one document of the stream.
type Doc struct {
	// Index counts the pieces of the stream from 0: the text before the
	// first separator is piece 0 even when it is empty.
	Index int
	// Number is how messages and reports name the document: documents
	// count from 1 in stream order, and the text before the first "---"
	// is document 1 only when it holds more than blanks, comments and
	// directives (Helm's streams start with "---": their first object
	// is document 1 either way).
	Number int
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
	// Read is true when a Reader read the document instead (ParseRead).
	Read bool
	// SeqIndent is how the document indents its lists, so a re-encoded
	// document keeps the look of its input.
	SeqIndent yaml.SequenceIndentStyle
	// headComment and footComment are the comments go-yaml files with the
	// document rather than its first or last key: a head comment a blank
	// line follows, and a comment after a "..." end marker.
	headComment, footComment string
	// crlf is true when the document's lines end in CRLF; a re-encoded
	// document is written so too.
	crlf bool
	// aliases is true when the kept document holds anchors or aliases.
	aliases bool
	// merges tells the parsed node has merge keys ("<<") to resolve.
	merges bool
	// badMerge is the error of a merge key in a document not kept.
	badMerge *Error
	// trailer is a "..." line and the directives after it, which belong
	// to the next document; a re-encoded document is followed by them.
	trailer []byte
}

// Label names the document for messages: index, kind/name and source file.
func (d *Doc) Label() string {
	var b strings.Builder
	fmt.Fprintf(&b, "document %d", d.Number)
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
		_, next := nextLine(data, pos)
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
	first := 1
	if !holdsContent(docs[0].Raw) {
		first = 0
	}
	for _, d := range docs {
		d.Source = sourceComment(d.Raw)
		d.Number = d.Index + first
	}
	return docs
}

// directiveTrailer is the offset of a "..." line that only blank lines,
// comments and directives follow, at least one directive ("%YAML 1.1"):
// YAML puts a document's directives after the end marker of the one
// before it. It is -1 when text ends otherwise.
func directiveTrailer(text []byte) int {
	if !bytes.Contains(text, []byte("\n%")) {
		return -1
	}
	var starts []int
	for i := 0; i < len(text); {
		starts = append(starts, i)
		j := bytes.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	directive := false
	for k := len(starts) - 1; k >= 0; k-- {
		end := len(text)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		line := bytes.TrimSpace(text[starts[k]:end])
		switch {
		case len(line) == 0 || line[0] == '#':
		case line[0] == '%':
			directive = true
		case directive && (bytes.Equal(line, []byte("...")) || bytes.HasPrefix(line, []byte("... #"))):
			return starts[k]
		default:
			return -1
		}
	}
	return -1
}

// hasDirective reports whether text holds a directive line ("%YAML 1.1").
func hasDirective(text []byte) bool {
	for _, line := range bytes.Split(text, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("%")) {
			return true
		}
	}
	return false
}

// holdsContent reports whether text holds more than blank lines, comments
// and directives ("%YAML 1.1"): a YAML document, not just its preamble.
func holdsContent(text []byte) bool {
	for len(text) > 0 {
		line := text
		if end := bytes.IndexByte(text, '\n'); end >= 0 {
			line, text = text[:end], text[end+1:]
		} else {
			text = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) > 0 && line[0] != '#' && line[0] != '%' {
			return true
		}
	}
	return false
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

// MaxAliasNodes bounds how many nodes the aliases of one stream may copy
// in all. Kept documents are edited, so aliases in them are expanded; a
// billion-laughs document, or hundreds of documents each holding a smaller
// one, is refused instead of eating the time and memory. A large document
// with a few small aliases copies a few nodes, however large it is.
const MaxAliasNodes = 1 << 17

// Parse checks that every document is well-formed YAML holding one mapping
// (or nothing), records its kind, and keeps the parsed node of the documents
// keep selects. Documents are parsed concurrently, their aliases expanded
// in stream order under one budget; the first error in stream order is
// returned.
func Parse(docs []*Doc, keep Keep) error {
	return ParseRead(docs, keep, nil)
}

// A Reader reads what it needs of a parsed document. It keeps no node of
// root: the tree may be built in memory the next document reuses. It may
// be called for many documents at once.
type Reader func(d *Doc, root *yaml.RNode)

// ParseRead is Parse, but the kept documents for which readers returns a
// Reader are handed to it and not kept: their Node stays nil, and Read
// tells they were read. One holding aliases or merge keys is kept as
// Parse keeps it.
func ParseRead(docs []*Doc, keep Keep, readers func(d *Doc) Reader) error {
	if err := Parallel(len(docs), func(i int) error { return parseOne(docs[i], keep, readers, i == len(docs)-1) }); err != nil {
		return err
	}
	budget := &aliasBudget{left: MaxAliasNodes}
	for _, d := range docs {
		if d.badMerge != nil {
			return d.badMerge
		}
		if d.Node == nil {
			continue
		}
		if d.aliases {
			if line, err := budget.expand(d.Node.YNode()); err != nil {
				if line > 0 {
					line += d.lineOffset()
				}
				return &Error{Doc: d, Line: line, Msg: err.Error()}
			}
		}
		if d.merges {
			if line, err := resolveMerges(d.Node.YNode()); err != nil {
				return &Error{Doc: d, Line: line + d.lineOffset(), Msg: err.Error()}
			}
		}
	}
	return nil
}

// Parallel calls f(0) to f(n-1) on as many goroutines as there are
// processors, and returns the error of the lowest i that failed: the
// same error a loop in order would have stopped at.
func Parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = f(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// StreamLine is the line of the stream where a line of the parsed
// document (a node's Line) is.
func (d *Doc) StreamLine(line int) int {
	return line + d.lineOffset()
}

// lineOffset is what to add to a line of the parsed text to get the
// stream's line.
func (d *Doc) lineOffset() int {
	if separatorContent(d.Separator) != "" {
		return d.Line - 2
	}
	return d.Line - 1
}

func parseOne(d *Doc, keep Keep, readers func(*Doc) Reader, last bool) error {
	text := d.Raw
	lineOffset := d.lineOffset()
	if c := separatorContent(d.Separator); c != "" {
		text = append([]byte(d.Separator), d.Raw...)
	}
	if !holdsContent(text) {
		if line, msg, bad := badCharacter(text); bad {
			return &Error{Doc: d, Line: line + lineOffset, Msg: "invalid YAML: " + msg}
		}
		if last && hasDirective(text) {
			return &Error{Doc: d, Line: d.Line, Msg: "a YAML directive (\"%YAML\", \"%TAG\") with no document after it"}
		}
		return nil // blanks, comments, or directives for the next document
	}
	if i := directiveTrailer(text); i >= 0 && !last {
		d.trailer, text = text[i:], text[:i]
	}
	if d.crlf = bytes.Contains(text, []byte("\r\n")); d.crlf {
		// go-yaml files comments differently with CRLF line breaks.
		text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	}
	scanned, kept := d.scan(text, keep)
	if scanned && !kept {
		return nil // well-formed, and no tree needed
	}
	// A scanned document is kept here, and its kind known before the
	// parse; another's is known after it.
	var read Reader
	if scanned && readers != nil {
		read = readers(d)
	}
	var node *yaml.Node
	if scanned {
		// A tree to be read is built in an arena, given back once read;
		// one kept after all keeps the arena's memory.
		var arena *nodeArena
		if read != nil {
			arena = arenas.Get().(*nodeArena)
			defer func() {
				if d.Node == nil {
					arena.reset()
					arenas.Put(arena)
				}
			}()
		}
		node, _ = parseBlockIn(text, arena) // one mapping, and most often of the part parseBlock reads
	}
	if node == nil {
		var err error
		if node, err = decode(d, text, lineOffset); node == nil || err != nil {
			return err
		}
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
	d.APIVersion = mergedText(root, "apiVersion")
	d.Kind = mergedText(root, "kind")
	d.Name, d.Namespace = mergedText(root, "metadata", "name"), mergedText(root, "metadata", "namespace")
	if err := checkKeys(root, lineOffset); err != nil {
		err.Doc = d
		return err
	}
	if d.Source == "" {
		d.Source = mergedText(root, "metadata", "annotations", HelmFilenameAnnotation)
	}
	// An alias to a node that contains it is refused in every document:
	// expanding it would never end, and Helm and kubectl cannot read it
	// in one passed through either.
	aliases := hasAlias(root)
	if aliases {
		if line, err := aliasLoop(root); err != nil {
			return &Error{Doc: d, Line: line + lineOffset, Msg: err.Error()}
		}
	}
	merges := hasMerge(root)
	if !kept && !keep(d) {
		// Kubernetes refuses a merge key naming anything but mappings in
		// a document passed through too (Parse reports it in stream order,
		// as it does for kept ones).
		if merges {
			if line, err := badMergeValue(root); err != nil {
				d.badMerge = &Error{Doc: d, Line: line + lineOffset, Msg: err.Error()}
			}
		}
		return nil
	}
	markNonSpecific(root, text)
	if !scanned && readers != nil {
		read = readers(d)
	}
	if read != nil && !aliases && !merges {
		read(d, yaml.NewRNode(root))
		d.Read = true
		return nil
	}
	d.aliases = aliases
	d.merges = merges
	d.headComment, d.footComment = node.HeadComment, node.FootComment
	d.SeqIndent = seqIndent(d.Raw)
	d.Node = yaml.NewRNode(root)
	return nil
}

// decode parses text with yaml.v3: its document node, or nil for a text
// of comments only.
func decode(d *Doc, text []byte, lineOffset int) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var node yaml.Node
	if err := dec.Decode(&node); err != nil {
		if err == io.EOF {
			return nil, nil // comments only
		}
		return nil, yamlError(d, text, err, lineOffset)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			line, _ = yamlErrorLine(err)
		}
		if len(node.Content) == 1 && node.Content[0].Kind == yaml.MappingNode {
			d.Kind = mergedText(node.Content[0], "kind")
			d.Name = mergedText(node.Content[0], "metadata", "name")
		}
		return nil, &Error{Doc: d, Line: line + lineOffset, Msg: "more than one YAML document without a \"---\" line between them (a \"...\" marker?)"}
	}
	return &node, nil
}

// scan reads the document with scanBlock when it can (not with CRLF line
// ends or a "..." trailer): scanned tells it could, and kept that keep
// wants its tree.
func (d *Doc) scan(text []byte, keep Keep) (scanned, kept bool) {
	if d.trailer != nil || d.crlf {
		return false, false
	}
	f, ok := scanBlock(text)
	if !ok {
		return false, false
	}
	d.Object = true
	d.APIVersion, d.Kind, d.Name, d.Namespace = f.apiVersion, f.kind, f.name, f.namespace
	if d.Source == "" {
		d.Source = f.source
	}
	return true, keep(d)
}

func yamlError(d *Doc, text []byte, err error, lineOffset int) error {
	_, d.Kind = TopFields(d.Raw) // the parse failed, but the message can still name the kind
	if line, msg, ok := badCharacter(text); ok {
		// go-yaml checks the characters before parsing and names no line.
		return &Error{Doc: d, Line: line + lineOffset, Msg: "invalid YAML: " + msg}
	}
	line, msg := yamlErrorLine(err)
	return &Error{Doc: d, Line: line + lineOffset, Msg: "invalid YAML: " + msg}
}

// badCharacter finds the first byte YAML does not allow in a stream:
// bytes that are not UTF-8, and control characters (NUL among them) other
// than tab and line breaks. It returns the 1-based line of text it is on.
func badCharacter(text []byte) (int, string, bool) {
	line := 1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return line, fmt.Sprintf("byte 0x%02X is not UTF-8 (YAML streams are UTF-8 text)", text[i]), true
		case r == '\n':
			line++
		case r == '\t' || r == '\r' || r == 0x85:
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == 0xFFFE || r == 0xFFFF:
			name := fmt.Sprintf("U+%04X", r)
			if r == 0 {
				name = "NUL (U+0000)"
			}
			return line, "control character " + name + " (YAML allows no control characters but tab and line breaks)", true
		}
		i += size
	}
	return 0, "", false
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

// checkKeys finds a mapping key Kubernetes cannot read: one that is a
// list or a mapping, or a key the mapping has twice (YAML forbids it, the
// API server's strict decoding refuses it, and which value would win is
// anybody's guess). An alias used as a key counts as the value it names,
// as it will once expanded.
func checkKeys(n *yaml.Node, lineOffset int) *Error {
	if n.Kind == yaml.MappingNode {
		var seen map[string]int
		if len(n.Content) > 16 {
			seen = make(map[string]int, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := keyValue(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				return &Error{Line: n.Content[i].Line + lineOffset, Msg: "a mapping key that is a list or a mapping: Kubernetes cannot read it"}
			}
			line := n.Content[i].Line
			if seen == nil {
				for j := 0; j < i; j += 2 {
					if p := keyValue(n.Content[j]); p.Value == k.Value {
						return &Error{Line: line + lineOffset, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, n.Content[j].Line+lineOffset)}
					}
				}
				continue
			}
			if first, ok := seen[k.Value]; ok {
				return &Error{Line: line + lineOffset, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, first+lineOffset)}
			}
			seen[k.Value] = line
		}
	}
	for _, c := range n.Content {
		if err := checkKeys(c, lineOffset); err != nil {
			return err
		}
	}
	return nil
}

// keyValue is a mapping key as the decoder will read it: what an alias
// names, in place of the alias.
func keyValue(k *yaml.Node) *yaml.Node {
	for k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	return k
}

// TopFields reads a document's apiVersion and kind from lines that start
// with them, without parsing it: a guess, never what a document is taken
// to be, made before the parse (to size the work ahead) or after it failed
// (to name the kind in the message). A line indented with tabs counts:
// tabs are a common reason a document does not parse.
func TopFields(raw []byte) (apiVersion, kind string) {
	for len(raw) > 0 && (apiVersion == "" || kind == "") {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimLeft(line, "\t")
		if v, ok := bytes.CutPrefix(line, []byte("apiVersion:")); ok && apiVersion == "" {
			apiVersion = topValue(v)
		} else if v, ok := bytes.CutPrefix(line, []byte("kind:")); ok && kind == "" {
			kind = topValue(v)
		}
	}
	return apiVersion, kind
}

// topValue is a one-line value without its comment, spaces and quotes; a
// carriage return ends the line too (a stream of CR-only line ends is not
// yet split into lines when the value names the kind in its error).
func topValue(v []byte) string {
	if i := bytes.IndexByte(v, '\r'); i >= 0 {
		v = v[:i]
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = v[:i]
	}
	return strings.Trim(string(bytes.TrimSpace(v)), `"'`)
}

// FromCR returns data with its line breaks made line feeds when it breaks
// lines with carriage returns alone (classic Mac OS text), and whether it
// did: ToCR turns the output back. A stream that mixes CR-only breaks with
// LF or CRLF ones is refused at the first CR-only break.
func FromCR(data []byte) ([]byte, bool, error) {
	i := bareCR(data)
	if i < 0 {
		return data, false, nil
	}
	if bytes.IndexByte(data, '\n') < 0 {
		return bytes.ReplaceAll(data, []byte("\r"), []byte("\n")), true, nil
	}
	line := bytes.Count(data[:i], []byte("\n")) + 1
	docs := Split(data)
	d := docs[0]
	for _, next := range docs[1:] {
		if next.Line > line {
			break
		}
		d = next
	}
	_, d.Kind = TopFields(d.Raw)
	return nil, false, &Error{Doc: d, Line: line, Msg: "a line ends in a carriage return alone, others in a line feed: mixed line endings; convert the stream to LF (or CRLF) line endings"}
}

// ToCR undoes FromCR.
func ToCR(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte("\n"), []byte("\r"))
}

// bareCR is the offset of the first carriage return no line feed
// follows, or -1.
func bareCR(data []byte) int {
	for off := 0; ; {
		i := bytes.IndexByte(data[off:], '\r')
		if i < 0 {
			return -1
		}
		off += i + 1
		if off == len(data) || data[off] != '\n' {
			return off - 1
		}
	}
}
