package transform

import (
	"fmt"
	"slices"

	"github.com/chartsec/chartsec-harden/report"
	"sigs.k8s.io/kustomize/kyaml/kio"
)

// Section is one entry of the registry: a filter, the configuration
// section that sets it, and the controls it serves. The control names,
// the filter pipeline, the kinds a run parses, the rule texts and the
// configuration's validation are all derived from the entries, so a new
// control is a new Section in the filter's own file and its line in
// sections below.
type Section struct {
	// Key is the configuration file's key of the section; empty for a
	// filter nothing configures.
	Key string
	// Stage is when the filter runs; within a stage, in sections' order
	// except where Before says otherwise.
	Stage Stage
	// Before names the sections of the same stage that must run after
	// this one.
	Before []string
	// Controls are the controls the filter serves, in the README's order.
	Controls []Control
	// Kinds are the kinds the filter reads besides pod templates: a run
	// parses documents of these kinds and passes the others through.
	Kinds []string
	// Defaults sets the section's built-in defaults.
	Defaults func(*Config)
	// Validate reports the first setting of the section that cannot work,
	// naming its key.
	Validate func(Config) error
	// Filter is the section's filter for one run.
	Filter func(Config, *Scope) kio.Filter
}

// Stage orders the filters of a run.
type Stage int

const (
	// Review filters read the release as the chart wrote it and change
	// nothing: Secrets, RBAC.
	Review Stage = iota
	// Pod filters harden pod templates.
	Pod
	// Companion filters add documents for the workloads as hardened.
	Companion
)

// Control is one control: its name (the key of --disable, of exclude
// rules and of the chartsec.io/skip annotations), what it does, and the
// texts of its findings.
type Control struct {
	Name string
	// Does says in one line what the control does (--list-controls).
	Does string
	// ConfigKeys are the configuration file's keys that tune it; empty
	// when only switching it off applies.
	ConfigKeys []string
	// Setting sums up the configuration of the control in one line; nil
	// when nothing configures it.
	Setting func(Config) string
	// SwitchedOn reports whether the control's own settings switch it on
	// (limitRange.enabled); nil when only disable: switches it off.
	SwitchedOn func(Config) bool
	// Rules describe its findings, by rule name (the finding id is
	// control.rule).
	Rules map[string]Rule
}

// Rule describes a finding id: what it means, how to act on it, and how
// much it matters when a chart lacks it (the --check severity). Only the
// upstream Pod Security Standards checks make errors: a chart may meet
// them another way than the transform would (container-level fields, say).
type Rule struct {
	Short, Help string
	Missing     report.Severity
}

// sections is the registry, in the README's order of controls.
var sections []*Section

// Derived from sections.
var (
	// Controls lists every control name, in the order the README
	// documents them.
	Controls []string
	controls map[string]*Control
	// neededKinds are the kinds some filter reads besides pod templates.
	neededKinds map[string]bool
	// pipeline is sections in the order the filters run.
	pipeline []*Section
)

// The registry is read in init, not in variable initializers: the
// filters it refers to ask for Controls and the rules themselves.
func init() {
	sections = []*Section{
		&podSecuritySection, &containerSecuritySection, &writableDirsSection, &imagesSection,
		&resourcesSection, &serviceAccountTokenSection, &networkPolicySection, &podDisruptionBudgetSection,
		&limitRangeSection, &secretsSection, &rbacSection, &serviceAccountSection,
	}
	controls = map[string]*Control{}
	neededKinds = map[string]bool{}
	for _, s := range sections {
		for i := range s.Controls {
			c := &s.Controls[i]
			if controls[c.Name] != nil {
				panic("transform: control " + c.Name + " registered twice")
			}
			controls[c.Name] = c
			Controls = append(Controls, c.Name)
			for rule, r := range c.Rules {
				rules[c.Name+"."+rule] = r
			}
		}
		for _, k := range s.Kinds {
			neededKinds[k] = true
		}
	}
	pipeline = runOrder(sections)
}

// runOrder sorts sections by stage and, within one, keeps their order
// but for the Before constraints: the earliest section whose
// predecessors have all run goes next.
func runOrder(all []*Section) []*Section {
	var out []*Section
	done := map[*Section]bool{}
	mustWait := func(s *Section) bool {
		for _, o := range all {
			if !done[o] && o.Stage == s.Stage && slices.Contains(o.Before, s.Key) {
				return true
			}
		}
		return false
	}
	for len(out) < len(all) {
		var next *Section
		for _, s := range all {
			if done[s] || mustWait(s) {
				continue
			}
			if next == nil || s.Stage < next.Stage {
				next = s
			}
		}
		if next == nil {
			panic(fmt.Sprintf("transform: the Before constraints of the registry form a cycle after %d sections", len(out)))
		}
		done[next] = true
		out = append(out, next)
	}
	return out
}
