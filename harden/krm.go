package harden

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/transform"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// KRM function calls (kustomize, kpt): a ResourceList in, a ResourceList out.
const (
	resourceListAPIVersion = "config.kubernetes.io/v1"
	resourceListKind       = "ResourceList"
)

// IsResourceList reports whether in is a KRM function call: a stream of
// exactly one document whose own top-level apiVersion and kind are
// config.kubernetes.io/v1 ResourceList. Text that merely mentions them (a
// ConfigMap's data, say) or a ResourceList among other documents is an
// ordinary stream. A stream that does not parse is not one either: the
// ordinary path reports the error with its document and line.
func IsResourceList(in []byte) bool {
	if !bytes.Contains(in, []byte(resourceListKind)) {
		return false
	}
	var only *manifest.Doc
	for _, d := range manifest.Split(in) {
		if commentsOnly(d.Raw) && separatorBlank(d.Separator) {
			continue
		}
		if only != nil {
			return false
		}
		only = d
	}
	if only == nil {
		return false
	}
	if err := manifest.Parse([]*manifest.Doc{only}, func(*manifest.Doc) bool { return false }); err != nil {
		return false
	}
	return only.Object && only.APIVersion == resourceListAPIVersion && only.Kind == resourceListKind
}

// commentsOnly reports whether a document holds nothing but blank lines
// and comments.
func commentsOnly(raw []byte) bool {
	for line := range bytes.Lines(raw) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

// separatorBlank reports whether a "---" line carries no content of its
// own ("--- {a: 1}" does).
func separatorBlank(sep string) bool {
	rest := strings.TrimSpace(strings.TrimPrefix(sep, "---"))
	return rest == "" || rest[0] == '#'
}

// ResourceList is a parsed KRM function call.
type ResourceList struct {
	rl *yaml.RNode
	// Items is the list's items as a stream of documents, which every mode
	// reads like a rendered release.
	Items []byte
	// functionConfig is the configuration text the function config holds.
	functionConfig string
}

// ReadResourceList parses a ResourceList (see IsResourceList) and unwraps
// its items once.
func ReadResourceList(in []byte) (*ResourceList, error) {
	rl, err := yaml.Parse(string(in))
	if err != nil {
		return nil, fmt.Errorf("ResourceList: %w", err)
	}
	out := &ResourceList{rl: rl}
	if fc := rl.Field("functionConfig"); fc != nil && fc.Value.YNode().Kind == yaml.MappingNode {
		if out.functionConfig, err = functionConfigText(fc.Value); err != nil {
			return nil, fmt.Errorf("ResourceList functionConfig: %w", err)
		}
	}
	var stream bytes.Buffer
	if items := rl.Field("items"); items != nil {
		if items.Value.YNode().Kind != yaml.SequenceNode {
			if items.Value.YNode().Tag != yaml.NodeTagNull {
				return nil, fmt.Errorf("ResourceList, line %d: items is not a list", items.Value.YNode().Line)
			}
		} else {
			for _, it := range items.Value.YNode().Content {
				b, err := yaml.String(it)
				if err != nil {
					return nil, err
				}
				stream.WriteString("---\n")
				stream.WriteString(b)
			}
		}
	}
	out.Items = stream.Bytes()
	return out, nil
}

// Config lays the function config, when there is one, over base (the
// --config file and the flags): the function config's keys win, the
// others keep base's values.
func (l *ResourceList) Config(base transform.Config) (transform.Config, error) {
	if l.functionConfig == "" {
		return base, nil
	}
	cfg, err := transform.LoadConfigOver(base, strings.NewReader(l.functionConfig))
	if err != nil {
		return cfg, fmt.Errorf("functionConfig: %w", err)
	}
	return cfg, nil
}

// Answer is the ResourceList with its items replaced by the documents of
// a (hardened) stream.
func (l *ResourceList) Answer(stream []byte) ([]byte, error) {
	docs := manifest.Split(stream)
	if err := manifest.Parse(docs, manifest.KeepAll); err != nil {
		return nil, err
	}
	items := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
	for _, d := range docs {
		if d.Node != nil {
			items.Content = append(items.Content, d.Node.YNode())
		}
	}
	rl := l.rl.Copy()
	if err := rl.PipeE(yaml.SetField("items", yaml.NewRNode(items))); err != nil {
		return nil, err
	}
	s, err := rl.String()
	return []byte(s), err
}

func functionConfigText(fc *yaml.RNode) (string, error) {
	if kind := fc.Field("kind"); kind != nil && kind.Value.YNode().Value == "ConfigMap" {
		if c, err := fc.Pipe(yaml.Lookup("data", "config")); err == nil && c != nil {
			return c.YNode().Value, nil
		}
		return "", nil
	}
	if f := fc.Field("spec"); f != nil {
		return f.Value.String()
	}
	return "", nil
}
