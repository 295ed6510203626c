package report

import (
	"fmt"
	"io"
)

// Totals sum up a transform run for its closing line.
type Totals struct {
	// Hardened counts the documents of the input that were changed:
	// Workloads (anything with a pod template) and ServiceAccounts.
	Workloads, ServiceAccounts int
	// Added counts the documents chartsec-harden added.
	Added int
	// Warnings and Errors count findings; Exempt counts the documents an
	// exemption applied to.
	Warnings, Errors, Exempt int
}

// Total adds up what the findings say. A document is added for every
// change with rule "added" (a workload's NetworkPolicy or
// PodDisruptionBudget, the release's LimitRange) and for every generated
// object otherwise reported (the deny-all policy).
func (r *Report) Total() Totals {
	var t Totals
	hardened := map[Object]bool{}
	exempt := map[Object]bool{}
	for _, f := range r.view() {
		switch {
		case !f.Changed:
		case f.Rule == "added" || f.Object.Generated:
			t.Added++
		case !hardened[f.Object]:
			hardened[f.Object] = true
			if f.Object.Kind == "ServiceAccount" {
				t.ServiceAccounts++
			} else {
				t.Workloads++
			}
		}
		if f.ID() == "exemption.applied" {
			exempt[f.Object] = true
		}
		switch f.Severity {
		case Warning:
			t.Warnings++
		case Error:
			t.Errors++
		}
	}
	t.Exempt = len(exempt)
	return t
}

// WriteTotal writes the closing line of the summary, e.g.
// "chartsec-harden: total: 3 workloads hardened (and 1 ServiceAccount),
// 2 documents added, 1 warning, 0 exempt".
func (r *Report) WriteTotal(w io.Writer) error {
	t := r.Total()
	line := "chartsec-harden: total: " + plural(t.Workloads, "workload") + " hardened"
	if t.ServiceAccounts > 0 {
		line += " (and " + plural(t.ServiceAccounts, "ServiceAccount") + ")"
	}
	line += ", " + plural(t.Added, "document") + " added"
	if !r.written() {
		line += " (none of it written: stdout is empty)"
	}
	line += ", "
	if t.Errors > 0 {
		line += plural(t.Errors, "error") + ", "
	}
	line += plural(t.Warnings, "warning") + ", " + fmt.Sprint(t.Exempt) + " exempt"
	_, err := fmt.Fprintln(w, line)
	return err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
