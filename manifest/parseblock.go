package manifest

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Building yaml.v3 trees was most of the time, and most of the garbage,
// of a run over many workloads: go-yaml goes through tokens and events,
// each allocated, for every scalar. parseBlock builds the same tree
// directly for the YAML rendered workloads are written in: block mappings
// and lists, one-line plain and quoted scalars (with a comment after
// them or not), "|" and "|-" blocks, one-line flow lists of scalars,
// "{}", "#" lines at the top of the document and right above a key.
// Anything else (other comments, multi-line plain and quoted scalars,
// ">" blocks, flow collections of pairs, escapes) makes it decline, and yaml.v3
// parses the document. It only reads documents scanBlock accepted (no
// tabs, anchors, aliases, tags, merge keys or duplicate keys; one mapping
// at column 0). The tests hold it to yaml.v3: what it builds, yaml.v3
// builds too, field for field (agreeParse, which FuzzScanBlock and the
// tests that walk short documents and values in full run).

// blockLine is a line of the document: where it starts and ends in the
// text, and its indentation; blank and comment lines are not kept.
type blockLine struct {
	start, end, indent int
	number             int // 1-based
	// comment is where the "#" lines right above the line (at its
	// indentation) start and end, when it has them: its key's head
	// comment.
	comment, commentEnd int
	// block is where the lines of the "|" block the line opens end.
	block int
}

// blockParser is parseBlock's state: the document as one string (the
// scalars' values are slices of it: one copy for the whole document)
// and its non-blank lines.
type blockParser struct {
	src   []byte
	text  string
	lines []blockLine
	i     int // the line being read
	// open holds the children of the open collections, each collection's
	// from where it started: a collection gets a slice of its size.
	open []*yaml.Node
	// arena, when set, holds the tree's nodes and child lists instead of
	// the heap (parseBlockIn).
	arena *nodeArena
}

// node returns a new node holding v: from the arena when there is one.
func (p *blockParser) node(v yaml.Node) *yaml.Node {
	if p.arena != nil {
		return p.arena.node(v)
	}
	n := new(yaml.Node)
	*n = v
	return n
}

// closeCollection gives n the children opened since base.
func (p *blockParser) closeCollection(n *yaml.Node, base int) {
	if p.arena != nil {
		n.Content = p.arena.children(len(p.open) - base)
	} else {
		n.Content = make([]*yaml.Node, len(p.open)-base)
	}
	copy(n.Content, p.open[base:])
	clear(p.open[base:])
	p.open = p.open[:base]
}

// blockParsers keep parseBlock's line and collection stacks from one
// document to the next.
var blockParsers = sync.Pool{New: func() any { return new(blockParser) }}

// release puts p back in blockParsers, holding no text and no nodes.
func (p *blockParser) release() {
	clear(p.open[:cap(p.open)])
	*p = blockParser{lines: p.lines[:0], open: p.open[:0]}
	blockParsers.Put(p)
}

// parseBlock returns the yaml.v3 document node of text, or false to
// leave the document to yaml.v3.
func parseBlock(text []byte) (*yaml.Node, bool) {
	return parseBlockIn(text, nil)
}

// parseBlockIn is parseBlock building the tree in arena (nil: the heap).
func parseBlockIn(text []byte, arena *nodeArena) (*yaml.Node, bool) {
	p := blockParsers.Get().(*blockParser)
	defer p.release()
	p.src, p.text, p.i, p.arena = text, string(text), 0, arena
	// The comment lines at the top are a head comment: of the document
	// when a blank line follows them, else of the first key.
	head, headEnd, blankAfterHead := -1, 0, false
	// Further down, "#" lines are the head comment of the key on the line
	// right under them, at their indentation; any other comment line (a
	// blank line around it, a list item or the end under it) is left to
	// yaml.v3, whose rules for those are many.
	run, runEnd, runIndent, blank := -1, 0, 0, false
	for pos, number := 0, 1; pos < len(p.text); number++ {
		line, _ := nextLine(text, pos)
		end := pos + len(line)
		n := indentOf(line)
		switch {
		case pos+n == end:
			switch {
			case head >= 0 && len(p.lines) == 0:
				blankAfterHead = true
			case len(p.lines) == 0 || run >= 0:
				return nil, false // blank lines before the head comment, or under a comment
			}
			blank = true
		case p.text[pos+n] == '#':
			if c := p.text[end-1]; c == ' ' || c == '\t' || strings.IndexByte(p.text[pos:end], '\t') >= 0 {
				return nil, false // go-yaml may trim what ends a comment
			}
			if len(p.lines) > 0 {
				if blank || run >= 0 && n != runIndent {
					return nil, false
				}
				if run < 0 {
					run, runIndent = pos, n
				}
				runEnd = end
				break
			}
			if n > 0 || blankAfterHead {
				return nil, false
			}
			if head < 0 {
				head = pos
			}
			headEnd = end
		default:
			l := blockLine{start: pos, end: end, indent: n, number: number}
			if run >= 0 {
				if _, _, isKey := splitKey(text[pos+n : end]); !isKey || n != runIndent {
					return nil, false
				}
				l.comment, l.commentEnd, run = run, runEnd, -1
			}
			blank = false
			if col, ok := p.literalHeader(l); ok {
				// The block's lines are its value's, "#" ones too: they
				// end where scanBlock found them to.
				from := min(end+1, len(p.text))
				size, ok := blockBody(text[from:], col)
				if !ok {
					return nil, false
				}
				body := text[from : from+size]
				l.block = from + size
				number += bytes.Count(body, []byte("\n"))
				blank = lastLineBlank(body)
				end = l.block - 1
			}
			p.lines = append(p.lines, l)
		}
		pos = end + 1
	}
	if len(p.lines) == 0 || p.lines[0].indent != 0 || run >= 0 {
		return nil, false
	}
	root, ok := p.mapping(0, p.lines[0].start)
	if !ok || p.i != len(p.lines) {
		return nil, false
	}
	doc := p.node(yaml.Node{Kind: yaml.DocumentNode, Line: p.lines[0].number, Column: 1})
	base := len(p.open)
	p.open = append(p.open, root)
	p.closeCollection(doc, base)
	if head >= 0 {
		comment := p.text[head:headEnd]
		if blankAfterHead {
			doc.HeadComment = comment
		} else {
			root.Content[0].HeadComment = comment
		}
	}
	return doc, true
}

// column is yaml.v3's 1-based column of the byte at off on line l: it
// counts characters, not bytes.
func (p *blockParser) column(l blockLine, off int) int {
	prefix := p.text[l.start:off]
	for i := 0; i < len(prefix); i++ {
		if prefix[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(prefix) + 1
		}
	}
	return len(prefix) + 1
}

// item reports whether line l is a list item ("- x", "-").
func (p *blockParser) item(l blockLine) bool {
	rest := p.text[l.start+l.indent : l.end]
	return rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ')
}

// mapping reads a block mapping at col whose first key starts at from on
// the current line (after "- " for a mapping in a list item).
func (p *blockParser) mapping(col, from int) (*yaml.Node, bool) {
	l := p.lines[p.i]
	m := p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: l.number, Column: p.column(l, from)})
	base := len(p.open)
	for {
		key, value, ok := p.keyValue(col, from)
		if !ok {
			return nil, false
		}
		p.open = append(p.open, key, value)
		if p.i == len(p.lines) {
			break
		}
		l = p.lines[p.i]
		if l.indent > col {
			return nil, false // more indented than the entries: a continuation, or an error
		}
		if l.indent < col || p.item(l) {
			break // an indentless list's next item is the parent's
		}
		from = l.start + col
	}
	p.closeCollection(m, base)
	return m, true
}

// keyValue reads the entry "key: value" at from on the current line of a
// mapping at col, and its value's lines.
func (p *blockParser) keyValue(col, from int) (key, value *yaml.Node, ok bool) {
	l := p.lines[p.i]
	rest := p.text[from:l.end]
	k, v, isKey := splitKey(p.src[from:l.end])
	if !isKey {
		return nil, nil, false
	}
	key = p.node(yaml.Node{Kind: yaml.ScalarNode, Line: l.number, Column: p.column(l, from)})
	if l.commentEnd > 0 {
		if from != l.start+l.indent {
			return nil, nil, false
		}
		key.HeadComment = p.text[l.comment+l.indent : l.commentEnd]
		if l.indent > 0 {
			key.HeadComment = strings.ReplaceAll(key.HeadComment, "\n"+p.text[l.start:l.start+l.indent], "\n")
		}
	}
	if rest[0] == '"' || rest[0] == '\'' {
		quoted(key, rest[0], rest[1:1+len(k)]) // splitKey takes no escape, no inner quote
	} else {
		key.Value = rest[:len(k)]
		key.Tag = plainTag(key.Value)
	}
	colon := from + len(rest) - len(v) - 1
	at := colon + 1 + indentOf(v)
	p.i++
	if at == l.end {
		value, ok = p.nested(col, l, colon+1, true)
		return key, value, ok
	}
	value, ok = p.scalar(l, at)
	return key, value, ok
}

// nested reads the value of an entry at col whose line l ends after its
// key or dash (at after): a collection or a scalar on the next lines, or
// null.
func (p *blockParser) nested(col int, l blockLine, after int, inMapping bool) (*yaml.Node, bool) {
	if p.i < len(p.lines) {
		next := p.lines[p.i]
		switch {
		case next.indent > col:
			at := next.start + next.indent
			if p.item(next) {
				return p.sequence(next.indent)
			}
			if _, _, isKey := splitKey(p.src[at:next.end]); isKey {
				return p.mapping(next.indent, at)
			}
			p.i++
			return p.scalar(next, at) // "resources:\n  {}", as toYaml writes an empty map
		case next.indent == col && inMapping && p.item(next):
			return p.sequence(col)
		}
	}
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: l.number, Column: p.column(l, after)}), true
}

// sequence reads a block list whose items start at col.
func (p *blockParser) sequence(col int) (*yaml.Node, bool) {
	l := p.lines[p.i]
	s := p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: l.number, Column: col + 1})
	base := len(p.open)
	for p.i < len(p.lines) {
		l = p.lines[p.i]
		if l.indent < col || l.indent == col && !p.item(l) {
			break
		}
		if l.indent > col {
			return nil, false
		}
		dash := l.start + col
		at := dash + 1
		for at < l.end && p.text[at] == ' ' {
			at++
		}
		var item *yaml.Node
		var ok bool
		switch {
		case at == l.end:
			p.i++
			item, ok = p.nested(col, l, dash+1, false)
		case p.text[at] == '-' && (at+1 == l.end || p.text[at+1] == ' '):
			return nil, false // a list in a list item
		default:
			if _, _, isKey := splitKey(p.src[at:l.end]); isKey {
				item, ok = p.mapping(at-l.start, at)
			} else {
				p.i++
				item, ok = p.scalar(l, at)
			}
		}
		if !ok {
			return nil, false
		}
		p.open = append(p.open, item)
	}
	p.closeCollection(s, base)
	return s, true
}

// scalar reads the value at off on line l (whose entry is read): a
// one-line plain or quoted scalar, a flow list of scalars, or "{}". Its caller declines
// when the next line is more indented than the entry (a continuation).
func (p *blockParser) scalar(l blockLine, off int) (*yaml.Node, bool) {
	v := p.text[off:l.end]
	n := p.node(yaml.Node{Kind: yaml.ScalarNode, Line: l.number, Column: p.column(l, off)})
	switch v[0] {
	case '"', '\'':
		end := closeQuote(p.src[off+1:l.end], v[0]) + 1
		if end <= 0 || !lineComment(n, v[end:]) || !quoted(n, v[0], v[1:end-1]) {
			return nil, false
		}
	case '[':
		return p.flowList(l, off)
	case '|':
		return p.literal(l, off)
	case '{':
		if len(v) < 2 || v[1] != '}' || strings.TrimRight(v[2:], " ") != "" {
			return nil, false
		}
		n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
	default:
		if !plainStart(p.src[off:l.end]) {
			return nil, false
		}
		end, ok := plainEnd(p.src[off:l.end])
		if !ok || !lineComment(n, v[end:]) {
			return nil, false
		}
		n.Value = v[:end]
		n.Tag = plainTag(n.Value)
	}
	return n, true
}

// literalHeader reports whether line l's value is a literal block ("|"
// or "|-", nothing after it), and the column of its entry (key or list
// item), which the block's lines are further right of.
func (p *blockParser) literalHeader(l blockLine) (col int, ok bool) {
	rest := p.src[l.start+l.indent : l.end]
	col = l.indent
	for rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ') {
		k := 1 + indentOf(rest[1:])
		if k == len(rest) {
			return 0, false
		}
		if rest[k] == '|' {
			return col, literalMark(rest[k:])
		}
		col, rest = col+k, rest[k:]
	}
	_, v, isKey := splitKey(rest)
	if !isKey {
		return 0, false
	}
	v = v[indentOf(v):]
	return col, len(v) > 0 && literalMark(v)
}

// literalMark reports whether v is a literal block's header this parser
// reads: "|" or "|-", then spaces at most.
func literalMark(v []byte) bool {
	if v[0] != '|' {
		return false
	}
	v = v[1:]
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	return indentOf(v) == len(v)
}

// lastLineBlank reports whether text has lines and its last holds only
// spaces.
func lastLineBlank(text []byte) bool {
	if len(text) == 0 {
		return false
	}
	text = bytes.TrimSuffix(text, []byte("\n"))
	last := text[bytes.LastIndexByte(text, '\n')+1:]
	return indentOf(last) == len(last)
}

// literal reads the literal block at off on line l: its lines with the
// block's indentation taken off, ending in one line break ("|") or none
// ("|-"). A block that starts with a blank line, holds a blank line with
// more spaces than the indentation, is empty, or ends the text without a
// line break is left to yaml.v3.
func (p *blockParser) literal(l blockLine, off int) (*yaml.Node, bool) {
	if !literalMark(p.src[off:l.end]) || l.block <= l.end+1 {
		return nil, false
	}
	body := p.text[l.end+1 : l.block]
	if !strings.HasSuffix(body, "\n") {
		return nil, false
	}
	lines := strings.Split(body[:len(body)-1], "\n")
	indent := indentOf([]byte(lines[0]))
	if indent == len(lines[0]) {
		return nil, false
	}
	for len(lines) > 0 && strings.TrimLeft(lines[len(lines)-1], " ") == "" {
		if len(lines[len(lines)-1]) > indent {
			return nil, false
		}
		lines = lines[:len(lines)-1]
	}
	var b strings.Builder
	b.Grow(len(body))
	for _, line := range lines {
		switch {
		case strings.TrimLeft(line, " ") == "":
			if len(line) > indent {
				return nil, false
			}
		case len(line) < indent || strings.TrimLeft(line[:indent], " ") != "":
			return nil, false
		default:
			b.WriteString(line[indent:])
		}
		b.WriteByte('\n')
	}
	value := b.String()
	if p.text[off+1] == '-' {
		value = value[:len(value)-1]
	}
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Style: yaml.LiteralStyle, Tag: "!!str", Value: value, Line: l.number, Column: p.column(l, off)}), true
}

// quoted makes n the string quoted with q whose text between the quotes
// is inner: in a single-quoted one a doubled quote stands for one; a
// double-quoted one with an escape is left to yaml.v3 (false).
func quoted(n *yaml.Node, q byte, inner string) bool {
	n.Tag, n.Value, n.Style = "!!str", inner, yaml.DoubleQuotedStyle
	if q == '\'' {
		n.Style = yaml.SingleQuotedStyle
		if strings.IndexByte(inner, '\'') >= 0 {
			n.Value = strings.ReplaceAll(inner, "''", "'")
		}
		return true
	}
	return strings.IndexByte(inner, '\\') < 0
}

// lineComment reads what follows a scalar on its line: nothing but
// spaces, or spaces and a comment, which go-yaml gives the scalar as it
// stands ("# note  "). It reports false for anything else.
func lineComment(n *yaml.Node, rest string) bool {
	c := strings.TrimLeft(rest, " ")
	switch {
	case c == "":
		return true
	case c[0] != '#' || len(c) == len(rest) || strings.IndexByte(c, '\t') >= 0:
		return false
	}
	n.LineComment = c
	return true
}

// flowList reads a one-line flow list of scalars at off on line l, as
// scanBlock's flowList reads it ("[a, 'b', \"c\"]").
func (p *blockParser) flowList(l blockLine, off int) (*yaml.Node, bool) {
	v := p.src[off:l.end]
	end := flowList(v)
	if end < 0 || strings.TrimRight(p.text[off+end:l.end], " ") != "" {
		return nil, false
	}
	n := p.node(yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: "!!seq", Line: l.number, Column: p.column(l, off)})
	i := 1 + indentOf(v[1:])
	base := len(p.open)
	for v[i] != ']' {
		item := p.node(yaml.Node{Kind: yaml.ScalarNode, Line: l.number, Column: p.column(l, off+i)})
		if q := v[i]; q == '"' || q == '\'' {
			e := quotedEnd(v[i:])
			if !quoted(item, q, p.text[off+i+1:off+i+e-1]) {
				return nil, false
			}
			i += e
		} else {
			j := i
			for v[j] != ',' && v[j] != ']' {
				j++
			}
			item.Value = strings.TrimRight(p.text[off+i:off+j], " ")
			item.Tag = plainTag(item.Value)
			i = j
		}
		p.open = append(p.open, item)
		i += indentOf(v[i:])
		if v[i] == ',' {
			i++
			i += indentOf(v[i:])
		}
	}
	p.closeCollection(n, base)
	return n, true
}

// plainTag is the tag yaml.v3 gives a plain scalar: "<<" is a merge
// key wherever it stands, and a scalar starting with any other character
// than these can only be a string (go-yaml's resolve table).
func plainTag(value string) string {
	if value == "<<" {
		return "!!merge"
	}
	switch value[0] {
	case '+', '-', '.', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
		return (&yaml.Node{Kind: yaml.ScalarNode, Value: value}).ShortTag()
	}
	return "!!str"
}
