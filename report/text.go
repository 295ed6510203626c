package report

import (
	"fmt"
	"io"
)

// WriteText writes one line per finding, grouped by object in stream
// order, then a line of counts.
func (r *Report) WriteText(w io.Writer) error {
	fs := r.view()
	changed := "changed"
	if !r.written() {
		changed = "would change"
	}
	var last Object
	for i, f := range fs {
		if i == 0 || f.Object != last {
			if _, err := fmt.Fprintf(w, "%s:\n", objectLabel(f.Object)); err != nil {
				return err
			}
			last = f.Object
		}
		state := f.Severity.String()
		if f.Changed {
			state = changed
			if f.Severity >= Warning {
				state = changed + ", " + f.Severity.String()
			}
		}
		line := fmt.Sprintf("  %-16s %s%s: %s", "["+state+"]", f.ID(), containerLabel(f.Container), f.Message)
		if f.Hint != "" {
			line += " (" + f.Hint + ")"
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	c := r.Count()
	made := fmt.Sprintf("%d changes made", c.Changed)
	if !r.written() {
		made = "nothing written"
	}
	_, err := fmt.Fprintf(w, "%d findings: %d error, %d warning, %d info; %s\n",
		len(fs), c.Error, c.Warning, c.Info, made)
	return err
}
