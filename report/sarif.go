package report

import (
	"encoding/json"
	"io"
	"sort"
)

// RuleText describes a finding id for SARIF's rule list.
type RuleText func(id string) (short, help string)

// sarif* mirror the parts of SARIF 2.1.0 this report uses.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	Help             sarifMessage `json:"help"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	Properties                 map[string]string   `json:"properties,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifMessage    `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// InformationURI is where SARIF readers are sent for the tool.
const InformationURI = "https://github.com/chartsec/chartsec-harden"

// WriteSARIF writes the report as SARIF 2.1.0: one rule per finding id,
// each result located in its chart template file (the Helm 3 "# Source:"
// comment or Helm 4 annotation). Where the file is unknown, the result
// has only a logical location (kind/namespace/name).
func (r *Report) WriteSARIF(w io.Writer, run Run, text RuleText) error {
	fs := r.view()
	ids := map[string]int{}
	var idList []string
	for _, f := range fs {
		if _, ok := ids[f.ID()]; !ok {
			ids[f.ID()] = 0
			idList = append(idList, f.ID())
		}
	}
	sort.Strings(idList)
	driver := sarifDriver{Name: "chartsec-harden", Version: run.ToolVersion, InformationURI: InformationURI, Rules: []sarifRule{}}
	for i, id := range idList {
		ids[id] = i
		short, help := text(id)
		driver.Rules = append(driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{short}, Help: sarifMessage{help}})
	}
	inv := sarifInvocation{ExecutionSuccessful: run.Err == nil}
	if run.Err != nil {
		inv.ToolExecutionNotifications = []sarifNotification{{Level: "error", Message: sarifMessage{run.Err.Error()}}}
	}
	if run.Verdict != "" {
		inv.Properties = map[string]string{"verdict": run.Verdict}
	}
	results := []sarifResult{}
	for _, f := range fs {
		msg := f.Message
		if f.Changed {
			msg = "changed: " + msg
		}
		if f.Hint != "" {
			msg += " (" + f.Hint + ")"
		}
		name := f.Object.Kind + "/"
		if f.Object.Namespace != "" {
			name += f.Object.Namespace + "/"
		}
		name += f.Object.Name
		if f.Container != "" {
			name += "/" + f.Container
		}
		loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: name, Kind: "resource"}}}
		if f.Object.Source != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: f.Object.Source}, Region: sarifRegion{StartLine: 1}}
		}
		res := sarifResult{RuleID: f.ID(), RuleIndex: ids[f.ID()], Level: sarifLevel(f.Severity), Message: sarifMessage{msg},
			Locations: []sarifLocation{loc}, Properties: map[string]any{"changed": f.Changed}}
		if f.Object.Line > 0 {
			res.Properties["renderedLine"] = f.Object.Line
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Invocations: []sarifInvocation{inv}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}
