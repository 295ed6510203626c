package manifest_test

import (
	"fmt"
	"log"
	"strings"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A post-renderer's round trip: documents nobody edits come out as their
// input bytes; an edited one is re-encoded with its comments and its list
// indentation.
func Example() {
	in := `---
# Source: web/templates/config.yaml
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
data:
  greeting:   'hello'   # odd spacing and quotes survive
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web # the only container
          image: example/web:1.0
`
	docs := manifest.Split([]byte(in))
	onlyDeployments := func(d *manifest.Doc) bool { return d.Kind == "Deployment" }
	if err := manifest.Parse(docs, onlyDeployments); err != nil {
		log.Fatal(err)
	}
	var out strings.Builder
	for _, d := range docs {
		if d.Node == nil {
			out.WriteString(d.Separator)
			out.Write(d.Raw)
			continue
		}
		off := yaml.NewRNode(&yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: "false"})
		if err := d.Node.PipeE(yaml.Lookup("spec", "template", "spec"),
			yaml.SetField("automountServiceAccountToken", off)); err != nil {
			log.Fatal(err)
		}
		b, err := manifest.Encode(d.Node, d.SeqIndent)
		if err != nil {
			log.Fatal(err)
		}
		out.WriteString(manifest.SeparatorLine(d))
		out.Write(b)
	}
	fmt.Print(out.String())
	// Output:
	// ---
	// # Source: web/templates/config.yaml
	// apiVersion: v1
	// kind: ConfigMap
	// metadata: {name: web}
	// data:
	//   greeting:   'hello'   # odd spacing and quotes survive
	// ---
	// # Source: web/templates/deployment.yaml
	// apiVersion: apps/v1
	// kind: Deployment
	// metadata:
	//   name: web
	// spec:
	//   template:
	//     spec:
	//       containers:
	//         - name: web # the only container
	//           image: example/web:1.0
	//       automountServiceAccountToken: false
}

func ExampleSplit() {
	docs := manifest.Split([]byte("# Source: web/templates/a.yaml\nkind: A\n--- # Source: web/templates/b.yaml\nkind: B\n---\r\n# Source: web/templates/c.yaml\r\nkind: C\r\n"))
	for _, d := range docs {
		fmt.Printf("document %d at line %d, separator %q, source %q\n", d.Index, d.Line, d.Separator, d.Source)
	}
	// Output:
	// document 0 at line 1, separator "", source "web/templates/a.yaml"
	// document 1 at line 4, separator "--- # Source: web/templates/b.yaml\n", source ""
	// document 2 at line 6, separator "---\r\n", source "web/templates/c.yaml"
}

func ExampleParse() {
	stream := `---
# Source: db/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  user: app
  user: admin
`
	err := manifest.Parse(manifest.Split([]byte(stream)), func(*manifest.Doc) bool { return false })
	fmt.Println(err)
	// Output:
	// document 1 (Secret db) from db/templates/secret.yaml, line 9: duplicate key "user" (first at line 8)
}
