package harden

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chartsec/chartsec-harden/internal/corpus"
	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/transform"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// corpusPod is a workload of a render, as the companion checks see it.
type corpusPod struct {
	label       string
	namespace   string
	labels      labels.Set
	hook        bool
	hostNetwork bool
	replicas    int // -1 for kinds without replicas
	minReplicas int // the floor of an autoscaler, else replicas
}

// corpusSelector is a NetworkPolicy or PodDisruptionBudget of a render.
type corpusSelector struct {
	name, namespace string
	selector        labels.Selector
	generated       bool
	budget          *policyv1.PodDisruptionBudget
}

func (s corpusSelector) selects(p corpusPod) bool {
	return s.namespace == p.namespace && s.selector.Matches(p.labels)
}

// TestCompanionsCorpus checks the companion documents over every real
// render with the default configuration: every workload that is not a
// hook nor on the host network is selected by exactly one ingress
// NetworkPolicy, every workload of 2 replicas or more by exactly one
// PodDisruptionBudget (or, where the chart ships its own, by those alone),
// no added budget covers a single replica or allows no eviction, and every
// added document decodes strictly into its k8s.io/api type under a valid,
// unique name.
func TestCompanionsCorpus(t *testing.T) {
	for _, file := range corpus.Files(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cfg := transform.DefaultConfig()
			out, err := Run(in, cfg, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			inPods, inPolicies, inBudgets := companionView(t, in, cfg, false)
			pods, policies, budgets := companionView(t, out, cfg, true)
			if len(pods) != len(inPods) {
				t.Fatalf("%d workloads in, %d out", len(inPods), len(pods))
			}
			count := func(list []corpusSelector, p corpusPod) (n int) {
				for _, s := range list {
					if s.selects(p) {
						n++
					}
				}
				return n
			}
			for i, p := range pods {
				if !p.hook && !p.hostNetwork {
					checkCount(t, "ingress NetworkPolicies", p, count(inPolicies, inPods[i]), count(policies, p))
				}
				if !p.hook && p.replicas >= 2 {
					checkCount(t, "PodDisruptionBudgets", p, count(inBudgets, inPods[i]), count(budgets, p))
				}
				for _, b := range budgets {
					if !b.generated || !b.selects(p) {
						continue
					}
					if p.replicas >= 0 && p.minReplicas < 2 {
						t.Errorf("added PodDisruptionBudget %s covers %s, which runs %d replica(s)", b.name, p.label, p.minReplicas)
					}
					if blocksDrain(b.budget, p.minReplicas) {
						t.Errorf("added PodDisruptionBudget %s allows no eviction of %s at %d replicas", b.name, p.label, p.minReplicas)
					}
				}
			}
		})
	}
}

func checkCount(t *testing.T, what string, p corpusPod, chart, got int) {
	t.Helper()
	switch {
	case chart == 0 && got != 1:
		t.Errorf("%s is selected by %d %s, want exactly 1", p.label, got, what)
	case chart > 0 && got != chart:
		t.Errorf("%s is selected by %d of the chart's %s, and %d after hardening: none may be added", p.label, chart, what, got)
	}
}

// companionView reads a render's workloads, ingress NetworkPolicies and
// PodDisruptionBudgets. With generated, documents labelled as added by
// chartsec-harden must decode strictly and carry valid, unique names.
func companionView(t *testing.T, data []byte, cfg transform.Config, generated bool) ([]corpusPod, []corpusSelector, []corpusSelector) {
	t.Helper()
	scope := cfg.Scope(nil)
	docs := manifest.Split(data)
	if err := manifest.Parse(docs, keep(scope)); err != nil {
		t.Fatalf("parse: %v", err)
	}
	var pods []corpusPod
	var policies, budgets []corpusSelector
	floors := map[string]int{} // kind/namespace/name -> autoscaler minReplicas
	names := map[string]string{}
	for _, d := range docs {
		if d.Node == nil {
			continue
		}
		added := d.Node.GetLabels()[transform.GeneratedLabel] == "true"
		if added {
			if !generated {
				t.Fatalf("%s: the input already has generated documents", d.Label())
			}
			checkGenerated(t, d, names)
		}
		switch d.Kind {
		case "HorizontalPodAutoscaler":
			var hpa autoscalingv2.HorizontalPodAutoscaler
			if err := yaml.Unmarshal(d.Raw, &hpa); err != nil {
				t.Fatalf("%s: %v", d.Label(), err)
			}
			min := 1
			if hpa.Spec.MinReplicas != nil {
				min = int(*hpa.Spec.MinReplicas)
			}
			floors[hpa.Spec.ScaleTargetRef.Kind+"/"+hpa.Namespace+"/"+hpa.Spec.ScaleTargetRef.Name] = min
		case "NetworkPolicy":
			var np netv1.NetworkPolicy
			if err := yaml.Unmarshal(d.Raw, &np); err != nil {
				t.Fatalf("%s: %v", d.Label(), err)
			}
			if !fencesIngress(np) {
				continue
			}
			policies = append(policies, corpusSelector{np.Name, np.Namespace, selector(t, d, &np.Spec.PodSelector), added, nil})
		case "PodDisruptionBudget":
			var pdb policyv1.PodDisruptionBudget
			if err := yaml.Unmarshal(d.Raw, &pdb); err != nil {
				t.Fatalf("%s: %v", d.Label(), err)
			}
			sel := labels.Nothing()
			if pdb.Spec.Selector != nil {
				sel = selector(t, d, pdb.Spec.Selector)
			}
			budgets = append(budgets, corpusSelector{pdb.Name, pdb.Namespace, sel, added, &pdb})
		}
	}
	for _, d := range docs {
		if d.Node == nil {
			continue
		}
		w := scope.Workload(d.Node)
		if w == nil {
			continue
		}
		p := corpusPod{
			label:       d.Label(),
			namespace:   d.Node.GetNamespace(),
			labels:      labels.Set(w.Template.GetLabels()),
			hook:        w.Hook,
			hostNetwork: w.Spec.Field("hostNetwork") != nil && w.Spec.Field("hostNetwork").Value.YNode().Value == "true",
			replicas:    w.Replicas,
			minReplicas: w.Replicas,
		}
		if min, ok := floors[d.Kind+"/"+p.namespace+"/"+d.Node.GetName()]; ok {
			p.minReplicas = min
		}
		pods = append(pods, p)
	}
	return pods, policies, budgets
}

// checkGenerated decodes an added document strictly into its API type and
// checks its name.
func checkGenerated(t *testing.T, d *manifest.Doc, names map[string]string) {
	t.Helper()
	var obj any
	switch d.APIVersion + " " + d.Kind {
	case "networking.k8s.io/v1 NetworkPolicy":
		obj = &netv1.NetworkPolicy{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "v1 LimitRange":
		obj = &corev1.LimitRange{}
	default:
		t.Errorf("%s: generated a document of an unexpected kind", d.Label())
		return
	}
	if err := yaml.UnmarshalStrict(d.Raw, obj); err != nil {
		t.Errorf("%s does not decode strictly: %v", d.Label(), err)
	}
	name := d.Node.GetName()
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		t.Errorf("%s: name %q: %v", d.Label(), name, errs)
	}
	key := fmt.Sprintf("%s/%s/%s", d.Kind, d.Node.GetNamespace(), name)
	if other, ok := names[key]; ok {
		t.Errorf("%s has the name of %s", d.Label(), other)
	}
	names[key] = d.Label()
	if d.Source == "" {
		t.Errorf("%s is not filed with a chart template (no # Source: comment or filename annotation)", d.Label())
	}
}

func selector(t *testing.T, d *manifest.Doc, s *metav1.LabelSelector) labels.Selector {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		t.Fatalf("%s: selector: %v", d.Label(), err)
	}
	return sel
}

func fencesIngress(np netv1.NetworkPolicy) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		return true
	}
	for _, pt := range np.Spec.PolicyTypes {
		if pt == netv1.PolicyTypeIngress {
			return true
		}
	}
	return false
}

// blocksDrain reports whether the budget lets no pod go at this many
// replicas, as the disruption controller computes it.
func blocksDrain(p *policyv1.PodDisruptionBudget, replicas int) bool {
	if v := p.Spec.MaxUnavailable; v != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(v, replicas, true)
		return err != nil || n == 0
	}
	if v := p.Spec.MinAvailable; v != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(v, replicas, true)
		return err != nil || n >= replicas
	}
	return false
}
