package manifest

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestLookup(t *testing.T) {
	n := yaml.MustParse("kind: ~\nmetadata: {name: web, labels: null}\nspec:\n  replicas: 0x1F\n  paused: yes\n  containers: [{name: c}]\n")
	cases := []struct {
		name, got, want string
	}{
		{"scalar", LookupScalar(n, "metadata", "name"), "web"},
		{"null scalar", LookupScalar(n, "kind"), ""},
		{"null as written", LookupText(n, "kind"), "~"},
		{"through a null", LookupScalar(n, "metadata", "labels", "app"), ""},
		{"through a scalar", LookupScalar(n, "metadata", "name", "x"), ""},
		{"a mapping is no scalar", LookupText(n, "metadata"), ""},
		{"number", LookupNumber(n, "spec", "replicas"), "31"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if v, set := LookupBool(n, "spec", "paused"); !v || !set {
		t.Errorf("LookupBool(yes) = %v, %v", v, set)
	}
	if got := len(LookupSeq(n, "spec", "containers")); got != 1 {
		t.Errorf("LookupSeq: %d items", got)
	}
	if LookupMap(n, "metadata") == nil || LookupMap(n, "metadata", "labels") != nil {
		t.Error("LookupMap: want metadata, not the null labels")
	}
	if Lookup(nil, "kind") != nil {
		t.Error("Lookup(nil) is not nil")
	}
}

// The filters read every field of every workload with Lookup.
func TestLookupAllocatesNothing(t *testing.T) {
	n := yaml.MustParse("spec:\n  template:\n    spec:\n      securityContext: {runAsUser: 1000}\n")
	if a := testing.AllocsPerRun(100, func() {
		LookupScalar(n, "spec", "template", "spec", "securityContext", "runAsUser")
	}); a != 0 {
		t.Errorf("LookupScalar allocates %v times", a)
	}
}

func TestMergedText(t *testing.T) {
	var node yaml.Node
	if err := yaml.Unmarshal([]byte("base: &b {kind: Pod, metadata: {name: p}}\n<<: *b\n"), &node); err != nil {
		t.Fatal(err)
	}
	root := node.Content[0]
	if got := mergedText(root, "kind"); got != "Pod" {
		t.Errorf("kind through a merge key: %q", got)
	}
	if got := mergedText(root, "metadata", "name"); got != "p" {
		t.Errorf("name through a merge key: %q", got)
	}
	if got := mergedText(root, "metadata", "name", "x"); got != "" {
		t.Errorf("through a scalar: %q", got)
	}
}
