package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	v3 "gopkg.in/yaml.v3"
	k8syaml "sigs.k8s.io/yaml"
)

// TestMergeKeysReadAsKubernetes parses documents with merge keys, keeps
// them, and writes them back: Kubernetes (sigs.k8s.io/yaml) must read the
// written document as it read the input, yaml.v3 must read it the same
// way, and no merge key is left.
func TestMergeKeysReadAsKubernetes(t *testing.T) {
	for _, in := range []string{
		"kind: A\nd: &d {a: 1, b: 2}\nx:\n  <<: *d\n  a: 9\n",
		"kind: A\nd: &d {a: 1, b: 2}\ne: &e {a: 3, c: 4}\nx:\n  <<: [*d, *e]\n",
		"kind: A\nd: &d {a: 1, b: 2}\ne: &e {a: 3, c: 4}\nx:\n  <<: [*d, *e]\n  c: 8\n  z: 0\n",
		"kind: A\nx:\n  <<: {a: 1}\n  b: 2\n",
		"kind: A\nd: &d {a: &i {<<: {z: 1}, w: 2}}\nx:\n  <<: *i\n  v: [1, 2]\n",
		"kind: A\nx:\n  \"<<\": {a: 1}\n",
		"x: &x\n  apiVersion: apps/v1\n  kind: Deployment\n<<: *x\nmetadata:\n  name: web\n",
		"kind: A\nl:\n  - &c {name: a, securityContext: {runAsUser: 5000}}\n  - <<: *c\n    name: b\n",
	} {
		docs := Split([]byte(in))
		if err := Parse(docs, KeepAll); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		out, err := docs[0].Encode()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(out, []byte("<<:")) {
			t.Errorf("%q: merge key left in\n%s", in, out)
		}
		want, got := k8sJSON(t, []byte(in)), k8sJSON(t, out)
		if want != got {
			t.Errorf("%q\nwritten as\n%s\nKubernetes reads %s, want %s", in, out, got, want)
		}
		var y any
		if err := v3.Unmarshal(out, &y); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(y)
		if string(b) != want {
			t.Errorf("%q written as\n%s\nyaml.v3 reads %s, Kubernetes %s", in, out, b, want)
		}
	}
}

func k8sJSON(t *testing.T, y []byte) string {
	t.Helper()
	j, err := k8syaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMergeKeyKindIsSeen: a kind and name a merge key supplies are the
// document's, also when it is not kept.
func TestMergeKeyKindIsSeen(t *testing.T) {
	in := "---\nbase: &b\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: web, namespace: prod}\n<<: *b\nspec: {}\n"
	docs := Split([]byte(in))
	if err := Parse(docs, func(*Doc) bool { return false }); err != nil {
		t.Fatal(err)
	}
	d := docs[1]
	if d.APIVersion != "apps/v1" || d.Kind != "Deployment" || d.Name != "web" || d.Namespace != "prod" {
		t.Errorf("read %q %q %q %q", d.APIVersion, d.Kind, d.Name, d.Namespace)
	}
}

// TestMergeKeysRefused: merges Kubernetes refuses, or reads differently
// from YAML 1.2 tools, are refused with their line. What Kubernetes
// refuses is refused in a document passed through too (everywhere);
// passed through, Kubernetes reads the rest its own way.
func TestMergeKeysRefused(t *testing.T) {
	for _, tc := range []struct {
		in, want   string
		everywhere bool
	}{
		{"kind: A\nd: &d {a: 1}\nx:\n  a: 9\n  <<: *d\n", "line 5: the merge key (<<) supplies \"a\", which line 4 sets before it", false},
		{"kind: A\nx:\n  <<: 5\n", "line 3: the merge key (<<) needs a mapping or a list of mappings", true},
		{"kind: A\nx:\n  <<: [{a: 1}, 2]\n", "line 3: the merge key (<<) needs a mapping", true},
		{"kind: A\nn: &n null\nx:\n  <<: *n\n", "line 4: the merge key (<<) needs a mapping", true},
	} {
		err := Parse(Split([]byte(tc.in)), KeepAll)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.want)
		}
		// passed through, after a kept document whose merge error comes
		// first in the stream (it is found after the parse)
		keepB := func(d *Doc) bool { return d.Kind == "B" }
		in := "kind: B\nb:\n  <<: 7\n---\n" + tc.in
		err = Parse(Split([]byte(in)), keepB)
		if !tc.everywhere {
			if err == nil || !strings.Contains(err.Error(), "document 1") {
				t.Errorf("%q passed through: got %v, want only the first document's error", tc.in, err)
			}
			if err := Parse(Split([]byte(tc.in)), keepNone); err != nil {
				t.Errorf("%q passed through: %v", tc.in, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "document 1") {
			t.Errorf("%q passed through after a broken document: got %v, want the first document's error", tc.in, err)
		}
		if err := Parse(Split([]byte(tc.in)), keepNone); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q passed through: got %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestDuplicateMergeKeyRefused: a second merge key in a mapping is a
// duplicate key, in any document.
func TestDuplicateMergeKeyRefused(t *testing.T) {
	in := "kind: A\nx:\n  <<: {a: 1}\n  <<: {b: 1}\n"
	for _, keep := range []Keep{KeepAll, keepNone} {
		if err := Parse(Split([]byte(in)), keep); err == nil || !strings.Contains(err.Error(), "line 4: duplicate key \"<<\"") {
			t.Errorf("got %v, want a duplicate key at line 4", err)
		}
	}
}

// TestMergeChainIsLinear: merges of merges through aliases, each naming
// the one before twice, are read in linear time (2^40 paths otherwise).
func TestMergeChainIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 {k: 1}\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "a%d: &a%d {<<: [*a%d, *a%d]}\n", i, i, i-1, i-1)
	}
	b.WriteString("<<: [*a40, *a40]\n")
	done := make(chan error, 1)
	go func() { done <- Parse(Split([]byte(b.String())), func(*Doc) bool { return false }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading the document's kind through its merge keys takes exponential time")
	}
}
