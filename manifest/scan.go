package manifest

import (
	"bytes"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Most of a release's bytes are documents the filters never look at
// (CustomResourceDefinitions above all), and building a yaml.v3 tree of
// each only to check that it is well-formed was most of the time and the
// peak memory of a run. scanBlock checks a document line by line instead,
// for the YAML such documents are written in: block mappings and lists
// indented with spaces, plain and quoted scalars over one or more lines,
// "|" and ">" blocks, one-line flow lists of scalars, "{}", "#" comments.
// Anything outside that (other flow collections, anchors, aliases, tags,
// merge keys, tabs in indentation, control characters, CR line ends, odd
// indentation, duplicate keys) makes it decline, and yaml.v3 parses the
// document as before. FuzzScanBlock holds it to yaml.v3: what
// it accepts, yaml.v3 parses into one mapping without duplicate keys, with
// the same kind, apiVersion, name, namespace and Helm 4 file annotation.

// scanned is what scanBlock reads of a document.
type scanned struct {
	apiVersion, kind, name, namespace, source string
}

// where tells a mapping that holds a field scanBlock reads.
type where int

const (
	elsewhere where = iota
	atRoot
	atMetadata
	atAnnotations
)

// under is where the mapping that is the value of key in a mapping at w
// is.
func (w where) under(key []byte) where {
	switch {
	case w == atRoot && string(key) == "metadata":
		return atMetadata
	case w == atMetadata && string(key) == "annotations":
		return atAnnotations
	}
	return elsewhere
}

// level is an open block collection.
type level struct {
	col int
	seq bool
	at  where
	// indentless is a list at the column of the key it is the value of.
	indentless bool
	// keys is where the mapping's keys start in the scanner's keys; seen
	// holds them once there are many.
	keys int
	seen map[string]bool
}

// has reports whether the mapping on top of the stack has key already,
// and adds it.
func (s *scanner) has(key []byte) bool {
	l := &s.stack[len(s.stack)-1]
	if l.seen != nil {
		if l.seen[string(key)] {
			return true
		}
		l.seen[string(key)] = true
		return false
	}
	for _, k := range s.keys[l.keys:] {
		if bytes.Equal(k, key) {
			return true
		}
	}
	s.keys = append(s.keys, key)
	if len(s.keys)-l.keys > 32 {
		l.seen = make(map[string]bool, 2*(len(s.keys)-l.keys))
		for _, k := range s.keys[l.keys:] {
			l.seen[string(k)] = true
		}
	}
	return false
}

// push opens a collection.
func (s *scanner) push(l level) {
	l.keys = len(s.keys)
	s.stack = append(s.stack, l)
}

// pop closes the innermost collection.
func (s *scanner) pop() {
	s.keys = s.keys[:s.stack[len(s.stack)-1].keys]
	s.stack = s.stack[:len(s.stack)-1]
}

// scanner is scanBlock's state.
type scanner struct {
	stack []level
	keys  [][]byte // the keys of the open mappings
	// nest is the column of the entry (key or list item) whose value is
	// still to come on the next, more indented lines; -1 when none.
	nest int
	// child is where the collection nest opens is; nestWanted tells
	// the value is a field scanBlock reads.
	child      where
	nestWanted bool
	// cont is the column of the entry whose plain scalar more indented
	// lines continue; -1 when none. closed tells a comment ended it, and
	// wanted that it is a field scanBlock reads (which must be one line).
	cont           int
	closed, wanted bool
	f              scanned
}

// scanners keep the stacks of scanBlock's scanners from one document to
// the next.
var scanners = sync.Pool{New: func() any { return new(scanner) }}

// release puts s back in scanners, holding no text and no maps.
func (s *scanner) release() {
	clear(s.stack[:cap(s.stack)])
	clear(s.keys[:cap(s.keys)])
	scanners.Put(s)
}

// scanBlock reports whether the document text is well-formed YAML of the
// block subset described above, holding one mapping, and what it reads.
func scanBlock(text []byte) (scanned, bool) {
	if !printable(text) {
		return scanned{}, false
	}
	s := scanners.Get().(*scanner)
	defer s.release()
	*s = scanner{stack: s.stack[:0], keys: s.keys[:0], nest: -1, cont: -1}
	for pos := 0; pos < len(text); {
		var line []byte
		line, pos = nextLine(text, pos)
		col := indentOf(line)
		rest := line[col:]
		if len(rest) == 0 {
			continue
		}
		if rest[0] == '#' {
			s.closed = s.cont >= 0
			continue
		}
		if rest[0] == '\t' {
			return scanned{}, false
		}
		if s.cont >= 0 && col > s.cont {
			// The next line of a plain scalar.
			if s.closed || s.wanted {
				return scanned{}, false
			}
			n, ok := plainEnd(rest)
			if !ok {
				return scanned{}, false
			}
			s.closed = n < len(rest) && bytes.IndexByte(rest[n:], '#') >= 0
			continue
		}
		s.cont, s.closed, s.wanted = -1, false, false
		n, ok := s.entry(col, rest, text[pos:])
		if !ok {
			return scanned{}, false
		}
		pos += n
	}
	if len(s.stack) == 0 {
		return scanned{}, false
	}
	return s.f, true
}

// printable reports whether text holds only what YAML allows and the
// scanner reads: line feeds, tabs, and printable UTF-8 (no carriage
// returns, no byte order mark, no NEL).
func printable(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError || r < 0xA0 || r >= 0xD800 && r < 0xE000 || r == 0xFEFF || r == 0xFFFE || r == 0xFFFF {
			return false
		}
		i += size
	}
	return true
}

func indentOf(line []byte) int {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

// isIndicator reports whether text starts with a character that may
// make it something other than plain text.
func isIndicator(text []byte) bool {
	switch text[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '?', ':', '-':
		return true
	}
	return false
}

// plainStart reports whether a plain scalar may start with text: no
// indicator, but for "-", "?" and ":" before a non-space ("-1",
// "--flag").
func plainStart(v []byte) bool {
	switch v[0] {
	case '-', '?', ':':
		return len(v) > 1 && v[1] != ' ' && !(len(v) >= 3 && (string(v[:3]) == "---"))
	case '.':
		return !(len(v) >= 3 && string(v[:3]) == "...")
	}
	return !isIndicator(v)
}

// plainEnd is the length of a one-line plain scalar, without a comment
// and trailing spaces; ok is false when the line holds ": " or ends in
// ":" (a mapping value where none may be) or a tab.
func plainEnd(rest []byte) (int, bool) {
	n := len(rest)
	for i := 0; i < n; i++ {
		switch rest[i] {
		case ':':
			if i+1 == len(rest) || rest[i+1] == ' ' {
				return 0, false
			}
		case '#':
			if i > 0 && rest[i-1] == ' ' {
				n = i
			}
		case '\t':
			return 0, false
		}
	}
	for n > 0 && rest[n-1] == ' ' {
		n--
	}
	return n, true
}

// entry reads a line that starts a mapping entry or a list item at col,
// given the text after the line; it returns how much of that a block
// scalar took.
func (s *scanner) entry(col int, rest, after []byte) (int, bool) {
	if col == 0 && len(rest) >= 3 && (string(rest[:3]) == "---" || string(rest[:3]) == "...") {
		return 0, false
	}
	item := rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ')
	if _, _, isKey := splitKey(rest); !item && !isKey && s.nest >= 0 && col > s.nest {
		// A value on the line after its key ("resources:\n  {}"); one
		// the scanner reads must stay on its key's line.
		at := s.nest
		s.nest = -1
		if s.nestWanted || rest[0] == '|' || rest[0] == '>' {
			return 0, false
		}
		return s.value(at, rest, elsewhere, nil, after)
	}
	if !s.place(col, item) {
		return 0, false
	}
	if !item {
		k, val, isKey := splitKey(rest)
		if !isKey {
			return 0, false
		}
		return s.keyValue(col, k, val, after)
	}
	// "- value", or "- key: value": a mapping whose first key follows the
	// dash. A list directly in a list is left to yaml.v3.
	v := rest[1:]
	vcol := col + 1 + indentOf(v)
	v = v[indentOf(v):]
	switch {
	case len(v) == 0 || v[0] == '#':
		s.nest, s.child, s.nestWanted = col, elsewhere, false
		return 0, true
	case v[0] == '-' && (len(v) == 1 || v[1] == ' '):
		return 0, false
	}
	if k, val, isKey := splitKey(v); isKey {
		s.push(level{col: vcol})
		return s.keyValue(vcol, k, val, after)
	}
	return s.value(col, v, elsewhere, nil, after)
}

// place finds the collection an entry at col belongs to, closing deeper
// ones or opening a new one, as YAML's indentation rules say.
func (s *scanner) place(col int, item bool) bool {
	nest := s.nest
	s.nest = -1
	switch {
	case len(s.stack) == 0:
		if col != 0 || item {
			return false // the root is a mapping at column 0
		}
		s.push(level{col: 0, at: atRoot})
		return true
	case nest >= 0 && col > nest:
		// The first entry of a nested collection.
		s.push(level{col: col, seq: item, at: s.child})
		return true
	case nest >= 0 && col == nest && item:
		// A list at the column of the key it is the value of.
		if top := s.stack[len(s.stack)-1]; !top.seq && top.col == col {
			s.push(level{col: col, seq: true, indentless: true})
			return true
		}
		return false
	}
	for len(s.stack) > 0 {
		top := s.stack[len(s.stack)-1]
		switch {
		case top.col > col:
		case top.col < col:
			return false
		case top.seq == item:
			return true
		case !top.seq || !top.indentless:
			return false
		}
		s.pop()
	}
	return false
}

// splitKey cuts "key: value" (or "key:") into the key's text and the
// rest; isKey is false when rest is no such line of the subset.
func splitKey(rest []byte) (key, value []byte, isKey bool) {
	if rest[0] == '"' || rest[0] == '\'' {
		end := quotedEnd(rest)
		if end < 0 {
			return nil, nil, false
		}
		key, after := rest[1:end-1], rest[end:]
		if bytes.IndexByte(key, '\\') >= 0 || bytes.IndexByte(key, rest[0]) >= 0 ||
			len(after) == 0 || after[0] != ':' || len(after) > 1 && after[1] != ' ' {
			return nil, nil, false
		}
		return key, after[1:], true
	}
	if isIndicator(rest) {
		return nil, nil, false
	}
	i := bytes.Index(rest, []byte(": "))
	if i < 0 {
		if rest[len(rest)-1] != ':' {
			return nil, nil, false
		}
		i = len(rest) - 1
	}
	key = rest[:i]
	if len(key) == 0 || key[len(key)-1] == ' ' || bytes.Contains(key, []byte(" #")) || bytes.IndexByte(key, '\t') >= 0 ||
		string(key) == "<<" || len(key) > 1000 {
		return nil, nil, false
	}
	return key, rest[i+1:], true
}

// quotedEnd is the offset just past the closing quote of the one-line
// quoted scalar v starts with, or -1: unterminated on the line, or with
// an escape the scanner does not read.
func quotedEnd(v []byte) int {
	n := closeQuote(v[1:], v[0])
	if n < 0 {
		return -1
	}
	return n + 1
}

// closeQuote is the offset past the quote q that closes a quoted scalar
// in v, which starts inside it: -1 when v does not close it, -2 at an
// escape the scanner does not read.
func closeQuote(v []byte, q byte) int {
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
			i++
		case v[i] == q:
			return i + 1
		case v[i] == '\\' && q == '"':
			if i+1 == len(v) {
				return -1 // an escaped line break
			}
			n := escapeLen(v[i+1:])
			if n < 0 {
				return -2
			}
			i += n
		}
	}
	return -1
}

// escapeLen is the length of a double-quoted scalar's escape after its
// backslash, or -1 for one YAML does not have.
func escapeLen(e []byte) int {
	digits := 0
	switch e[0] {
	case '0', 'a', 'b', 't', '\t', 'n', 'v', 'f', 'r', 'e', ' ', '"', '\\', 'N', '_', 'L', 'P': // no "\/": go-yaml refuses it
		return 1
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return -1
	}
	if len(e) < 1+digits {
		return -1
	}
	code, err := strconv.ParseUint(string(e[1:1+digits]), 16, 32)
	if err != nil || code >= 0xD800 && code < 0xE000 || code > 0x10FFFF {
		return -1
	}
	return 1 + digits
}

// quotedLines is how much of text (the lines after one that opened a
// quoted scalar with q and left it open) the scalar takes: lines more
// indented than col, up to the one that closes it.
func quotedLines(text []byte, col int, q byte) (int, bool) {
	for pos := 0; pos < len(text); {
		var line []byte
		line, pos = nextLine(text, pos)
		n := indentOf(line)
		if n == len(line) {
			continue
		}
		if n <= col || bytes.IndexByte(line, '\t') >= 0 {
			return 0, false
		}
		switch c := closeQuote(line[n:], q); {
		case c == -2:
			return 0, false
		case c >= 0:
			return pos, trailing(line[n+c:])
		}
	}
	return 0, false
}

// trailing reports whether what follows a scalar on its line is nothing
// but spaces and a comment.
func trailing(rest []byte) bool {
	n := indentOf(rest)
	return n == len(rest) || n > 0 && rest[n] == '#'
}

// keyValue adds a key to the mapping at col and reads its value.
func (s *scanner) keyValue(col int, key, val, after []byte) (int, bool) {
	top := s.stack[len(s.stack)-1]
	if top.seq || top.col != col || s.has(key) {
		return 0, false // a duplicate key: yaml.v3's tree gets the message right
	}
	val = val[indentOf(val):]
	if len(val) == 0 || val[0] == '#' {
		s.nest, s.child, s.nestWanted = col, top.at.under(key), s.f.field(top.at, key) != nil
		return 0, true
	}
	return s.value(col, val, top.at, key, after)
}

// field is the field scanBlock reads that key names in a mapping at w,
// or nil.
func (f *scanned) field(w where, key []byte) *string {
	switch {
	case w == atRoot && string(key) == "apiVersion":
		return &f.apiVersion
	case w == atRoot && string(key) == "kind":
		return &f.kind
	case w == atMetadata && string(key) == "name":
		return &f.name
	case w == atMetadata && string(key) == "namespace":
		return &f.namespace
	case w == atAnnotations && string(key) == HelmFilenameAnnotation:
		return &f.source
	}
	return nil
}

// value reads the scalar value of the entry at col: plain, quoted on one
// line, an empty flow collection, or a "|"/">" block.
func (s *scanner) value(col int, v []byte, w where, key, after []byte) (int, bool) {
	field := s.f.field(w, key)
	want := field != nil
	switch v[0] {
	case '"', '\'':
		end := closeQuote(v[1:], v[0]) + 1
		switch {
		case end == -1: // an escape the scanner does not read
			return 0, false
		case end == 0: // the scalar goes on on the next lines
			if want {
				return 0, false
			}
			return quotedLines(after, col, v[0])
		}
		if !trailing(v[end:]) {
			return 0, false
		}
		text := v[1 : end-1]
		if want {
			if bytes.IndexByte(text, '\\') >= 0 && v[0] == '"' || bytes.IndexByte(text, '\'') >= 0 && v[0] == '\'' {
				return 0, false
			}
			*field = string(text)
		}
		return 0, true
	case '|', '>':
		if want || !blockHeader(v[1:]) {
			return 0, false
		}
		return blockBody(after, col)
	case '{':
		if len(v) < 2 || v[1] != '}' || !trailing(v[2:]) {
			return 0, false // only an empty {}
		}
		return 0, true
	case '[':
		end := flowList(v)
		if end < 0 || !trailing(v[end:]) {
			return 0, false
		}
		return 0, true
	}
	if !plainStart(v) {
		return 0, false
	}
	n, ok := plainEnd(v)
	if !ok {
		return 0, false
	}
	if want {
		*field = string(v[:n])
	}
	// More indented lines may continue it.
	s.cont, s.wanted = col, want
	s.closed = n < len(v) && bytes.IndexByte(v[n:], '#') >= 0
	return 0, true
}

// blockHeader reports whether what follows "|" or ">" is a header the
// scanner reads: a chomping indicator at most, then a comment at most.
func blockHeader(h []byte) bool {
	if len(h) > 0 && (h[0] == '-' || h[0] == '+') {
		h = h[1:]
	}
	return trailing(h)
}

// blockBody is how much of text (the lines after a "|" or ">" header of
// an entry at col) the block scalar takes: the lines more indented than
// col, blank lines among them. Leading lines of spaces, and a line less
// indented than the block's first but more than col, are left to yaml.v3.
func blockBody(text []byte, col int) (int, bool) {
	indent := -1
	for pos := 0; pos < len(text); {
		line, next := nextLine(text, pos)
		n := indentOf(line)
		switch {
		case n == len(line): // blank
			if indent < 0 && n > 0 {
				return 0, false
			}
		case indent < 0:
			if n <= col {
				return pos, true // an empty block
			}
			if line[n] == '\t' {
				return 0, false
			}
			indent = n
		case n >= indent:
		case n > col || line[n] == '\t':
			return 0, false
		default:
			return pos, true
		}
		pos = next
	}
	return len(text), true
}

// nextLine is the line of text at pos, without its line feed, and where
// the next one starts (len(text) after the last).
func nextLine(text []byte, pos int) (line []byte, next int) {
	end := bytes.IndexByte(text[pos:], '\n')
	if end < 0 {
		return text[pos:], len(text)
	}
	return text[pos : pos+end], pos + end + 1
}

// flowList is the offset past the "]" of a one-line flow list of scalars
// v starts with ("[a, 'b', \"c\"]"), or -1 for anything else (nested
// collections, pairs, empty entries).
func flowList(v []byte) int {
	i := 1 + indentOf(v[1:])
	if i < len(v) && v[i] == ']' {
		return i + 1
	}
	for i < len(v) {
		var n int
		switch v[i] {
		case '"', '\'':
			if n = quotedEnd(v[i:]); n < 0 {
				return -1
			}
		default:
			if !plainStart(v[i:]) || v[i] == ':' || v[i] == '?' {
				return -1 // go-yaml refuses "[:a]"
			}
			for n = 0; i+n < len(v) && v[i+n] != ',' && v[i+n] != ']'; n++ {
				switch c := v[i+n]; {
				case c == '[' || c == '{' || c == '}' || c == '\t' || c == '?':
					return -1 // go-yaml refuses "[a?]" too
				case c == ':' && (i+n+1 == len(v) || v[i+n+1] == ' ' || v[i+n+1] == ',' || v[i+n+1] == ']'):
					return -1
				case c == '#' && v[i+n-1] == ' ':
					return -1
				}
			}
		}
		i += n
		i += indentOf(v[i:])
		if i == len(v) {
			return -1
		}
		if v[i] == ']' {
			return i + 1
		}
		if v[i] != ',' {
			return -1
		}
		i++
		i += indentOf(v[i:])
		if i == len(v) || v[i] == ']' || v[i] == ',' {
			return -1
		}
	}
	return -1
}
