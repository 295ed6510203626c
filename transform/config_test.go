package transform

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/report"
)

func TestLoadConfigDefaults(t *testing.T) {
	for _, in := range []string{"", "\n  \n", "# all defaults\n", "---\n"} {
		cfg, err := LoadConfig(strings.NewReader(in))
		if err != nil {
			t.Errorf("LoadConfig(%q): %v", in, err)
			continue
		}
		if !reflect.DeepEqual(cfg, DefaultConfig()) {
			t.Errorf("LoadConfig(%q) = %+v, want the defaults", in, cfg)
		}
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Errorf("the default configuration does not validate: %v", err)
	}
}

func TestLoadConfigReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	if _, err := LoadConfig(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("LoadConfig of a failing reader = %v, want %v", err, boom)
	}
}

// TestLoadConfigOverrides: a file sets only what it names; the keys it
// leaves out keep their defaults, and lists replace the default lists.
func TestLoadConfigOverrides(t *testing.T) {
	cfg, err := LoadConfig(strings.NewReader(`
disable: [imageTag]
exclude:
- kind: DaemonSet
  name: node-*
  controls: [podSecurity]
workloads:
- apiVersion: example.com/v1
  kind: Worker
  podTemplate: spec.template
podSecurity:
  runAsUser: 10001
writableDirs:
  paths: [/var/tmp]
images:
  pullSecrets: [regcred]
resources:
  limits:
    memory: 1Gi
serviceAccountToken:
  needsAPI: [operator-*]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Disable = []string{ControlImageTag}
	want.Exclude = []ExcludeRule{{Kind: "DaemonSet", Name: "node-*", Controls: []string{ControlPodSecurity}}}
	want.Workloads = []CustomWorkload{{APIVersion: "example.com/v1", Kind: "Worker", PodTemplate: "spec.template"}}
	want.PodSecurity.RunAsUser = 10001
	want.WritableDirs.Paths = []string{"/var/tmp"}
	want.Images.PullSecrets = []string{"regcred"}
	want.Resources.Limits.Memory = "1Gi"
	want.ServiceAccountToken.NeedsAPI = []string{"operator-*"}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("LoadConfig:\n got  %+v\n want %+v", cfg, want)
	}
	// Spelled out, as these are what a reader of the file would check.
	if cfg.PodSecurity.RunAsGroup != 1000 || cfg.PodSecurity.FSGroupChangePolicy != "OnRootMismatch" {
		t.Errorf("podSecurity keys the file left out lost their defaults: %+v", cfg.PodSecurity)
	}
	if !reflect.DeepEqual(cfg.WritableDirs.Rules, DefaultConfig().WritableDirs.Rules) || cfg.WritableDirs.Rules[0].Image != "*nginx*" {
		t.Errorf("writableDirs.rules lost its default: %+v", cfg.WritableDirs.Rules)
	}
	if cfg.Resources.Limits.CPU != "500m" || cfg.Images.PullPolicy != PullAlways {
		t.Errorf("keys the file left out lost their defaults: resources %+v, images %+v", cfg.Resources, cfg.Images)
	}
}

// TestLoadConfigErrors: a typo is an error that names the key, the
// section it is in and the line, so it never silently turns a setting off.
func TestLoadConfigErrors(t *testing.T) {
	cases := []struct {
		name, config string
		want         []string
	}{
		{"unknown top-level key", "podSecurity:\n  runAsUser: 5\nimage:\n  pullPolicy: Always\n",
			[]string{"line 3", "unknown key image ", "the top level"}},
		{"unknown key in a section", "podSecurity:\n  runAsUsr: 5\n",
			[]string{"line 2", "unknown key runAsUsr ", "podSecurity"}},
		{"unknown key in resources values", "resources:\n  requests:\n    cpus: 1\n",
			[]string{"line 3", "unknown key cpus ", "resources"}},
		{"unknown key in limitRange values", "limitRange:\n  max:\n    cpuu: 1\n",
			[]string{"line 3", "unknown key cpuu ", "limitRange"}},
		{"unknown key in a networkPolicy port", "networkPolicy:\n  egressPorts:\n  - {port: 53, proto: UDP}\n",
			[]string{"line 3", "unknown key proto ", "a networkPolicy port"}},
		{"unknown key in a merged mapping", "podSecurity:\n  <<: {runAsUsr: 5}\n",
			[]string{"line 2", "unknown key runAsUsr ", "podSecurity"}},
		{"unknown key in an exclude rule", "exclude:\n- kind: Pod\n  names: web\n",
			[]string{"line 3", "unknown key names ", "an exclude rule"}},
		{"unknown key in a writableDirs rule", "writableDirs:\n  rules:\n  - image: '*redis*'\n    path: [/data]\n",
			[]string{"line 4", "unknown key path ", "a writableDirs rule"}},
		{"unknown key in a workloads entry", "workloads:\n- apiVersion: a/v1\n  kind: K\n  template: spec.template\n",
			[]string{"line 4", "unknown key template ", "a workloads entry"}},
		{"not YAML", "podSecurity: [\n", []string{"line"}},
		{"wrong type", "podSecurity:\n  runAsUser: root\n", []string{"line 2", "root"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig(strings.NewReader(c.config))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			for _, leak := range []string{"transform.", "yaml: ", "field "} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q shows Go or library internals (%q)", msg, leak)
				}
			}
		})
	}
}

// TestValidate: every setting that cannot work is refused, naming its key.
func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"unknown disabled control", func(c *Config) { c.Disable = []string{"podSecurity", "nope"} },
			`disable: unknown control "nope"`},
		{"unknown exclude control", func(c *Config) { c.Exclude = []ExcludeRule{{}, {Controls: []string{"all", "imagetag"}}} },
			`exclude[1].controls: unknown control "imagetag"`},
		{"workload without a template path", func(c *Config) { c.Workloads = append(c.Workloads, CustomWorkload{APIVersion: "a/v1", Kind: "K"}) },
			"workloads[1]: apiVersion, kind and podTemplate are required"},
		{"root user", func(c *Config) { c.PodSecurity.RunAsUser = 0 },
			"podSecurity.runAsUser: 0 is not a non-root user ID"},
		{"negative user", func(c *Config) { c.PodSecurity.RunAsUser = -1 },
			"podSecurity.runAsUser: -1 is not a non-root user ID"},
		{"negative group", func(c *Config) { c.PodSecurity.RunAsGroup = -5 },
			"podSecurity.runAsGroup and podSecurity.fsGroup must not be negative"},
		{"negative fsGroup", func(c *Config) { c.PodSecurity.FSGroup = -5 },
			"podSecurity.runAsGroup and podSecurity.fsGroup must not be negative"},
		{"fsGroupChangePolicy", func(c *Config) { c.PodSecurity.FSGroupChangePolicy = "Sometimes" },
			`podSecurity.fsGroupChangePolicy: "Sometimes" is not OnRootMismatch, Always or empty`},
		{"capability list in one string", func(c *Config) { c.ContainerSecurity.AllowedCapabilities = []string{"NET_BIND_SERVICE,CHOWN"} },
			`containerSecurity.allowedCapabilities: "NET_BIND_SERVICE,CHOWN" is not a capability name`},
		{"blank capability", func(c *Config) { c.ContainerSecurity.AllowedCapabilities = []string{" "} },
			`containerSecurity.allowedCapabilities: " " is not a capability name`},
		{"relative writable path", func(c *Config) { c.WritableDirs.Paths = []string{"tmp"} },
			`writableDirs.paths: "tmp" is not an absolute directory below /`},
		{"writable root", func(c *Config) { c.WritableDirs.Paths = []string{"/tmp", "/./"} },
			`writableDirs.paths: "/./" is not an absolute directory below /`},
		{"relative rule path", func(c *Config) {
			c.WritableDirs.Rules = []WritableDirRule{{Image: "*nginx*", Paths: []string{"/run"}}, {Image: "*redis*", Paths: []string{"data"}}}
		}, `writableDirs.rules[1].paths: "data" is not an absolute directory below /`},
		{"size limit", func(c *Config) { c.WritableDirs.SizeLimit = "big" },
			`writableDirs.sizeLimit: "big" is not a quantity`},
		{"pull policy", func(c *Config) { c.Images.PullPolicy = "Never" },
			`images.pullPolicy: "Never" is not Always, IfNotPresent or keep`},
		{"resource quantity", func(c *Config) { c.Resources.Requests.Memory = "lots" },
			`resources.requests.memory: "lots" is not a quantity`},
		{"request above limit", func(c *Config) { c.Resources.Requests.CPU = "1" },
			"resources.requests.cpu (1) is above resources.limits.cpu (500m)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.change(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate() = %v, want an error saying %q", err, c.want)
			}
		})
	}
	valid := DefaultConfig()
	valid.Disable = slices.Clone(Controls)
	valid.Exclude = []ExcludeRule{{Controls: []string{AllControls}}}
	valid.PodSecurity.FSGroupChangePolicy = ""
	valid.Images.PullPolicy = PullPolicyKeep
	valid.WritableDirs.SizeLimit = "128Mi"
	if err := valid.Validate(); err != nil {
		t.Errorf("Validate() of a valid configuration: %v", err)
	}
}

// TestLoadConfigValidates: LoadConfig refuses what Validate refuses.
func TestLoadConfigValidates(t *testing.T) {
	_, err := LoadConfig(strings.NewReader("podSecurity:\n  runAsUser: 0\n"))
	if err == nil || !strings.Contains(err.Error(), "podSecurity.runAsUser") {
		t.Errorf("LoadConfig with runAsUser 0 = %v, want the Validate error", err)
	}
}

func TestScope(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Disable = []string{ControlResources, ControlImageTag}
	cfg.Exclude = []ExcludeRule{{Name: "x"}}
	rep := &report.Report{}
	s := cfg.Scope(rep)
	if s.Report != rep {
		t.Error("Scope does not report to the given report")
	}
	for _, ctl := range Controls {
		want := ctl != ControlResources && ctl != ControlImageTag
		if got := s.Enabled(ctl); got != want {
			t.Errorf("Enabled(%s) = %v, want %v", ctl, got, want)
		}
	}
	if !reflect.DeepEqual(s.Exclude, cfg.Exclude) || !reflect.DeepEqual(s.CustomWorkloads, cfg.Workloads) {
		t.Errorf("Scope does not carry the exclude rules and custom workloads: %+v", s)
	}
	var none *Scope
	if !none.Enabled(ControlPodSecurity) {
		t.Error("a nil Scope disables controls")
	}
}

// TestFiltersOrder: the filters share the scope, and WritableDirs runs
// before ContainerSecurity, while the root filesystem is still writable.
func TestFiltersOrder(t *testing.T) {
	cfg := DefaultConfig()
	s := cfg.Scope(nil)
	var names []string
	for _, f := range cfg.Filters(s) {
		names = append(names, fmt.Sprintf("%T", f))
		if v := reflect.ValueOf(f).FieldByName("Scope"); !v.IsValid() || v.Interface() != s {
			t.Errorf("%T does not have the run's Scope", f)
		}
	}
	pos := func(name string) int {
		i := slices.Index(names, "transform."+name)
		if i < 0 {
			t.Fatalf("Filters() has no %s: %v", name, names)
		}
		return i
	}
	if pos("PodSecurity") > pos("ContainerSecurity") || pos("WritableDirs") > pos("ContainerSecurity") {
		t.Errorf("filter order %v: PodSecurity and WritableDirs must run before ContainerSecurity", names)
	}
	for _, n := range []string{"Images", "Resources", "ServiceAccountToken"} {
		pos(n)
	}
}
