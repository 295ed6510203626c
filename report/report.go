// Package report collects what chartsec-harden changed and found, per
// workload and control, and writes it for people (text) and machines.
package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Severity orders findings; a CI gate fails at or above a chosen one.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "info"
}

// ParseSeverity reads "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Info, fmt.Errorf("unknown severity %q (info, warning, error)", s)
}

// Object names the document a finding is about.
type Object struct {
	Doc       int    // index of the document in the stream
	Kind      string // e.g. Deployment
	Name      string
	Namespace string
	Source    string // the chart template file, when known
	Line      int    // 1-based line of the document in the stream
	// Generated is true for a document chartsec-harden added.
	Generated bool
}

func (o Object) String() string {
	if o.Kind == "" && o.Name == "" {
		return fmt.Sprintf("document %d (line %d)", o.Doc, o.Line)
	}
	s := o.Kind + " "
	if o.Namespace != "" {
		s += o.Namespace + "/"
	}
	return s + o.Name
}

// Finding is one thing changed or found.
type Finding struct {
	Object    Object
	Control   string // the control (config key) it belongs to, e.g. podSecurity
	Rule      string // a stable id within the control, e.g. runAsUser
	Severity  Severity
	Container string // empty for pod-level findings
	Message   string
	// Hint says how to fix or exempt it, when the message does not.
	Hint string
	// Changed is true when the tool applied a change (transform mode).
	Changed bool
}

// ID names the kind of finding: control and rule, e.g. podSecurity.runAsUser.
func (f Finding) ID() string { return f.Control + "." + f.Rule }

// Report is safe for concurrent use; a nil *Report discards everything.
type Report struct {
	mu sync.Mutex
	// findings are kept in chunks of findingsChunk: a run on thousands
	// of workloads records tens of thousands, which one growing slice
	// would copy again and again.
	findings [][]Finding
	// sorted is view's answer until the next Add or FillHints: each
	// writer reads it.
	sorted []Finding
	// unwritten is true when the output was not written (an error, or a
	// failing gate): the changes were made, but no one will see them.
	unwritten bool
}

// SetWritten says whether the hardened output was written to stdout, so
// that the report never speaks of changes made when nothing was written.
func (r *Report) SetWritten(written bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.unwritten = !written
	r.mu.Unlock()
}

func (r *Report) written() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.unwritten
}

// Add records a finding.
func (r *Report) Add(f Finding) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if n := len(r.findings); n == 0 || len(r.findings[n-1]) == findingsChunk {
		r.findings = append(r.findings, make([]Finding, 0, findingsChunk))
	}
	last := &r.findings[len(r.findings)-1]
	*last = append(*last, f)
	r.sorted = nil
	r.mu.Unlock()
}

// FillHints gives every finding without a hint the one hint(id) returns,
// so that each says how to fix or exempt it.
func (r *Report) FillHints(hint func(id string) string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sorted = nil
	for _, chunk := range r.findings {
		for i := range chunk {
			if chunk[i].Hint == "" {
				chunk[i].Hint = hint(chunk[i].ID())
			}
		}
	}
}

const findingsChunk = 256

// Findings returns the findings in stream order, then in the order added:
// a copy, the caller's to change.
func (r *Report) Findings() []Finding {
	return slices.Clone(r.view())
}

// view is Findings without the copy, for the writers of this package,
// which only read it: one sorted list, kept until the next Add.
func (r *Report) view() []Finding {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sorted == nil && len(r.findings) > 0 {
		n := 0
		for _, chunk := range r.findings {
			n += len(chunk)
		}
		out := make([]Finding, 0, n)
		for _, chunk := range r.findings {
			out = append(out, chunk...)
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].Object.Doc < out[j].Object.Doc })
		r.sorted = out
	}
	return r.sorted
}

// Counts are the numbers of findings by severity, and of changes made.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
	Changed int `json:"changed"`
}

// Count adds up the findings.
func (r *Report) Count() Counts {
	var c Counts
	for _, f := range r.view() {
		switch f.Severity {
		case Error:
			c.Error++
		case Warning:
			c.Warning++
		default:
			c.Info++
		}
		if f.Changed {
			c.Changed++
		}
	}
	return c
}

// Worst returns the highest severity among findings that were not fixed,
// and whether there is any.
func (r *Report) Worst() (Severity, bool) {
	worst, any := Info, false
	for _, f := range r.view() {
		if f.Changed {
			continue
		}
		if !any || f.Severity > worst {
			worst, any = f.Severity, true
		}
	}
	return worst, any
}

// WriteSummary writes one line per object: what changed, by control, what
// is exempt (so that exemptions stay visible in review), and then one line
// per warning or error found.
func (r *Report) WriteSummary(w io.Writer) error {
	fs := r.view()
	var lines []string
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].Object == fs[i].Object {
			j++
		}
		group := fs[i:j]
		var changed []string
		seen := map[string]bool{}
		for _, f := range group {
			if f.Changed && !seen[f.Control] {
				seen[f.Control] = true
				changed = append(changed, f.Control)
			}
		}
		if len(changed) > 0 {
			verb := "hardened"
			if group[0].Object.Generated {
				verb = "added"
			}
			if !r.written() {
				verb = "would have " + verb + " (not written)"
			}
			lines = append(lines, fmt.Sprintf("%s %s: %s", verb, objectLabel(group[0].Object), strings.Join(changed, ", ")))
		}
		var exempt []string
		for _, f := range group {
			if f.ID() == "exemption.applied" {
				exempt = append(exempt, strings.TrimPrefix(f.Message, "exempt: "))
			}
		}
		if len(exempt) > 0 {
			lines = append(lines, fmt.Sprintf("exempt %s: %s", objectLabel(group[0].Object), strings.Join(exempt, "; ")))
		}
		for _, f := range group {
			if f.Severity >= Warning {
				lines = append(lines, fmt.Sprintf("%s %s%s: %s", f.Severity, objectLabel(f.Object), containerLabel(f.Container), f.Message))
			}
		}
		i = j
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(w, "chartsec-harden: "+l); err != nil {
			return err
		}
	}
	return nil
}

func objectLabel(o Object) string {
	if o.Source != "" {
		return o.String() + " (" + o.Source + ")"
	}
	return o.String()
}

func containerLabel(c string) string {
	if c == "" {
		return ""
	}
	return " container " + c
}
