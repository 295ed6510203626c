// Package harden is the whole post-renderer as a function: rendered
// manifests in, hardened manifests out. Documents the filters leave
// unchanged come out as their input bytes; changed ones are re-encoded;
// documents a filter adds follow the document they were added after.
package harden

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/chartsec/chartsec-harden/internal/gcpace"
	"github.com/chartsec/chartsec-harden/internal/hugeheap"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Run hardens a rendered stream with cfg, recording what it did in rep
// (which may be nil). On error it returns no output at all.
func Run(in []byte, cfg transform.Config, rep *report.Report) ([]byte, error) {
	out, err := Render(in, cfg, rep)
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Render is Run without joining the output into one buffer.
func Render(in []byte, cfg transform.Config, rep *report.Report) (Output, error) {
	scope := cfg.Scope(rep)
	return render(in, scope, cfg.Filters(scope))
}

func render(in []byte, scope *transform.Scope, filters []kio.Filter) (Output, error) {
	docs, cr, err := parseStream(in, scope)
	if err != nil {
		return nil, err
	}
	out, err := renderDocs(docs, scope, filters)
	if err != nil || !cr {
		return out, err
	}
	return Output{manifest.ToCR(out.Bytes())}, nil
}

// parseStream splits and parses a stream, keeping the documents scope's filters
// need, and locates them for findings. A stream whose lines end in a
// carriage return alone is read with line feeds; cr tells the output must
// be turned back.
func parseStream(in []byte, scope *transform.Scope) (_ []*manifest.Doc, cr bool, err error) {
	if in, cr, err = manifest.FromCR(in); err != nil {
		return nil, false, err
	}
	docs := manifest.Split(in)
	kept := keep(scope)
	hugeheap.Reserve(func() int { return heapGrowth(docs, kept) })
	// The documents the filters only read (RBAC objects, Services) are
	// read as they are parsed, and no tree of them is kept.
	readErrs := make([]*manifest.Error, len(docs))
	readers := func(d *manifest.Doc) manifest.Reader {
		if !readOnly || !scope.ReadsOnly(d.APIVersion, d.Kind) {
			return nil
		}
		return func(d *manifest.Doc, n *yaml.RNode) {
			if err := scope.CheckTypes(n); err != nil {
				readErrs[d.Index] = typeError(d, err)
				return
			}
			scope.Read(n, objectOf(d))
		}
	}
	if err := manifest.ParseRead(docs, kept, readers); err != nil {
		return nil, false, err
	}
	nodes, owner := objectNodes(docs)
	scope.Objects = objects(nodes, owner)
	err = manifest.Parallel(len(nodes), func(i int) error {
		if err := scope.CheckTypes(nodes[i]); err != nil {
			return typeError(owner[nodes[i].YNode()], err)
		}
		return nil
	})
	// the first error in stream order, of a document read or kept
	var first *manifest.Error
	errors.As(err, &first)
	for _, e := range readErrs {
		if e != nil && (first == nil || e.Doc.Index < first.Doc.Index) {
			first = e
			break
		}
	}
	if first != nil {
		return nil, false, first
	}
	if err != nil {
		return nil, false, err
	}
	gcpace.Settle(len(in))
	return docs, cr, nil
}

// readOnly lets the tests keep every tree, as before documents were read.
var readOnly = true

func typeError(d *manifest.Doc, err *manifest.TypeError) *manifest.Error {
	return &manifest.Error{Doc: d, Line: d.StreamLine(err.Line), Msg: err.Error()}
}

// growthPerByte is about how much heap a run takes per byte of the
// documents the filters read: their trees, what hardening adds to them,
// and the companions it writes for them (measured: 50 bytes for a
// Deployment and its Service, scripts/bench.sh).
const growthPerByte = 50

// heapGrowth guesses, before the parse, how much heap the run will need
// beyond its input.
func heapGrowth(docs []*manifest.Doc, keep manifest.Keep) int {
	n := 0
	var probe manifest.Doc
	for _, d := range docs {
		probe.APIVersion, probe.Kind = manifest.TopFields(d.Raw)
		probe.Raw = d.Raw
		if keep(&probe) {
			n += len(d.Raw)
		}
	}
	return n * growthPerByte
}

// renderDocs runs the filters over parsed documents and writes the stream.
func renderDocs(docs []*manifest.Doc, scope *transform.Scope, filters []kio.Filter) (Output, error) {
	nodes, owner := objectNodes(docs)
	before := fingerprints(docs)
	reportInput(scope, docs)
	reportExemptions(scope, nodes)
	want := len(nodes)
	nodes, err := applyFilters(filters, nodes)
	if err != nil {
		return nil, err
	}
	gcpace.Settle(streamSize(docs))
	extra, follows, err := addedDocs(docs, nodes, owner, want)
	if err != nil {
		return nil, err
	}
	// Encoding is most of the work left, and each document's is its own:
	// the added documents first (they may share nodes with the originals,
	// whose encoding moves line comments), then the changed originals.
	encodedExtra := make([][]byte, len(extra))
	err = manifest.Parallel(len(extra), func(i int) (err error) {
		if encodedExtra[i], err = manifest.Encode(extra[i], yaml.CompactSequenceStyle); err != nil {
			return fmt.Errorf("encoding an added %s: %w", extra[i].GetKind(), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	added := map[int][][]byte{}
	for i, b := range encodedExtra {
		added[follows[i]] = append(added[follows[i]], b)
	}
	changed := make([][]byte, len(docs)) // nil: unchanged
	err = manifest.Parallel(len(docs), func(i int) (err error) {
		d := docs[i]
		if d.Node == nil || before[i] == manifest.FingerprintOf(d.Node.YNode()) {
			return nil
		}
		if changed[i], err = d.Encode(); err != nil {
			return fmt.Errorf("%s: encoding: %w", d.Label(), err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return assemble(docs, changed, added), nil
}

// streamSize is the size of the stream docs were split from.
func streamSize(docs []*manifest.Doc) int {
	n := 0
	for _, d := range docs {
		n += len(d.Separator) + len(d.Raw)
	}
	return n
}

// fingerprints are those of the parsed documents' trees (zero for the
// others), to tell after the filters which ones changed.
func fingerprints(docs []*manifest.Doc) []manifest.Fingerprint {
	fps := make([]manifest.Fingerprint, len(docs))
	_ = manifest.Parallel(len(docs), func(i int) error {
		if d := docs[i]; d.Node != nil {
			fps[i] = manifest.FingerprintOf(d.Node.YNode())
		}
		return nil
	})
	return fps
}

// addedDocs are the documents the filters added to nodes, each filed with
// the original document it follows; follows holds that document's index
// (-1: before the first). want is how many originals nodes must hold.
func addedDocs(docs []*manifest.Doc, nodes []*yaml.RNode, owner map[*yaml.Node]*manifest.Doc, want int) (extra []*yaml.RNode, follows []int, err error) {
	after := -1
	seen := 0
	for _, n := range nodes {
		if d, ok := owner[n.YNode()]; ok {
			seen++
			after = d.Index
			continue
		}
		var prev *manifest.Doc
		if after >= 0 {
			prev = docs[after]
		}
		fileWith(n, prev)
		extra = append(extra, n)
		follows = append(follows, after)
	}
	if seen != want {
		return nil, nil, fmt.Errorf("internal error: the filters dropped %d of %d documents", want-seen, want)
	}
	return extra, follows, nil
}

// assemble writes the stream: each document as its input bytes or, when
// changed, re-encoded, and the added documents after the one they follow.
func assemble(docs []*manifest.Doc, changed [][]byte, added map[int][][]byte) Output {
	var out Output
	last := byte('\n')
	write := func(b []byte) {
		if len(b) > 0 {
			out = append(out, b)
			last = b[len(b)-1]
		}
	}
	writeAdded := func(i int) {
		for _, b := range added[i] {
			if last != '\n' && len(out) > 0 {
				write([]byte("\n"))
			}
			write([]byte("---\n"))
			write(b)
		}
	}
	writeAdded(-1)
	for _, d := range docs {
		if b := changed[d.Index]; b != nil {
			write([]byte(manifest.SeparatorLine(d)))
			write(b)
		} else {
			write([]byte(d.Separator))
			write(d.Raw)
		}
		writeAdded(d.Index)
	}
	return out
}

// Output is the hardened stream as pieces, most of them slices of the
// input: writing them out costs no second copy of a large stream.
type Output [][]byte

// WriteTo writes the pieces in order.
func (o Output) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, b := range o {
		k, err := w.Write(b)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Bytes joins the pieces.
func (o Output) Bytes() []byte {
	return bytes.Join(o, nil)
}

// reportInput warns of documents the API server will refuse.
func reportInput(scope *transform.Scope, docs []*manifest.Doc) {
	for _, d := range docs {
		if d.Object && (d.Kind == "" || d.APIVersion == "") {
			scope.Report.Add(report.Finding{Object: report.Object{Doc: d.Number, Kind: d.Kind, Name: d.Name, Source: d.Source, Line: d.Line},
				Control: "input", Rule: "notAnObject", Severity: report.Warning,
				Message: "document has no kind or apiVersion: passed through, but the API server will refuse it"})
		}
	}
}

// reportExemptions lists every exemption that applies, so that they stay
// visible in review, says which host-level workloads are not hardened,
// and warns of skip annotations naming no control.
func reportExemptions(scope *transform.Scope, nodes []*yaml.RNode) {
	for _, n := range nodes {
		w := scope.Workload(n)
		if w == nil {
			continue
		}
		for _, e := range w.Exemptions {
			w.Found("exemption", "applied", report.Info, "", "exempt: "+e)
		}
		w.ReportHostLevel()
		for _, c := range w.UnknownControls {
			w.Found("exemption", "unknownControl", report.Warning, "", "unknown control "+c+": it exempts nothing (controls: "+transform.PodSecurityStandards+", "+strings.Join(transform.Controls, ", ")+")")
		}
	}
}

// keep selects the documents the filters read or change; the others pass
// through as bytes. Of CustomResourceDefinitions, the largest documents of
// most releases, only those with a conversion webhook matter (its Service
// port): many others mention webhooks in their descriptions.
func keep(scope *transform.Scope) manifest.Keep {
	return func(d *manifest.Doc) bool {
		if isList(d) {
			return true
		}
		if d.Kind == "CustomResourceDefinition" && !bytes.Contains(d.Raw, []byte("strategy: Webhook")) && !bytes.Contains(d.Raw, []byte(`strategy: "Webhook"`)) {
			return false
		}
		return scope.Needs(d.APIVersion, d.Kind)
	}
}

// objectNodes returns the objects the filters see, in stream order, and
// the document each belongs to: a document, or each item of a v1 List
// (Helm and kubectl create every item, so each is hardened like a
// document of its own).
func objectNodes(docs []*manifest.Doc) ([]*yaml.RNode, map[*yaml.Node]*manifest.Doc) {
	var nodes []*yaml.RNode
	owner := map[*yaml.Node]*manifest.Doc{}
	for _, d := range docs {
		if d.Node == nil {
			continue
		}
		if !isList(d) {
			nodes = append(nodes, d.Node)
			owner[d.Node.YNode()] = d
			continue
		}
		for _, it := range listItems(d.Node) {
			nodes = append(nodes, it)
			owner[it.YNode()] = d
		}
	}
	return nodes, owner
}

func isList(d *manifest.Doc) bool {
	return d.Kind == "List" && d.APIVersion == "v1"
}

func listItems(list *yaml.RNode) []*yaml.RNode {
	var out []*yaml.RNode
	for _, it := range manifest.LookupSeq(list, "items") {
		if it.Kind != yaml.MappingNode {
			continue
		}
		item := yaml.NewRNode(it)
		if manifest.LookupText(item, "kind") == "List" && manifest.LookupText(item, "apiVersion") == "v1" {
			out = append(out, listItems(item)...) // a List in a List: its items are created too
			continue
		}
		out = append(out, item)
	}
	return out
}

// objects locates the parsed objects (objectNodes) for findings; a
// List's items are located at their List.
func objects(nodes []*yaml.RNode, owner map[*yaml.Node]*manifest.Doc) map[*yaml.Node]report.Object {
	m := make(map[*yaml.Node]report.Object, len(nodes))
	for _, n := range nodes {
		d := owner[n.YNode()]
		o := objectOf(d)
		if isList(d) {
			o.Kind = manifest.LookupText(n, "kind")
			o.Name = manifest.LookupText(n, "metadata", "name")
			o.Namespace = manifest.LookupText(n, "metadata", "namespace")
		}
		m[n.YNode()] = o
	}
	return m
}

// objectOf locates a document for findings.
func objectOf(d *manifest.Doc) report.Object {
	return report.Object{Doc: d.Number, Kind: d.Kind, Name: d.Name, Namespace: d.Namespace, Source: d.Source, Line: d.Line}
}

// applyFilters runs the filters in order. A filter that panics on a shape
// of input nobody foresaw becomes an error: never half an answer.
func applyFilters(filters []kio.Filter, nodes []*yaml.RNode) (_ []*yaml.RNode, err error) {
	var current kio.Filter
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in %T (please report it with the input): %v", current, r)
		}
	}()
	for _, current = range filters {
		if nodes, err = current.Filter(nodes); err != nil {
			return nil, fmt.Errorf("%T: %w", current, err)
		}
	}
	return nodes, nil
}

// fileWith files an added document with the chart template of the one it
// follows: Helm 4's filename annotation, by which Helm groups its output,
// or Helm 3's "# Source:" comment, so `helm template -s` shows it.
func fileWith(n *yaml.RNode, d *manifest.Doc) {
	if d == nil || d.Source == "" {
		return
	}
	if d.Node != nil {
		if v, ok := filenameAnnotation(d.Node); ok {
			if _, has := filenameAnnotation(n); !has {
				_ = n.PipeE(yaml.SetAnnotation(manifest.HelmFilenameAnnotation, v))
			}
			return
		}
	}
	if n.YNode().HeadComment == "" && len(n.YNode().Content) > 0 && n.YNode().Content[0].HeadComment == "" {
		n.YNode().Content[0].HeadComment = "# Source: " + d.Source
	}
}

func filenameAnnotation(n *yaml.RNode) (string, bool) {
	a := manifest.Lookup(n, "metadata", "annotations", manifest.HelmFilenameAnnotation)
	if a == nil || a.Kind != yaml.ScalarNode {
		return "", false
	}
	return a.Value, true
}
