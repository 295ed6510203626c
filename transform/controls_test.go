package transform

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestListControls: every control is described, and every config key it
// names is a key of the configuration file.
func TestListControls(t *testing.T) {
	got := ListControls(DefaultConfig())
	if len(got) != len(Controls) {
		t.Fatalf("%d controls listed, want %d", len(got), len(Controls))
	}
	for i, c := range got {
		if c.Name != Controls[i] {
			t.Errorf("control %d is %q, want %q (README order)", i, c.Name, Controls[i])
		}
		if c.Does == "" || c.Setting == "" {
			t.Errorf("%s: no description or setting: %+v", c.Name, c)
		}
		for _, k := range c.ConfigKeys {
			if !configHasKey(reflect.TypeOf(Config{}), strings.Split(k, ".")) {
				t.Errorf("%s: config key %q is not in the configuration file's schema", c.Name, k)
			}
		}
		if want := c.Name != ControlLimitRange; c.On != want {
			t.Errorf("%s: on = %t by default, want %t", c.Name, c.On, want)
		}
	}
}

func configHasKey(t reflect.Type, path []string) bool {
	if len(path) == 0 {
		return true
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == path[0] {
			return configHasKey(f.Type, path[1:])
		}
	}
	return false
}

// TestListControlsFollowsConfig: the listing shows the configuration in
// use, not the defaults.
func TestListControlsFollowsConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Disable = []string{ControlResources}
	cfg.PodSecurity.RunAsUser = 10001
	cfg.LimitRange.Enabled = true
	cfg.Images.PullPolicy = PullIfNotPresent
	byName := map[string]ControlInfo{}
	for _, c := range ListControls(cfg) {
		byName[c.Name] = c
	}
	if byName[ControlResources].On {
		t.Error("resources is disabled but listed as on")
	}
	if !byName[ControlLimitRange].On {
		t.Error("limitRange is enabled but listed as off")
	}
	if s := byName[ControlPodSecurity].Setting; !strings.Contains(s, "runAsUser 10001") {
		t.Errorf("podSecurity setting %q does not show runAsUser 10001", s)
	}
	if s := byName[ControlImagePullPolicy].Setting; s != PullIfNotPresent {
		t.Errorf("imagePullPolicy setting %q, want %s", s, PullIfNotPresent)
	}
}

func ExampleListControls() {
	for _, c := range ListControls(DefaultConfig())[:2] {
		fmt.Printf("%s (on: %t, keys %v): %s\n", c.Name, c.On, c.ConfigKeys, c.Setting)
	}
	// Output:
	// podSecurity (on: true, keys [podSecurity]): runAsUser 1000, runAsGroup 1000, fsGroup 1000, fsGroupChangePolicy OnRootMismatch
	// containerSecurity (on: true, keys []): -
}
