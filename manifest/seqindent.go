package manifest

import (
	"bytes"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// seqIndent tells how most lists of a document are indented: "compact"
// puts "- " under the parent key, "wide" two spaces further in. Helm
// templates often mix both; the encoder can write only one, so the style of
// most list items keeps most lines as they were.
func seqIndent(raw []byte) yaml.SequenceIndentStyle {
	compact, wide := 0, 0
	prevIndent, prevIsKey := -1, false
	listIndent, listWide := -1, false // the list being read, to count each of its items
	for len(raw) > 0 {
		end := bytes.IndexByte(raw, '\n')
		line := raw
		if end >= 0 {
			line, raw = raw[:end], raw[end+1:]
		} else {
			raw = nil
		}
		trimmed := bytes.TrimLeft(line, " ")
		if len(bytes.TrimSpace(trimmed)) == 0 || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(trimmed)
		isItem := bytes.HasPrefix(trimmed, []byte("- ")) || bytes.Equal(bytes.TrimRight(trimmed, " \r"), []byte("-"))
		if indent < listIndent {
			listIndent = -1
		}
		if isItem && prevIsKey && (indent == prevIndent || indent == prevIndent+2) {
			listIndent, listWide = indent, indent == prevIndent+2
		}
		if isItem && indent == listIndent {
			if listWide {
				wide++
			} else {
				compact++
			}
		}
		body := bytes.TrimRight(trimmed, " \r")
		prevIndent, prevIsKey = indent, bytes.HasSuffix(body, []byte(":")) && !isItem
		if isItem && bytes.HasSuffix(body, []byte(":")) {
			// "- name:" opens a mapping whose keys sit two columns further in.
			prevIndent, prevIsKey = indent+2, true
		}
	}
	if wide > compact {
		return yaml.WideSequenceStyle
	}
	return yaml.CompactSequenceStyle
}
