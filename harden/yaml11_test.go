package harden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/transform"
	v3 "gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	k8syaml "sigs.k8s.io/yaml"
)

// labelValues11 are label values a YAML 1.1 decoder reads as something
// other than the string a YAML 1.2 decoder reads, written quoted by the
// chart (as they must be).
var labelValues11 = []string{
	"yes", "Yes", "On", "no", "Y", "n", "OFF", "off", "TRUE", "True", "false", "null", "Null", "~",
	"0755", "0x1F", "0b11", "1e3", "1.10", "1_000", "12:30", "2024-01-02", "", "0", "-1", "+1", ".5",
}

// TestCompanionsReadBackUnderYAML11 hardens a Deployment whose selector,
// pod labels and app.kubernetes.io labels hold every such value, and reads
// the NetworkPolicy and PodDisruptionBudget it adds the way kubectl and
// Helm do (sigs.k8s.io/yaml, into the typed API objects): their selectors
// and labels must be the strings yaml.v3 reads in the input.
func TestCompanionsReadBackUnderYAML11(t *testing.T) {
	var sel, meta strings.Builder
	for i, v := range labelValues11 {
		fmt.Fprintf(&sel, "      l%d: %q\n", i, v)
		fmt.Fprintf(&meta, "    app.kubernetes.io/l%d: %q\n", i, v)
	}
	// A label key that YAML 1.1 reads as a bool, too.
	sel.WriteString("      \"y\": \"n\"\n")
	in := "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n" + meta.String() +
		"spec:\n  replicas: 3\n  selector:\n    matchLabels:\n" + sel.String() +
		"  template:\n    metadata:\n      labels:\n" + strings.ReplaceAll(sel.String(), "      ", "        ") +
		"    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports:\n        - containerPort: 8080\n"

	var input struct {
		Metadata struct{ Labels map[string]string }
		Spec     struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			}
		}
	}
	if err := v3.Unmarshal([]byte(in), &input); err != nil {
		t.Fatal(err)
	}
	if len(input.Spec.Selector.MatchLabels) != len(labelValues11)+1 {
		t.Fatalf("test input holds %d selector labels, want %d", len(input.Spec.Selector.MatchLabels), len(labelValues11)+1)
	}

	out, err := Run([]byte(in), transform.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(out, []byte("\n---\n"))
	if len(docs) != 3 {
		t.Fatalf("want the Deployment, a NetworkPolicy and a PodDisruptionBudget, got %d documents:\n%s", len(docs), out)
	}
	read := func(doc []byte, obj any) {
		t.Helper()
		j, err := k8syaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatal(err)
		}
		// Strict: a label value read as a bool or number does not decode.
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.DisallowUnknownFields()
		if err := dec.Decode(obj); err != nil {
			t.Fatalf("Kubernetes cannot read:\n%s\n%v", doc, err)
		}
	}
	var deploy appsv1.Deployment
	var np networkingv1.NetworkPolicy
	var pdb policyv1.PodDisruptionBudget
	read(docs[0], &deploy)
	read(docs[1], &np)
	read(docs[2], &pdb)

	want := input.Spec.Selector.MatchLabels
	if !maps.Equal(np.Spec.PodSelector.MatchLabels, want) {
		t.Errorf("NetworkPolicy podSelector reads %v, want %v", np.Spec.PodSelector.MatchLabels, want)
	}
	if pdb.Spec.Selector == nil || !maps.Equal(pdb.Spec.Selector.MatchLabels, want) {
		t.Errorf("PodDisruptionBudget selector reads %v, want %v", pdb.Spec.Selector, want)
	}
	for _, labels := range []map[string]string{np.Labels, pdb.Labels} {
		for k, v := range input.Metadata.Labels {
			if labels[k] != v {
				t.Errorf("companion label %s reads %q, want %q", k, labels[k], v)
			}
		}
	}
	if !maps.Equal(deploy.Spec.Selector.MatchLabels, want) {
		t.Errorf("the Deployment's own selector reads %v, want %v", deploy.Spec.Selector.MatchLabels, want)
	}
}
