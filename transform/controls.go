package transform

import (
	"maps"
	"slices"
	"strings"
)

// ControlInfo describes one control for people: what it does, where the
// configuration file sets it, and what it is set to.
type ControlInfo struct {
	// Name is the control's name: the one --disable, disable:, exclude
	// rules and the chartsec.io/skip annotations take.
	Name string
	// Does says in one line what the control does.
	Does string
	// ConfigKeys are the configuration file's keys that tune it; empty
	// when only switching it off applies.
	ConfigKeys []string
	// On is false when the control is switched off (disable:, --disable,
	// or limitRange.enabled: false).
	On bool
	// Setting is what the configuration sets it to, in one line.
	Setting string
}

// ListControls describes every control, in the README's order, as cfg
// sets it.
func ListControls(cfg Config) []ControlInfo {
	disabled := map[string]bool{}
	for _, d := range cfg.Disable {
		disabled[d] = true
	}
	out := make([]ControlInfo, 0, len(Controls))
	for _, name := range Controls {
		c := controls[name]
		on := !disabled[name]
		if c.SwitchedOn != nil && !c.SwitchedOn(cfg) {
			on = false
		}
		setting := "-"
		if c.Setting != nil {
			setting = c.Setting(cfg)
		}
		out = append(out, ControlInfo{Name: name, Does: c.Does, ConfigKeys: c.ConfigKeys, On: on, Setting: setting})
	}
	return out
}

func list(s []string) string {
	if len(s) == 0 {
		return "[]"
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func severities(m map[string]string) string {
	var s []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s = append(s, k+": "+m[k])
	}
	return "{" + strings.Join(s, ", ") + "}"
}

func orNone(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
