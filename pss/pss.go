// Package pss evaluates pod templates against the Pod Security Standards
// with the upstream admission library (k8s.io/pod-security-admission), the
// same checks the API server runs for a namespace that enforces a level.
package pss

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	k8syaml "sigs.k8s.io/yaml"
)

// Evaluator checks pod templates at one level of the latest standard.
type Evaluator struct {
	level api.LevelVersion
	eval  policy.Evaluator
}

// NewEvaluator returns an evaluator for "restricted" or "baseline".
func NewEvaluator(level string) (*Evaluator, error) {
	l, err := api.ParseLevel(level)
	if err != nil || l == api.LevelPrivileged {
		return nil, fmt.Errorf("pod security level %q: use restricted or baseline", level)
	}
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, err
	}
	return &Evaluator{level: api.LevelVersion{Level: l, Version: api.LatestVersion()}, eval: e}, nil
}

// Violation is one failed check, worded as the API server words it.
type Violation struct {
	Reason string // e.g. "allowPrivilegeEscalation != false"
	Detail string // e.g. `container "app" must set ...`
}

func (v Violation) String() string {
	if v.Detail == "" {
		return v.Reason
	}
	return v.Reason + " (" + v.Detail + ")"
}

// Evaluate checks a pod template: a node holding metadata and spec (a
// pod template, or a whole Pod document).
func (e *Evaluator) Evaluate(template *yaml.RNode) ([]Violation, error) {
	// Read as the API server reads what kubectl and Helm send: YAML 1.1
	// (sigs.k8s.io/yaml), where privileged: yes is a bool.
	y, err := template.String()
	if err != nil {
		return nil, err
	}
	b, err := k8syaml.YAMLToJSON([]byte(y))
	if err != nil {
		return nil, err
	}
	var t corev1.PodTemplateSpec
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("reading the pod template: %w", err)
	}
	var out []Violation
	for _, r := range e.eval.EvaluatePod(e.level, &t.ObjectMeta, &t.Spec) {
		if !r.Allowed {
			out = append(out, Violation{Reason: r.ForbiddenReason, Detail: r.ForbiddenDetail})
		}
	}
	return out, nil
}

// Join words violations on one line.
func Join(vs []Violation) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.String()
	}
	return strings.Join(s, "; ")
}
