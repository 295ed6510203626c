package report

import (
	"encoding/json"
	"io"
)

// JSONVersion is the version of the JSON report's schema. It changes only
// when a field changes meaning or goes away; new fields may be added.
const JSONVersion = 1

// JSONReport is the JSON report. Schema (version 1):
//
//	{"version": 1, "tool": "chartsec-harden", "toolVersion": "...",
//	 "mode": "transform" | "check" | "verify",
//	 "error": "...",                       // only when the run failed
//	 "verdict": "...",                     // only when a --check or --verify failed
//	 "findings": [{"id", "control", "rule", "severity", "changed",
//	               "document", "kind", "name", "namespace", "source",
//	               "line", "container", "message", "hint"}],
//	 "summary": {"error", "warning", "info", "changed"}}
type JSONReport struct {
	Version     int           `json:"version"`
	Tool        string        `json:"tool"`
	ToolVersion string        `json:"toolVersion"`
	Mode        string        `json:"mode"`
	Error       string        `json:"error,omitempty"`
	Verdict     string        `json:"verdict,omitempty"`
	Findings    []JSONFinding `json:"findings"`
	Summary     Counts        `json:"summary"`
}

// JSONFinding is one finding of the JSON report.
type JSONFinding struct {
	ID        string `json:"id"`
	Control   string `json:"control"`
	Rule      string `json:"rule"`
	Severity  string `json:"severity"`
	Changed   bool   `json:"changed"`
	Document  int    `json:"document"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Source    string `json:"source,omitempty"`
	Line      int    `json:"line,omitempty"`
	Container string `json:"container,omitempty"`
	Message   string `json:"message"`
	Hint      string `json:"hint,omitempty"`
}

// Run describes the run a machine-readable report is about.
type Run struct {
	ToolVersion string
	Mode        string
	Err         error // the run's error, if it failed
	// Verdict is the line that says why a --check or --verify failed.
	Verdict string
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer, run Run) error {
	out := JSONReport{Version: JSONVersion, Tool: "chartsec-harden", ToolVersion: run.ToolVersion, Mode: run.Mode,
		Verdict: run.Verdict, Findings: []JSONFinding{}, Summary: r.Count()}
	if run.Err != nil {
		out.Error = run.Err.Error()
	}
	for _, f := range r.view() {
		out.Findings = append(out.Findings, JSONFinding{ID: f.ID(), Control: f.Control, Rule: f.Rule,
			Severity: f.Severity.String(), Changed: f.Changed, Document: f.Object.Doc, Kind: f.Object.Kind,
			Name: f.Object.Name, Namespace: f.Object.Namespace, Source: f.Object.Source, Line: f.Object.Line,
			Container: f.Container, Message: f.Message, Hint: f.Hint})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
