package diff

import (
	"bytes"
	"fmt"
	"io"

	"github.com/chartsec/chartsec-harden/manifest"
)

// Documents writes a unified diff for every document of out, the hardened
// stream, that differs from its document in in, and for every document out
// adds. Hunk line numbers are lines of the input and output streams, so
// they match `diff -u input output`. Unchanged documents are not shown.
//
// out must hold every document of in, in order (what hardening writes);
// a document that differs from its input is paired with it by apiVersion,
// kind, namespace and name.
func Documents(w io.Writer, in, out []byte) error {
	inDocs, outDocs := manifest.Split(in), manifest.Split(out)
	// Unchanged documents are byte for byte their input: only the others
	// are parsed, to pair a changed document with its input by identity.
	parsed := map[*manifest.Doc]bool{}
	identify := func(d *manifest.Doc) error {
		if parsed[d] {
			return nil
		}
		parsed[d] = true
		return manifest.Parse([]*manifest.Doc{d}, func(*manifest.Doc) bool { return false })
	}
	i := 0
	var after *manifest.Doc // the input document the next added one follows
	for _, o := range outDocs {
		if i < len(inDocs) && bytes.Equal(text(inDocs[i]), text(o)) {
			after = inDocs[i]
			i++
			continue
		}
		if err := identify(o); err != nil {
			return err
		}
		if i < len(inDocs) {
			if err := identify(inDocs[i]); err != nil {
				return err
			}
			if sameObject(inDocs[i], o) {
				d := inDocs[i]
				after = d
				i++
				if _, err := fmt.Fprintf(w, "--- input: %s\n+++ hardened: %s\n", d.Label(), d.Label()); err != nil {
					return err
				}
				if err := Unified(w, text(d), text(o), firstLine(d), firstLine(o)); err != nil {
					return err
				}
				continue
			}
		}
		if !o.Object {
			// Only an empty document can come from nowhere: the text
			// before a stream's first "---".
			if len(text(o)) == 0 {
				continue
			}
			return fmt.Errorf("diff: %s of the output has no document in the input", o.Label())
		}
		where := "at the start"
		if after != nil {
			where = fmt.Sprintf("after document %d", after.Number)
		}
		if _, err := fmt.Fprintf(w, "--- /dev/null\n+++ hardened: added %s %s (%s)\n", o.Kind, objectName(o), where); err != nil {
			return err
		}
		if err := Unified(w, nil, text(o), 0, firstLine(o)); err != nil {
			return err
		}
	}
	for ; i < len(inDocs); i++ {
		if len(text(inDocs[i])) > 0 {
			return fmt.Errorf("diff: %s is missing from the output", inDocs[i].Label())
		}
	}
	return nil
}

func sameObject(a, b *manifest.Doc) bool {
	return a.Object == b.Object && a.APIVersion == b.APIVersion && a.Kind == b.Kind &&
		a.Namespace == b.Namespace && a.Name == b.Name
}

// text is a document as it stands in its stream: separator line and body.
func text(d *manifest.Doc) []byte {
	return append([]byte(d.Separator), d.Raw...)
}

// firstLine is the stream line of the document's separator (or of its
// body when it has none).
func firstLine(d *manifest.Doc) int {
	if d.Separator != "" {
		return d.Line - 1
	}
	return d.Line
}

func objectName(d *manifest.Doc) string {
	if d.Namespace != "" {
		return d.Namespace + "/" + d.Name
	}
	return d.Name
}
