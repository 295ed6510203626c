package main

import (
	_ "embed"
	"regexp"
	"runtime/debug"
	"strings"
)

// pluginYAML declares the version being developed: the release version.
//
//go:embed plugin.yaml
var pluginYAML string

// pseudoVersion matches the versions Go makes up for untagged commits
// (v0.0.0-20260102150405-abcdef123456).
var pseudoVersion = regexp.MustCompile(`-(0\.)?\d{14}-[0-9a-f]{12}(\+dirty)?$`)

// buildVersion is what --version says when the release did not set one
// with -ldflags: `go install module@v1.2.3` gives v1.2.3; a build from a
// checkout gives the declared version, the commit and whether the tree
// had changes (Go's VCS stamping: vcs.revision, vcs.modified), e.g.
// 0.1.0-dev+c3c4a025fe16.dirty; without VCS information (-buildvcs=false,
// a source archive) 0.1.0-dev.
func buildVersion(info *debug.BuildInfo, ok bool, declared string) string {
	if !ok {
		return declared + "-dev"
	}
	v := info.Main.Version
	if strings.HasPrefix(v, "v") && !pseudoVersion.MatchString(v) {
		return v
	}
	var rev string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev != "" {
		v := declared + "-dev+" + rev[:min(12, len(rev))]
		if modified {
			v += ".dirty"
		}
		return v
	}
	if strings.HasPrefix(v, "v") { // go install module@commit: the proxy's pseudo-version
		return v
	}
	return declared + "-dev"
}

// declaredVersion reads version: from plugin.yaml.
func declaredVersion() string {
	m := regexp.MustCompile(`(?m)^version:\s*"?([^"\s]+)`).FindStringSubmatch(pluginYAML)
	if m == nil {
		return "0.0.0"
	}
	return strings.TrimPrefix(m[1], "v")
}
