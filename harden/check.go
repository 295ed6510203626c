package harden

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/pss"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Check reports, without changing anything, what the transforms would
// change, what they find, and every Pod Security Standards failure of the
// input. A missing control is reported at the severity it deserves when
// a chart lacks it (transform.MissingSeverity).
func Check(in []byte, cfg transform.Config, rep *report.Report) error {
	would, failures := &report.Report{}, &report.Report{}
	scope := cfg.Scope(would)
	docs, _, err := parseStream(in, scope)
	if err != nil {
		return err
	}
	// The standards judge the input, so they run before the filters
	// change the parsed documents; their findings follow the others'.
	evalScope := cfg.Scope(failures)
	evalScope.Objects = scope.Objects
	if err := evaluate(docs, evalScope, false, ""); err != nil {
		return err
	}
	if _, err := renderDocs(docs, scope, cfg.Filters(scope)); err != nil {
		return err
	}
	for _, f := range would.Findings() {
		if f.Changed {
			f.Changed = false
			f.Message = "would change: " + f.Message
			if s := transform.MissingSeverity(f.ID()); s > f.Severity {
				f.Severity = s
			}
		}
		rep.Add(f)
	}
	for _, f := range failures.Findings() {
		rep.Add(f)
	}
	return nil
}

// Verify evaluates every pod template of a (hardened) stream at level
// with the upstream admission checks. A workload that is neither exempt
// nor host-level and fails is an error; the others are warnings, "not
// verified", so that none passes silently (--fail-on warning fails them).
func Verify(out []byte, cfg transform.Config, level string, rep *report.Report) error {
	scope := cfg.Scope(rep)
	docs, _, err := parseStream(out, scope)
	if err != nil {
		return err
	}
	return evaluate(docs, scope, true, level)
}

// evaluate runs the Pod Security Standards over a stream's pod templates.
// For a check, it reports baseline failures, then the further restricted
// ones; host-level workloads' failures are warnings, since no transform
// can fix them. For a verification, it checks one level.
func evaluate(docs []*manifest.Doc, scope *transform.Scope, verify bool, level string) error {
	levels := []string{"baseline", "restricted"}
	if verify {
		levels = []string{level}
	}
	evals := map[string]*pss.Evaluator{}
	for _, l := range levels {
		e, err := pss.NewEvaluator(l)
		if err != nil {
			return err
		}
		evals[l] = e
	}
	nodes, owner := objectNodes(docs)
	for _, n := range nodes {
		w := scope.Workload(n)
		if w == nil {
			continue
		}
		host := w.HostLevel()
		if verify {
			switch {
			case len(host) > 0:
				w.Found("podSecurityStandards", "hostLevel", report.Warning, "", "not verified at "+level+": host-level pod ("+strings.Join(host, ", ")+"); a namespace enforcing "+level+" would refuse it")
				continue
			case w.Exempt():
				w.Found("podSecurityStandards", "exempt", report.Warning, "", "not verified at "+level+": exempt from controls the standard checks")
				continue
			}
		}
		seen := map[string]bool{}
		for _, l := range levels {
			vs, err := evals[l].Evaluate(w.Template)
			if err != nil {
				return templateError(owner[n.YNode()], w, err)
			}
			for _, v := range vs {
				if seen[v.String()] {
					continue
				}
				seen[v.String()] = true
				sev := report.Error
				if len(host) > 0 {
					sev = report.Warning
				}
				w.Found("podSecurityStandards", l, sev, "", "fails "+l+": "+v.String())
			}
		}
	}
	return nil
}

// templateError says which document, line and field hold a pod template
// the API server could not read (runAsUser: "1000"): Kubernetes would
// refuse the document, so it cannot be judged.
func templateError(d *manifest.Doc, w *transform.Workload, err error) error {
	line, msg := w.Template.YNode().Line, err.Error()
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		if n := fieldNode(w.Template.YNode(), strings.Split(typeErr.Field, ".")); n != nil {
			line = n.Line
		}
		msg = fmt.Sprintf("%s is a %s where Kubernetes wants %s", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	name := w.Object.Kind
	if w.Object.Name != "" {
		name += " " + w.Object.Name
	}
	return &manifest.Error{Doc: d, Line: d.StreamLine(line), Msg: "the pod template of " + name + " does not read as Kubernetes reads it, so it cannot be judged: " + msg}
}

// fieldNode finds the node at a dotted JSON path, as encoding/json names
// it (lists have no index there: the first item that has the rest of the
// path is taken).
func fieldNode(n *yaml.Node, path []string) *yaml.Node {
	switch {
	case len(path) == 0:
		return n
	case n.Kind == yaml.SequenceNode:
		for _, it := range n.Content {
			if found := fieldNode(it, path); found != nil {
				return found
			}
		}
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == path[0] {
				if found := fieldNode(n.Content[i+1], path[1:]); found != nil {
					return found
				}
			}
		}
	}
	return nil
}
