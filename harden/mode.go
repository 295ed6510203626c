package harden

import (
	"bytes"

	"github.com/chartsec/chartsec-harden/diff"
	"github.com/chartsec/chartsec-harden/report"
	"github.com/chartsec/chartsec-harden/transform"
)

// Mode is what one run of the command does with its input.
type Mode struct {
	// Check changes nothing: it reports what hardening would do and what
	// fails Pod Security Standards, and passes the input through.
	Check bool
	// Verify, after hardening, evaluates every pod at this Pod Security
	// Standards level (restricted, baseline); empty verifies nothing.
	Verify string
	// FailOn is the severity at which a check or a verification fails.
	FailOn report.Severity
	// Diff answers with a unified diff of what hardening changed or added
	// instead of the hardened stream.
	Diff bool
}

// Execute runs the mode over a rendered stream, or the items of a KRM
// function call (a ResourceList, whose function config is laid over cfg).
// It returns what belongs on stdout and the findings that fail the run
// (of a check, or of a verification); out is to be written only when
// there is neither an error nor a failing finding. rep receives every
// finding.
func Execute(in []byte, cfg transform.Config, m Mode, rep *report.Report) (out Output, failing []report.Finding, err error) {
	stream := in
	var krm *ResourceList
	if IsResourceList(in) {
		if krm, err = ReadResourceList(in); err != nil {
			return nil, nil, err
		}
		if cfg, err = krm.Config(cfg); err != nil {
			return nil, nil, err
		}
		stream = krm.Items
	}
	if m.Check {
		return check(in, stream, cfg, m, rep)
	}
	if out, failing, err = transformMode(stream, cfg, m, rep); err != nil || len(failing) > 0 {
		return nil, failing, err
	}
	if krm != nil {
		b, err := krm.Answer(out.Bytes())
		if err != nil {
			return nil, nil, err
		}
		out = Output{b}
	}
	if m.Diff {
		var b bytes.Buffer
		if err := diff.Documents(&b, in, out.Bytes()); err != nil {
			return nil, nil, err
		}
		out = Output{b.Bytes()}
	}
	return out, nil, nil
}

// check is --check: the input passes through unless a finding fails it.
func check(in, stream []byte, cfg transform.Config, m Mode, rep *report.Report) (Output, []report.Finding, error) {
	if err := Check(stream, cfg, rep); err != nil {
		return nil, nil, err
	}
	if failing := atLeast(rep, m.FailOn); len(failing) > 0 {
		return nil, failing, nil
	}
	return Output{in}, nil, nil
}

// transformMode hardens the stream and, with Verify, evaluates the output.
func transformMode(stream []byte, cfg transform.Config, m Mode, rep *report.Report) (Output, []report.Finding, error) {
	out, err := Render(stream, cfg, rep)
	if err != nil || m.Verify == "" {
		return out, nil, err
	}
	verified := &report.Report{}
	if err := Verify(out.Bytes(), cfg, m.Verify, verified); err != nil {
		// The user has the input, not the output: name the input's line
		// when the input has the same fault.
		if inErr := Check(stream, cfg, &report.Report{}); inErr != nil {
			err = inErr
		}
		return nil, nil, err
	}
	inInput := inputObjects(rep)
	for _, f := range verified.Findings() {
		// Named at the input's document and line (what the user has),
		// beside what the transforms did to the same object.
		if o, ok := inInput[objectKey(f.Object)]; ok {
			f.Object = o
		}
		rep.Add(f)
	}
	return out, atLeast(verified, m.FailOn), nil
}

type objectID struct{ kind, namespace, name, source string }

func objectKey(o report.Object) objectID {
	return objectID{o.Kind, o.Namespace, o.Name, o.Source}
}

// inputObjects maps the objects the transforms reported on, as located in
// the input, by kind, namespace, name and source file.
func inputObjects(rep *report.Report) map[objectID]report.Object {
	m := map[objectID]report.Object{}
	for _, f := range rep.Findings() {
		if !f.Object.Generated {
			m[objectKey(f.Object)] = f.Object
		}
	}
	return m
}

// atLeast returns the findings a gate fails on: not fixed, at or above
// the fail level.
func atLeast(rep *report.Report, failOn report.Severity) []report.Finding {
	var out []report.Finding
	for _, f := range rep.Findings() {
		if !f.Changed && f.Severity >= failOn {
			out = append(out, f)
		}
	}
	return out
}
