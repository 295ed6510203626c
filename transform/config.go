package transform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/chartsec/chartsec-harden/report"
	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// Config is the whole configuration file. Each section is the
// configuration of one filter; the rest is shared by all of them.
type Config struct {
	// Disable switches controls off for every workload.
	Disable []string `yaml:"disable" json:"disable"`
	// Exclude exempts matching workloads or containers from controls.
	Exclude []ExcludeRule `yaml:"exclude" json:"exclude"`
	// Workloads are custom resource kinds with a pod template.
	Workloads []CustomWorkload `yaml:"workloads" json:"workloads"`

	PodSecurity         PodSecurity         `yaml:"podSecurity" json:"podSecurity"`
	ContainerSecurity   ContainerSecurity   `yaml:"containerSecurity" json:"containerSecurity"`
	WritableDirs        WritableDirs        `yaml:"writableDirs" json:"writableDirs"`
	Images              Images              `yaml:"images" json:"images"`
	Resources           Resources           `yaml:"resources" json:"resources"`
	ServiceAccountToken ServiceAccountToken `yaml:"serviceAccountToken" json:"serviceAccountToken"`
	NetworkPolicy       NetworkPolicy       `yaml:"networkPolicy" json:"networkPolicy"`
	PodDisruptionBudget PodDisruptionBudget `yaml:"podDisruptionBudget" json:"podDisruptionBudget"`
	LimitRange          LimitRange          `yaml:"limitRange" json:"limitRange"`
	RBAC                RBAC                `yaml:"rbac" json:"rbac"`
	ServiceAccount      ServiceAccount      `yaml:"serviceAccount" json:"serviceAccount"`
}

// DefaultConfig is the configuration used when no file is given; a file
// overrides the keys it sets (lists are replaced, not merged).
func DefaultConfig() Config {
	c := Config{
		Workloads: []CustomWorkload{
			{APIVersion: "argoproj.io/*", Kind: "Rollout", PodTemplate: "spec.template", Replicas: "spec.replicas"},
		},
	}
	for _, s := range sections {
		if s.Defaults != nil {
			s.Defaults(&c)
		}
	}
	return c
}

// LoadConfig reads a YAML configuration over the defaults. Unknown keys
// are errors, so a typo never silently turns a setting off.
func LoadConfig(r io.Reader) (Config, error) {
	return LoadConfigOver(DefaultConfig(), r)
}

// LoadConfigOver reads a YAML configuration over base: the keys it sets
// replace base's (lists are replaced, not merged); base is not modified.
// A KRM function config is read this way over --config and the flags.
func LoadConfigOver(base Config, r io.Reader) (Config, error) {
	cfg := base
	cfg.NetworkPolicy.DNSPodLabels = maps.Clone(base.NetworkPolicy.DNSPodLabels) // decoding merges into a map
	data, err := io.ReadAll(r)
	if err != nil {
		return cfg, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return cfg, syntaxError(err)
	}
	if len(doc.Content) == 1 {
		// A duplicate key stops decoding; an unknown key is named before
		// the values of the wrong type.
		err := doc.Decode(&cfg)
		var te *yaml.TypeError
		if err != nil && !errors.As(err, &te) {
			return cfg, syntaxError(err)
		}
		if err := knownKeys(doc.Content[0], reflect.TypeFor[Config](), "the top level"); err != nil {
			return cfg, err
		}
		if te != nil {
			return cfg, errors.New(strings.Join(te.Errors, "\n  "))
		}
	}
	// A second document would be silently ignored: half the settings.
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return cfg, syntaxError(err)
	case len(extra.Content) == 1 && extra.Content[0].Tag == "!!null":
		// an empty document after a trailing "---"
	default:
		return cfg, fmt.Errorf("line %d: a second YAML document: the configuration is one document (remove the \"---\" or merge the two)", extra.Content[0].Line)
	}
	return cfg, cfg.Validate()
}

// knownKeys refuses a key that no field of t has, naming the line and
// where it is: the top level, the section (its key) or a list's entry
// (configEntry). Decoding alone would drop it silently.
func knownKeys(n *yaml.Node, t reflect.Type, where string) error {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		if e, ok := reflect.Zero(t.Elem()).Interface().(configEntry); ok {
			where = e.configEntry()
		}
		for _, it := range n.Content {
			if err := knownKeys(it, t.Elem(), where); err != nil {
				return err
			}
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" && k.Tag == "!!merge" { // merged mappings: the same keys
				if err := knownKeys(v, t, where); err != nil {
					return err
				}
				continue
			}
			f, ok := fieldByKey(t, k.Value)
			if !ok {
				return fmt.Errorf("line %d: unknown key %s not found in %s", k.Line, k.Value, where)
			}
			in := where
			if t == reflect.TypeFor[Config]() {
				in = k.Value // a section is named by its key
			}
			if err := knownKeys(v, f.Type, in); err != nil {
				return err
			}
		}
	}
	return nil
}

// configEntry names an entry of a configuration list in errors.
type configEntry interface{ configEntry() string }

func (ExcludeRule) configEntry() string     { return "an exclude rule" }
func (CustomWorkload) configEntry() string  { return "a workloads entry" }
func (WritableDirRule) configEntry() string { return "a writableDirs rule" }
func (PolicyPort) configEntry() string      { return "a networkPolicy port" }

// fieldByKey finds the field a YAML key decodes into.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key && name != "-" && f.IsExported() {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// syntaxError is a YAML syntax error without the library's prefix.
func syntaxError(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

// Validate reports the first setting that cannot work, naming its key.
func (c Config) Validate() error {
	for _, d := range c.Disable {
		if d == PodSecurityStandards {
			return fmt.Errorf("disable: %s cannot be switched off for every workload: exempt the workloads that need it by name (exclude: [{kind: ..., name: ..., controls: [%s]}])", d, d)
		}
		if !slices.Contains(Controls, d) {
			return fmt.Errorf("disable: unknown control %q (known: %s)", d, strings.Join(Controls, ", "))
		}
	}
	for i, r := range c.Exclude {
		for _, ctl := range r.Controls {
			if !Exemptible(ctl) {
				return fmt.Errorf("exclude[%d].controls: unknown control %q (known: all, %s, %s)", i, ctl, PodSecurityStandards, strings.Join(Controls, ", "))
			}
		}
	}
	for i, w := range c.Workloads {
		if w.Kind == "" || w.APIVersion == "" || w.PodTemplate == "" {
			return fmt.Errorf("workloads[%d]: apiVersion, kind and podTemplate are required", i)
		}
	}
	for _, s := range sections {
		if s.Validate != nil {
			if err := s.Validate(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Scope returns the state the filters of one run share.
func (c Config) Scope(rep *report.Report) *Scope {
	s := &Scope{CustomWorkloads: c.Workloads, Exclude: c.Exclude, Disabled: map[string]bool{}, Report: rep}
	for _, d := range c.Disable {
		s.Disabled[d] = true
	}
	return s
}

// Filters returns the filters in the order they run (see Section.Stage).
func (c Config) Filters(s *Scope) []kio.Filter {
	out := make([]kio.Filter, 0, len(pipeline))
	for _, sec := range pipeline {
		out = append(out, sec.Filter(c, s))
	}
	return out
}

// Needs reports whether the filters read or change documents of this
// apiVersion and kind; the others pass through as bytes, unparsed.
func (s *Scope) Needs(apiVersion, kind string) bool {
	if _, ok := s.TemplatePath(apiVersion, kind); ok {
		return true
	}
	return neededKinds[kind]
}
