package harden

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// IsResourceList reports whether in is a KRM function call: a single
// config.kubernetes.io/v1 ResourceList, as kustomize and kpt send it.
func IsResourceList(in []byte) bool {
	for _, d := range manifest.Split(in) {
		if len(bytes.TrimSpace(d.Raw)) == 0 {
			continue
		}
		head := d.Raw
		if len(head) > 4096 {
			head = head[:4096]
		}
		return bytes.Contains(head, []byte("kind: ResourceList")) && bytes.Contains(head, []byte("config.kubernetes.io/v1"))
	}
	return false
}

// RunResourceList hardens the items of a ResourceList and answers with the
// ResourceList, items replaced. Its functionConfig, when present, is the
// configuration: the spec of a ChartsecHarden object, or the "config" key
// of a ConfigMap's data; it overrides base like a config file.
func RunResourceList(in []byte, base transform.Config, rep *report.Report) ([]byte, error) {
	rl, err := yaml.Parse(string(in))
	if err != nil {
		return nil, fmt.Errorf("ResourceList: %w", err)
	}
	cfg := base
	if fc := rl.Field("functionConfig"); fc != nil && fc.Value.YNode().Kind == yaml.MappingNode {
		text, err := functionConfigText(fc.Value)
		if err != nil {
			return nil, err
		}
		if text != "" {
			if cfg, err = transform.LoadConfig(strings.NewReader(text)); err != nil {
				return nil, fmt.Errorf("functionConfig: %w", err)
			}
		}
	}
	var stream bytes.Buffer
	if items := rl.Field("items"); items != nil {
		for _, it := range items.Value.YNode().Content {
			b, err := yaml.String(it)
			if err != nil {
				return nil, err
			}
			stream.WriteString("---\n")
			stream.WriteString(b)
		}
	}
	out, err := Run(stream.Bytes(), cfg, rep)
	if err != nil {
		return nil, err
	}
	docs := manifest.Split(out)
	if err := manifest.Parse(docs, manifest.KeepAll); err != nil {
		return nil, err
	}
	items := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
	for _, d := range docs {
		if d.Node != nil {
			items.Content = append(items.Content, d.Node.YNode())
		}
	}
	if err := rl.PipeE(yaml.SetField("items", yaml.NewRNode(items))); err != nil {
		return nil, err
	}
	s, err := rl.String()
	return []byte(s), err
}

func functionConfigText(fc *yaml.RNode) (string, error) {
	var node *yaml.RNode
	switch lookup := fc.Field("kind"); {
	case lookup != nil && lookup.Value.YNode().Value == "ConfigMap":
		if c, err := fc.Pipe(yaml.Lookup("data", "config")); err == nil && c != nil {
			return c.YNode().Value, nil
		}
		return "", nil
	default:
		if f := fc.Field("spec"); f != nil {
			node = f.Value
		}
	}
	if node == nil {
		return "", nil
	}
	return node.String()
}
