package harden

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
	// change the parsed documents; their findings go to a report of their
	// own, to follow the others'. The filters find the workloads read.
	scope.Report = failures
	if err := evaluate(docs, scope, false, ""); err != nil {
		return err
	}
	scope.Report = would
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
// with the upstream admission checks. A workload that fails baseline is an
// error unless an exemption accepts it (podSecurityStandards or all, for
// the workload or the failing containers); one that passes baseline but
// cannot be verified at restricted (accepted host-level failures, or
// exempt from controls the standard checks) is a warning, "not verified",
// so that none passes silently (--fail-on warning fails them).
func Verify(out []byte, cfg transform.Config, level string, rep *report.Report) error {
	scope := cfg.Scope(rep)
	docs, _, err := parseStream(out, scope)
	if err != nil {
		return err
	}
	return evaluate(docs, scope, true, level)
}

// evaluate runs the Pod Security Standards over a stream's pod templates:
// baseline first, then (for a check, or a verification at restricted) the
// further restricted failures.
//
// Baseline failures are host access (host namespaces, hostPath, hostPort,
// privileged, capabilities beyond baseline's) and the like: no transform
// fixes them, so the gate fails closed on them unless an exemption names
// the workload, or the containers that fail. Failures an exemption
// accepts are warnings.
func evaluate(docs []*manifest.Doc, scope *transform.Scope, verify bool, level string) error {
	baseline, err := pss.NewEvaluator("baseline")
	if err != nil {
		return err
	}
	restrictedToo := !verify || level == "restricted"
	var restricted *pss.Evaluator
	if restrictedToo {
		if restricted, err = pss.NewEvaluator("restricted"); err != nil {
			return err
		}
	}
	prefix := "fails "
	if verify {
		prefix = "hardened, still fails "
	}
	nodes, owner := objectNodes(docs)
	for _, n := range nodes {
		w := scope.Workload(n)
		if w == nil {
			continue
		}
		j := newJudge(w)
		base, err := j.evaluate(baseline)
		if err != nil {
			return templateError(owner[n.YNode()], w, err)
		}
		if len(base.failed) > 0 {
			w.Found(transform.PodSecurityStandards, "baseline", report.Error, "", prefix+"baseline: "+pss.Join(base.failed)+
				"; only an exemption accepts it: "+j.snippet(baseline)+" in the config (or the annotation "+j.annotation()+")")
		}
		if len(base.accepted) > 0 {
			w.Found(transform.PodSecurityStandards, "accepted", report.Warning, "", "fails baseline: "+pss.Join(base.accepted)+"; accepted by an exemption ("+j.acceptedBy()+")")
		}
		if !restrictedToo {
			continue
		}
		hostLevel := len(base.failed)+len(base.accepted) > 0
		if verify {
			switch {
			case len(base.failed) > 0:
				continue // the baseline error says it all
			case hostLevel:
				w.Found(transform.PodSecurityStandards, "hostLevel", report.Warning, "", "not verified at restricted: fails baseline, accepted by an exemption; a namespace enforcing restricted would refuse it")
				continue
			case w.Exempt():
				w.Found(transform.PodSecurityStandards, "exempt", report.Warning, "", "not verified at restricted: exempt from controls the standard checks")
				continue
			}
		}
		res, err := j.evaluate(restricted)
		if err != nil {
			return templateError(owner[n.YNode()], w, err)
		}
		seen := map[string]bool{}
		for _, v := range append(base.failed, base.accepted...) {
			seen[v.String()] = true
		}
		for _, v := range res.failed {
			if seen[v.String()] {
				continue
			}
			// A host-level pod fails restricted for what keeps it working:
			// its baseline finding decides.
			sev := report.Error
			if hostLevel {
				sev = report.Warning
			}
			w.Found(transform.PodSecurityStandards, "restricted", sev, "", prefix+"restricted: "+v.String())
		}
		for _, v := range res.accepted {
			if !seen[v.String()] {
				w.Found(transform.PodSecurityStandards, "accepted", report.Warning, "", "fails restricted: "+v.String()+"; accepted by an exemption ("+j.acceptedBy()+")")
			}
		}
		if !verify && w.Hook && len(base.failed)+len(res.failed) > 0 {
			w.Found(transform.PodSecurityStandards, "helm3Hook", report.Warning, "", "a Helm hook that fails restricted as the chart wrote it: "+
				"Helm 3 never hands hooks to a post-renderer, so helm install, upgrade and test with Helm 3 send it unhardened "+
				"and a namespace enforcing restricted refuses its pods (Helm 4 passes hooks through chartsec-harden)")
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

// judge evaluates one workload the way the gate must: the failures of the
// whole pod, less those an exemption accepts.
type judge struct {
	w        *transform.Workload
	accepted []string    // containers whose failures are accepted
	judged   *yaml.RNode // the template without them; nil: all accepted
	// culpritNames are the containers the snippet names; none: the workload.
	culpritNames []string
}

func newJudge(w *transform.Workload) *judge {
	j := &judge{w: w}
	if w.AcceptsPodSecurityFailures() {
		return j
	}
	j.accepted = w.AcceptedContainers()
	if len(j.accepted) == 0 {
		j.judged = w.Template
		return j
	}
	j.judged = w.TemplateWith(func(c transform.Container) bool { return !slices.Contains(j.accepted, c.Name) })
	return j
}

type verdicts struct {
	failed, accepted []pss.Violation
}

func (j *judge) evaluate(e *pss.Evaluator) (verdicts, error) {
	all, err := e.Evaluate(j.w.Template)
	if err != nil || len(all) == 0 {
		return verdicts{}, err
	}
	if j.judged == j.w.Template {
		return verdicts{failed: all}, nil
	}
	var failed []pss.Violation
	if j.judged != nil {
		if failed, err = e.Evaluate(j.judged); err != nil {
			return verdicts{}, err
		}
	}
	out := verdicts{failed: failed}
	if len(failed) == 0 {
		out.accepted = all
	} else if len(failed) < len(all) || pss.Join(failed) != pss.Join(all) {
		// Some failures come from accepted containers only.
		judged := map[string]bool{}
		for _, v := range failed {
			judged[v.Reason] = true
		}
		for _, v := range all {
			if !judged[v.Reason] {
				out.accepted = append(out.accepted, v)
			}
		}
	}
	return out, nil
}

// culprits returns the containers that fail e on their own (beside the
// pod's fields), when the pod's own fields pass; nil when the pod fails
// by itself, and the whole workload must be named.
func (j *judge) culprits(e *pss.Evaluator) ([]string, error) {
	none := func(transform.Container) bool { return false }
	if vs, err := e.Evaluate(j.w.TemplateWith(none)); err != nil || len(vs) > 0 {
		return nil, err
	}
	var out []string
	for _, c := range j.w.Containers() {
		if slices.Contains(j.accepted, c.Name) || slices.Contains(out, c.Name) {
			continue
		}
		name := c.Name
		vs, err := e.Evaluate(j.w.TemplateWith(func(o transform.Container) bool { return o.Name == name }))
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			out = append(out, name)
		}
	}
	return out, nil
}

// snippet is the config exclude entry that would accept the failures.
func (j *judge) snippet(e *pss.Evaluator) string {
	containers, err := j.culprits(e)
	if err != nil {
		containers = nil
	}
	j.culpritNames = containers
	return j.w.ExemptionSnippet(containers)
}

// annotation is the annotation alternative to the snippet.
func (j *judge) annotation() string {
	if len(j.culpritNames) == 0 {
		return transform.SkipAnnotation + ": " + transform.PodSecurityStandards
	}
	var out []string
	for _, c := range j.culpritNames {
		out = append(out, transform.SkipContainerAnnotation+c+": "+transform.PodSecurityStandards)
	}
	return strings.Join(out, ", ")
}

// acceptedBy names the exemptions that accept failures.
func (j *judge) acceptedBy() string {
	var out []string
	for _, e := range j.w.Exemptions {
		if strings.Contains(e, transform.PodSecurityStandards) || strings.HasPrefix(e, transform.AllControls+" ") || strings.Contains(e, ": "+transform.AllControls+" ") {
			out = append(out, e)
		}
	}
	return strings.Join(out, "; ")
}
