package diff_test

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chartsec/chartsec-harden/diff"
	"github.com/chartsec/chartsec-harden/harden"
	"github.com/chartsec/chartsec-harden/transform"
)

const stream = `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: example/web:1.0
          ports: [{containerPort: 8080}]
`

// TestDocuments: the unchanged Service is not shown, the Deployment's
// changes are, the added NetworkPolicy and PodDisruptionBudget are shown
// whole, and every hunk names the lines of the real input and output.
func TestDocuments(t *testing.T) {
	out, err := harden.Run([]byte(stream), transform.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var d bytes.Buffer
	if err := diff.Documents(&d, []byte(stream), out); err != nil {
		t.Fatal(err)
	}
	got := d.String()
	for _, want := range []string{
		"--- input: document 2 (Deployment web) from web/templates/deployment.yaml\n+++ hardened: document 2 (Deployment web) from web/templates/deployment.yaml\n@@ -",
		"+            readOnlyRootFilesystem: true\n",
		"--- /dev/null\n+++ hardened: added NetworkPolicy web-chartsec-netpol (after document 2)\n@@ -0,0 +",
		"+++ hardened: added PodDisruptionBudget web-chartsec-pdb (after document 2)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "kind: Service\n") {
		t.Errorf("the unchanged Service is in the diff:\n%s", got)
	}
	// The hunks together turn the input into the output: check each
	// hunk's lines against the two streams at the numbers it names.
	in, outLines := strings.SplitAfter(stream, "\n"), strings.SplitAfter(string(out), "\n")
	for _, h := range strings.Split(got, "\n@@ ")[1:] {
		var aStart, aCount, bStart, bCount int
		header, body, _ := strings.Cut(h, "\n")
		if _, err := sscanHunk(header, &aStart, &aCount, &bStart, &bCount); err != nil {
			t.Fatalf("hunk header %q: %v", header, err)
		}
		a, b := aStart-1, bStart-1
		for _, l := range strings.SplitAfter(body, "\n") {
			if l == "" || strings.HasPrefix(l, "--- input: ") || strings.HasPrefix(l, "--- /dev/null") {
				break
			}
			switch l[0] {
			case ' ':
				if in[a] != l[1:] || outLines[b] != l[1:] {
					t.Fatalf("context %q is not input line %d / output line %d", l, a+1, b+1)
				}
				a++
				b++
			case '-':
				if in[a] != l[1:] {
					t.Fatalf("removed %q is not input line %d (%q)", l, a+1, in[a])
				}
				a++
			case '+':
				if outLines[b] != l[1:] {
					t.Fatalf("added %q is not output line %d (%q)", l, b+1, outLines[b])
				}
				b++
			}
		}
	}
}

var header = regexp.MustCompile(`^-(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$`)

// sscanHunk reads "-a,n +b,m @@" into the first line of each range (an
// empty range names the line before it) and the counts.
func sscanHunk(h string, aStart, aCount, bStart, bCount *int) (int, error) {
	m := header.FindStringSubmatch(h)
	if m == nil {
		return 0, fmt.Errorf("not a hunk header")
	}
	num := func(s string, dflt int) int {
		if s == "" {
			return dflt
		}
		n, _ := strconv.Atoi(s)
		return n
	}
	*aStart, *aCount, *bStart, *bCount = num(m[1], 0), num(m[2], 1), num(m[3], 0), num(m[4], 1)
	if *aCount == 0 {
		*aStart++
	}
	if *bCount == 0 {
		*bStart++
	}
	return 4, nil
}

// TestDocumentsNoChange: a hardened stream run again has no diff.
func TestDocumentsNoChange(t *testing.T) {
	out, err := harden.Run([]byte(stream), transform.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := harden.Run(out, transform.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var d bytes.Buffer
	if err := diff.Documents(&d, out, again); err != nil || d.Len() != 0 {
		t.Errorf("diff of an idempotent run: %v\n%s", err, d.String())
	}
}

// TestDocumentsMissing: an output that lost a document is an error, not
// a diff that hides it.
func TestDocumentsMissing(t *testing.T) {
	second := strings.Index(stream, "---\n# Source: web/templates/deployment.yaml")
	if err := diff.Documents(&bytes.Buffer{}, []byte(stream), []byte(stream[:second])); err == nil {
		t.Error("no error for an output without the Deployment")
	}
}

func ExampleDocuments() {
	in := "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n"
	out, _ := harden.Run([]byte(in), transform.DefaultConfig(), nil)
	_ = diff.Documents(os.Stdout, []byte(in), out)
	// Output:
	// --- input: document 1 (ServiceAccount web)
	// +++ hardened: document 1 (ServiceAccount web)
	// @@ -3,3 +3,4 @@
	//  kind: ServiceAccount
	//  metadata:
	//    name: web
	// +automountServiceAccountToken: false
}

// TestDocumentsNumbering: an added document is placed after the document
// numbered as every message numbers it, whether or not the stream opens
// with "---".
func TestDocumentsNumbering(t *testing.T) {
	in := []byte(strings.TrimPrefix(stream, "---\n"))
	out, err := harden.Run(in, transform.DefaultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var d bytes.Buffer
	if err := diff.Documents(&d, in, out); err != nil {
		t.Fatal(err)
	}
	if got := d.String(); !strings.Contains(got, "--- input: document 2 (Deployment web)") || !strings.Contains(got, "(after document 2)") {
		t.Errorf("numbering differs:\n%s", got)
	}
}
