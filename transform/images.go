package transform

import (
	"fmt"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Pull policies Images accepts; PullPolicyKeep leaves every container as
// the chart set it.
const (
	PullAlways       = "Always"
	PullIfNotPresent = "IfNotPresent"
	PullPolicyKeep   = "keep"
)

// Images sets imagePullPolicy, adds imagePullSecrets, and reports image
// references with a "latest" tag or no tag. Images pinned by digest get
// IfNotPresent: the digest already names one exact image. A chart's Never
// (images preloaded on the nodes) and its choice for a digest stay.
type Images struct {
	// PullPolicy for images referenced by tag: Always, IfNotPresent or keep.
	PullPolicy string `yaml:"pullPolicy" json:"pullPolicy"`
	// PullSecrets are added to every pod spec's imagePullSecrets.
	PullSecrets []string `yaml:"pullSecrets" json:"pullSecrets"`

	Scope *Scope `yaml:"-" json:"-"`
}

var _ kio.Filter = Images{}

// The controls of image references.
const (
	ControlImagePullPolicy  = "imagePullPolicy"
	ControlImagePullSecrets = "imagePullSecrets"
	ControlImageTag         = "imageTag"
)

var imagesSection = Section{
	Key:   "images",
	Stage: Pod,
	Controls: []Control{{
		Name:       ControlImagePullPolicy,
		Does:       "imagePullPolicy for tagged images; IfNotPresent for digests; a chart's Never stays",
		ConfigKeys: []string{"images.pullPolicy"},
		Setting:    func(c Config) string { return c.Images.PullPolicy },
		Rules: map[string]Rule{
			"pullPolicy": {"Image pull policy", "Always re-checks registry credentials for tagged images; digests need no re-pull.", report.Info},
		},
	}, {
		Name:       ControlImagePullSecrets,
		Does:       "adds the configured imagePullSecrets to every pod",
		ConfigKeys: []string{"images.pullSecrets"},
		Setting:    func(c Config) string { return list(c.Images.PullSecrets) },
		Rules: map[string]Rule{
			"pullSecret": {"imagePullSecrets", "The configured imagePullSecrets are added to every pod.", report.Info},
		},
	}, {
		Name: ControlImageTag,
		Does: "reports latest, untagged and undigested images (changes nothing)",
		Rules: map[string]Rule{
			"mutableTag": {"Image tag can move", "Pin a version tag or, better, a digest (image@sha256:...).", report.Warning},
			"notPinned":  {"Image not pinned by digest", "A tag can be moved to other content; image@sha256:... cannot.", report.Info},
		},
	}},
	Defaults: func(c *Config) { c.Images = Images{PullPolicy: PullAlways} },
	Validate: func(c Config) error { return c.Images.Validate() },
	Filter:   func(c Config, s *Scope) kio.Filter { c.Images.Scope = s; return c.Images },
}

// Validate reports the first setting that cannot work, naming its key.
func (f Images) Validate() error {
	switch f.PullPolicy {
	case PullAlways, PullIfNotPresent, PullPolicyKeep:
		return nil
	}
	return fmt.Errorf("images.pullPolicy: %q is not Always, IfNotPresent or keep", f.PullPolicy)
}

// Filter implements kio.Filter.
func (f Images) Filter(nodes []*yaml.RNode) ([]*yaml.RNode, error) {
	for _, n := range nodes {
		w := f.Scope.Workload(n)
		if w == nil {
			continue
		}
		if f.PullPolicy != PullPolicyKeep && !w.Skips(ControlImagePullPolicy) {
			for _, c := range w.ContainersFor(ControlImagePullPolicy) {
				f.pullPolicy(w, c)
			}
		}
		if !w.Skips(ControlImageTag) {
			for _, c := range w.ContainersFor(ControlImageTag) {
				f.tag(w, c)
			}
		}
		if len(f.PullSecrets) > 0 && !w.Skips(ControlImagePullSecrets) {
			f.pullSecrets(w)
		}
	}
	return nodes, nil
}

// tag reports an image reference that can move, or is not pinned by digest.
func (f Images) tag(w *Workload, c Container) {
	image := manifest.LookupScalar(c.Node, "image")
	if tag, ok := weakTag(image); ok {
		w.Found(ControlImageTag, "mutableTag", report.Warning, c.Name,
			"image "+image+" has "+tag+": pin a version tag or a digest")
	} else if image != "" && !strings.Contains(image, "@") {
		w.Found(ControlImageTag, "notPinned", report.Info, c.Name,
			"image "+image+" is not pinned by digest")
	}
}

func (f Images) pullPolicy(w *Workload, c Container) {
	image := manifest.LookupScalar(c.Node, "image")
	if image == "" {
		return
	}
	current := manifest.LookupScalar(c.Node, "imagePullPolicy")
	want := f.PullPolicy
	if strings.Contains(image, "@") {
		if current != "" {
			return
		}
		want = PullIfNotPresent
	}
	if current == want || current == "Never" {
		return
	}
	setScalar(c.Node, "imagePullPolicy", strNode(want))
	if current == "" {
		w.Changed(ControlImagePullPolicy, "pullPolicy", c.Name, "imagePullPolicy set to "+want)
	} else {
		w.Changed(ControlImagePullPolicy, "pullPolicy", c.Name, "imagePullPolicy "+current+" replaced by "+want)
	}
}

func (f Images) pullSecrets(w *Workload) {
	list := ensureSeq(w.Spec, "imagePullSecrets")
	have := map[string]bool{}
	for _, s := range list.Content {
		have[manifest.LookupScalar(yaml.NewRNode(s), "name")] = true
	}
	for _, name := range f.PullSecrets {
		if have[name] {
			continue
		}
		m := yaml.NewMapRNode(nil)
		setScalar(m, "name", strNode(name))
		list.Content = append(list.Content, m.YNode())
		w.Changed(ControlImagePullSecrets, "pullSecret", "", "imagePullSecrets gets "+name)
	}
}

// weakTag reports an image reference whose tag can move: "latest" or none.
func weakTag(image string) (string, bool) {
	if image == "" || strings.Contains(image, "@") {
		return "", false
	}
	last := image[strings.LastIndex(image, "/")+1:]
	i := strings.LastIndex(last, ":")
	switch {
	case i < 0:
		return "no tag (Kubernetes pulls latest)", true
	case last[i+1:] == "latest":
		return "the latest tag", true
	}
	return "", false
}
