package manifest

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Kubernetes reads manifests with sigs.k8s.io/yaml, that is go-yaml v2 and
// YAML 1.1 rules: a plain `yes`, `On` or `0755` is a bool or a number
// there, a string to yaml.v3 (YAML 1.2), which kyaml parses with. What the
// tool reads and writes follows the YAML 1.1 reading.

// Type11 is what a scalar decodes to under YAML 1.1 (go-yaml v2) rules.
type Type11 int

const (
	Str11 Type11 = iota
	Null11
	Bool11
	Int11
	Float11
	Merge11 // the "<<" merge key
	Other11 // an explicit tag go-yaml v2 does not resolve (!!binary, custom)
)

// Resolve11 reads a scalar node the way go-yaml v2 does: quoted and block
// scalars and those tagged !!str are strings; an explicit tag is obeyed;
// a plain scalar is resolved by v2's table (bools in three spellings of
// y/yes/true/on and n/no/false/off, nulls, ints in any base with "_",
// floats). A timestamp is a string there (v2 keeps timestamps decoded
// into interface{} as strings, and so does YAMLToJSON).
func Resolve11(n *yaml.Node) Type11 {
	if n.Kind != yaml.ScalarNode {
		return Other11
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return Str11
	}
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.ShortTag() {
		case yaml.NodeTagString:
			return Str11
		case yaml.NodeTagNull:
			return Null11
		case yaml.NodeTagBool:
			return Bool11
		case yaml.NodeTagInt:
			return Int11
		case yaml.NodeTagFloat:
			return Float11
		}
		return Other11
	}
	return ResolvePlain11(n.Value)
}

var plainWords11 = map[string]Type11{
	"y": Bool11, "Y": Bool11, "yes": Bool11, "Yes": Bool11, "YES": Bool11,
	"n": Bool11, "N": Bool11, "no": Bool11, "No": Bool11, "NO": Bool11,
	"true": Bool11, "True": Bool11, "TRUE": Bool11,
	"false": Bool11, "False": Bool11, "FALSE": Bool11,
	"on": Bool11, "On": Bool11, "ON": Bool11,
	"off": Bool11, "Off": Bool11, "OFF": Bool11,
	"": Null11, "~": Null11, "null": Null11, "Null": Null11, "NULL": Null11,
	".nan": Float11, ".NaN": Float11, ".NAN": Float11,
	".inf": Float11, ".Inf": Float11, ".INF": Float11,
	"+.inf": Float11, "+.Inf": Float11, "+.INF": Float11,
	"-.inf": Float11, "-.Inf": Float11, "-.INF": Float11,
	"<<": Merge11,
}

var trueWords11 = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true,
	"true": true, "True": true, "TRUE": true,
	"on": true, "On": true, "ON": true,
}

var float11 = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// ResolvePlain11 is what go-yaml v2 makes of a plain (unquoted, untagged)
// scalar; it follows v2's resolve() step by step.
func ResolvePlain11(s string) Type11 {
	if t, ok := plainWords11[s]; ok {
		return t
	}
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return Float11
		}
	case c == '+' || c == '-' || c >= '0' && c <= '9':
		if !numberChars(s) || timestamp11(s) {
			return Str11 // 500m, 256Mi, 1.2.3-beta: no failed parse (and its error) for each
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return Int11
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return Int11
		}
		if float11.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return Float11
			}
		}
		if b, ok := strings.CutPrefix(plain, "0b"); ok {
			if _, err := strconv.ParseInt(b, 2, 64); err == nil {
				return Int11 // a sign after the prefix too: 0b-1
			}
			if _, err := strconv.ParseUint(b, 2, 64); err == nil {
				return Int11
			}
		} else if b, ok := strings.CutPrefix(plain, "-0b"); ok {
			if _, err := strconv.ParseInt("-"+b, 2, 64); err == nil {
				return Int11
			}
		}
	}
	return Str11
}

// numberChars reports whether s holds only characters an integer or a
// float of YAML 1.1 may be written with: digits, hex digits, base
// prefixes, signs, points, exponents and underscores.
func numberChars(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F',
			c == 'x', c == 'X', c == 'o', c == 'O', c == '_', c == '+', c == '-', c == '.':
		default:
			return false
		}
	}
	return true
}

// timestamp11 is go-yaml v2's parseTimestamp: YYYY-... in one of the
// formats it accepts.
func timestamp11(s string) bool {
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

// Bool reads a bool field as Kubernetes does. set is false when the node
// is missing, null, or not a YAML 1.1 bool (a quoted "true" is a string,
// which the API server refuses for a bool field).
func Bool(n *yaml.Node) (value, set bool) {
	if n == nil || Resolve11(n) != Bool11 {
		return false, false
	}
	if n.Style&yaml.TaggedStyle != 0 {
		v, err := strconv.ParseBool(n.Value)
		if err != nil {
			return trueWords11[n.Value], true
		}
		return v, true
	}
	return trueWords11[n.Value], true
}

// Int reads an integer field as Kubernetes does: 0x1F, 0755 and 1_000 are
// numbers under YAML 1.1, and 80.0 is 80 once sent as JSON. ok is false when the node is missing or holds
// no integer.
func Int(n *yaml.Node) (value int64, ok bool) {
	if n != nil && integralFloat(n) { // 80.0 reaches the API server as 80
		f, _ := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		return int64(f), true
	}
	if n == nil || Resolve11(n) != Int11 {
		return 0, false
	}
	plain := strings.ReplaceAll(n.Value, "_", "")
	if v, err := strconv.ParseInt(plain, 0, 64); err == nil {
		return v, true
	}
	if b, ok := strings.CutPrefix(plain, "0b"); ok {
		if v, err := strconv.ParseInt(b, 2, 64); err == nil {
			return v, true
		}
	}
	if b, ok := strings.CutPrefix(plain, "-0b"); ok {
		if v, err := strconv.ParseInt("-"+b, 2, 64); err == nil {
			return v, true
		}
	}
	return 0, false
}

// sexagesimal11 and timestampAny11 are YAML 1.1 forms go-yaml v2 reads
// as strings but other YAML 1.1 decoders (PyYAML, ruamel in 1.1 mode) do
// not: base-60 numbers such as 12:30, and every timestamp.
var (
	sexagesimal11  = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$`)
	timestampAny11 = regexp.MustCompile(`^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt \t].*)?$`)
)

// NeedsQuotes11 reports whether a string written as a plain scalar would
// read back as something else, or as another string, under a YAML 1.1 or
// a YAML 1.2 decoder: it must be written quoted.
func NeedsQuotes11(s string) bool {
	if plainWord(s) {
		return false
	}
	quotes.Lock()
	defer quotes.Unlock()
	q, ok := quotes.seen[s]
	if !ok {
		q = needsQuotes11(s)
		if len(quotes.seen) < maxQuotesSeen {
			quotes.seen[s] = q
		}
	}
	return q
}

// quotes remembers the full check's answers: the strings the tool writes
// repeat (resource quantities such as 100m, ports, IP ranges).
var quotes = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

const maxQuotesSeen = 1 << 12

// plainWord reports, cheaply, that s is a word every YAML 1.1 and 1.2
// decoder reads as this string: a letter, then letters, digits and
// "-_./", and not one of the words that resolve to a bool or null. Most
// strings the tool writes are such words (names, ports, ALL); the full
// check below runs a YAML parser and costs a hundred times more.
func plainWord(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	_, word := plainWords11[s]
	return !word
}

// needsQuotes11 is NeedsQuotes11 without the shortcut.
func needsQuotes11(s string) bool {
	if s == "" || ResolvePlain11(s) != Str11 || sexagesimal11.MatchString(s) || timestampAny11.MatchString(s) || s == "=" {
		return true
	}
	// What YAML 1.2 reads as non-string the yaml.v3 encoder quotes on
	// its own; saying so here keeps one rule for every writer.
	plain := &yaml.Node{Kind: yaml.ScalarNode, Value: s}
	return yaml.IsYaml1_1NonString(plain) || plain.ShortTag() != yaml.NodeTagString
}

// String11 is a string scalar that reads back as s under YAML 1.1 and
// YAML 1.2 decoders: double-quoted where plain would not.
func String11(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagString, Value: s}
	if NeedsQuotes11(s) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// markNonSpecific makes the plain scalars written with the non-specific
// tag "!" ("! 0755") the strings YAML, and Kubernetes, read them as:
// go-yaml v3 drops the tag and reads such a scalar by its value (0755, a
// number). text is what root was parsed from; a node's line and column
// are where its tag or anchor starts.
func markNonSpecific(root *yaml.Node, text []byte) {
	if bytes.IndexByte(text, '!') < 0 {
		return
	}
	starts := []int{0}
	for i, c := range text {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Line >= 1 && n.Line <= len(starts) &&
			nonSpecificTag(text[starts[n.Line-1]:], n.Column) {
			n.Tag, n.Style = yaml.NodeTagString, yaml.DoubleQuotedStyle
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
}

// nonSpecificTag reports whether the node properties at the column-th
// character of line are a "!" tag, after an anchor if there is one.
func nonSpecificTag(line []byte, column int) bool {
	pos := 0
	for i := 1; i < column && pos < len(line); i++ {
		_, size := utf8.DecodeRune(line[pos:])
		pos += size
	}
	if pos < len(line) && line[pos] == '&' {
		for pos < len(line) && line[pos] != ' ' && line[pos] != '\n' {
			pos++
		}
		for pos < len(line) && line[pos] == ' ' {
			pos++
		}
	}
	return pos < len(line) && line[pos] == '!' && (pos+1 == len(line) || line[pos+1] == ' ' || line[pos+1] == '\n' || line[pos+1] == '\t')
}
