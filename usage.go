package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/chartsec/chartsec-harden/transform"
	"github.com/spf13/pflag"
)

// writeUsage is --help: on stdout, so that `--help | less` works.
func writeUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, `Usage: chartsec-harden [flags] < rendered.yaml > hardened.yaml
       chartsec-harden --list-controls
       chartsec-harden completion bash|zsh|fish

Hardens the Kubernetes manifests Helm renders: reads the rendered stream on
stdin, writes it hardened on stdout (with a NetworkPolicy and a
PodDisruptionBudget per workload where they help), and says what it changed
on stderr. Documents it does not change come out byte for byte.

Examples:
  # Helm 4: install the plugin once (a release .tgz, git or a checkout), then use its name
  helm plugin install https://github.com/chartsec/chartsec-harden --verify=false
  helm upgrade --install web ./chart --post-renderer chartsec-harden \
    --post-renderer-args=--config=$PWD/chartsec.yaml \
    --post-renderer-args=--report-file=/tmp/chartsec.txt   # Helm 4 hides stderr

  # Helm 3: the binary on PATH
  helm upgrade --install web ./chart --post-renderer chartsec-harden \
    --post-renderer-args=--config=chartsec.yaml

  # GitOps and CI (Argo CD plugin, Flux render step): a pipe
  set -o pipefail
  helm template web ./chart --include-crds --kube-version 1.31.0 | chartsec-harden --quiet > hardened.yaml

  # review what it would change, gate a chart in CI
  helm template web ./chart | chartsec-harden --diff | less
  helm template web ./chart | chartsec-harden --check --report sarif --report-file chartsec.sarif > /dev/null

Flags:
`)
	fmt.Fprint(w, fs.FlagUsages())
	fmt.Fprint(w, `
Exit codes:
  0  success: the hardened manifests (or the diff) are on stdout
  1  findings at --fail-on (--check, --verify); stdout is empty
  2  usage, configuration or input error; stdout is empty

Environment: CHARTSEC_CONFIG (--config), CHARTSEC_REPORT_FILE (--report-file).
Controls: chartsec-harden --list-controls. More: https://github.com/chartsec/chartsec-harden
`)
}

// writeControls is --list-controls: every control as cfg sets it, one
// line on what it does, and one with its config keys and their setting.
func writeControls(w io.Writer, cfg transform.Config) error {
	var b strings.Builder
	const indent = "                              "
	b.WriteString("CONTROL                 STATE WHAT IT DOES\n" + indent + "CONFIG KEYS: SETTING\n")
	for _, c := range transform.ListControls(cfg) {
		state := "on"
		if !c.On {
			state = "off"
		}
		fmt.Fprintf(&b, "%-23s %-5s %s\n", c.Name, state, c.Does)
		if len(c.ConfigKeys) > 0 {
			fmt.Fprintf(&b, "%s%s: %s\n", indent, strings.Join(c.ConfigKeys, ", "), c.Setting)
		}
	}
	b.WriteString(`
A control's name is also its exemption name and its switch:
  --disable NAME,...  or  disable: [NAME, ...]     off for every workload
  chartsec.io/skip: "NAME,..."  (or "all")         annotation on a workload or its pod template
  chartsec.io/skip.<container>: "NAME,..."         annotation: that container only
  exclude: [{kind: K, namespace: N, name: X, container: C, controls: [NAME]}]   in the config file
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCompletion prints a completion script for shell, made from the
// flags of fs (so it cannot go stale), with file names after --config and
// --report-file and the accepted values of --report and --fail-on.
func writeCompletion(w io.Writer, shell string, fs *pflag.FlagSet) error {
	type flag struct {
		name, usage, values string
		optional            bool // --verify: the value only as --verify=LEVEL
	}
	var flags []flag
	fs.VisitAll(func(f *pflag.Flag) {
		usage, _, _ := strings.Cut(f.Usage, ";")
		usage = strings.NewReplacer("'", "", "[", "(", "]", ")", ": ", " - ", ":", "").Replace(usage)
		values := "" // takes no value
		if f.Value.Type() != "bool" && f.NoOptDefVal == "" {
			values = "value"
		}
		switch f.Name {
		case "config", "report-file":
			values = "file"
		case "report":
			values = "text json sarif"
		case "fail-on", "verify":
			values = map[string]string{"fail-on": "info warning error", "verify": "restricted baseline"}[f.Name]
		}
		flags = append(flags, flag{f.Name, usage, values, f.NoOptDefVal != ""})
	})
	var b strings.Builder
	switch shell {
	case "bash":
		b.WriteString("# bash completion for chartsec-harden: source <(chartsec-harden completion bash)\n")
		b.WriteString("_chartsec_harden() {\n  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n  case $prev in\n")
		var words []string
		for _, f := range flags {
			words = append(words, "--"+f.name)
			switch f.values {
			case "", "value":
			case "file":
				fmt.Fprintf(&b, "    --%s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f.name)
			default:
				if !f.optional { // --verify takes its level only as --verify=LEVEL
					fmt.Fprintf(&b, "    --%s) COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", f.name, f.values)
				}
			}
		}
		b.WriteString("    completion) COMPREPLY=($(compgen -W \"bash zsh fish\" -- \"$cur\")); return ;;\n")
		fmt.Fprintf(&b, "  esac\n  COMPREPLY=($(compgen -W \"%s completion\" -- \"$cur\"))\n}\n", strings.Join(words, " "))
		b.WriteString("complete -o default -F _chartsec_harden chartsec-harden\n")
	case "zsh":
		b.WriteString("#compdef chartsec-harden\n# zsh completion: chartsec-harden completion zsh > \"${fpath[1]}/_chartsec-harden\"\n_arguments")
		for _, f := range flags {
			takes := "=" // the value as --flag=V or --flag V
			if f.optional {
				takes = "=-" // only as --flag=V
			}
			spec := "--" + f.name + "[" + f.usage + "]"
			switch f.values {
			case "":
			case "value":
				spec = "--" + f.name + takes + "[" + f.usage + "]:value: "
			case "file":
				spec = "--" + f.name + takes + "[" + f.usage + "]:file:_files"
			default:
				spec = "--" + f.name + takes + "[" + f.usage + "]:value:(" + f.values + ")"
			}
			b.WriteString(" \\\n  '" + spec + "'")
		}
		b.WriteString(" \\\n  '1:command:(completion)' \\\n  '2:shell:(bash zsh fish)'\n")
	case "fish":
		b.WriteString("# fish completion: chartsec-harden completion fish > ~/.config/fish/completions/chartsec-harden.fish\n")
		for _, f := range flags {
			fmt.Fprintf(&b, "complete -c chartsec-harden -l %s -d '%s'", f.name, f.usage)
			switch f.values {
			case "":
			case "value":
				b.WriteString(" -x")
			case "file":
				b.WriteString(" -r -F")
			default:
				if f.optional {
					fmt.Fprintf(&b, " -f -a '%s'", f.values)
				} else {
					fmt.Fprintf(&b, " -x -a '%s'", f.values)
				}
			}
			b.WriteString("\n")
		}
		b.WriteString("complete -c chartsec-harden -n __fish_use_subcommand -f -a completion -d 'print a shell completion script'\n")
		b.WriteString("complete -c chartsec-harden -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'\n")
	default:
		return fmt.Errorf("completion: unknown shell %q (bash, zsh, fish)", shell)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
