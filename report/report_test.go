package report_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	_ "github.com/chartsec/chartsec-harden/internal/golden"
	"github.com/chartsec/chartsec-harden/report"
)

func TestSeverity(t *testing.T) {
	if !(report.Info < report.Warning && report.Warning < report.Error) {
		t.Error("severities are not ordered info < warning < error; a CI gate compares them")
	}
	for s, want := range map[report.Severity]string{report.Info: "info", report.Warning: "warning", report.Error: "error"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(s), got, want)
		}
		back, err := report.ParseSeverity(want)
		if err != nil || back != s {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", want, back, err, s)
		}
	}
}

func TestParseSeverity(t *testing.T) {
	for in, want := range map[string]report.Severity{"INFO": report.Info, "Warning": report.Warning, "eRRoR": report.Error} {
		if got, err := report.ParseSeverity(in); err != nil || got != want {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "warn", "fatal", " info"} {
		_, err := report.ParseSeverity(in)
		if err == nil {
			t.Errorf("ParseSeverity(%q) accepted", in)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, `"`+in+`"`) || !strings.Contains(msg, "info, warning, error") {
			t.Errorf("ParseSeverity(%q) error %q should quote the input and list the severities", in, msg)
		}
	}
}

var (
	web = report.Object{Doc: 1, Kind: "Deployment", Name: "web", Namespace: "shop", Source: "web/templates/deployment.yaml", Line: 2}
	job = report.Object{Doc: 3, Kind: "Job", Name: "migrate", Line: 40}
	sa  = report.Object{Doc: 2, Kind: "ServiceAccount", Name: "web", Source: "web/templates/sa.yaml", Line: 30}
)

func TestObjectString(t *testing.T) {
	if got := web.String(); got != "Deployment shop/web" {
		t.Errorf("String() = %q", got)
	}
	if got := job.String(); got != "Job migrate" {
		t.Errorf("String() without a namespace = %q", got)
	}
}

func TestFindingsInStreamOrder(t *testing.T) {
	r := &report.Report{}
	r.Add(report.Finding{Object: job, Rule: "a"})
	r.Add(report.Finding{Object: web, Rule: "b"})
	r.Add(report.Finding{Object: job, Rule: "c"})
	r.Add(report.Finding{Object: web, Rule: "d"})
	var got []string
	for _, f := range r.Findings() {
		got = append(got, f.Rule)
	}
	if strings.Join(got, "") != "bdac" {
		t.Errorf("Findings() in order %v, want b d a c: by document, then as added", got)
	}
	fs := r.Findings()
	fs[0].Rule = "changed by the caller"
	if r.Findings()[0].Rule != "b" {
		t.Error("Findings() returns the report's own slice; a caller's edit changed the report")
	}
}

func TestWriteSummary(t *testing.T) {
	r := &report.Report{}
	// Added in filter order, not stream order, as the filters do. Only
	// changes name their control on the "hardened" line; warnings and
	// errors get a line each, changed or not; info found is left out.
	r.Add(report.Finding{Object: job, Control: "podSecurity", Rule: "runAsNonRoot", Message: "runAsNonRoot set to true", Changed: true})
	r.Add(report.Finding{Object: web, Control: "podSecurity", Rule: "runAsUser", Severity: report.Warning, Changed: true,
		Message: "runAsUser 0 (root) replaced by 1000: check the app runs without root"})
	r.Add(report.Finding{Object: web, Control: "podSecurity", Rule: "fsGroup", Message: "fsGroup set to 1000", Changed: true})
	r.Add(report.Finding{Object: web, Control: "readOnlyRootFilesystem", Rule: "chartWritableRoot", Severity: report.Warning,
		Container: "app", Message: "the chart sets readOnlyRootFilesystem: false; kept"})
	r.Add(report.Finding{Object: web, Control: "capabilities", Rule: "dropAll", Container: "app", Message: "capabilities.drop gets ALL", Changed: true})
	r.Add(report.Finding{Object: web, Control: "imageTag", Rule: "notPinned", Container: "app", Message: "not pinned, info only"})
	r.Add(report.Finding{Object: sa, Control: "serviceAccountToken", Rule: "automount", Message: "automount off", Changed: true})
	r.Add(report.Finding{Object: job, Control: "podSecurityStandards", Rule: "restricted", Severity: report.Error, Container: "migrate",
		Message: "fails restricted"})
	r.Add(report.Finding{Object: job, Control: "podSecurity", Rule: "seccompProfile", Message: "seccompProfile set", Changed: true})

	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	want := `chartsec-harden: hardened Deployment shop/web (web/templates/deployment.yaml): podSecurity, capabilities
chartsec-harden: warning Deployment shop/web (web/templates/deployment.yaml): runAsUser 0 (root) replaced by 1000: check the app runs without root
chartsec-harden: warning Deployment shop/web (web/templates/deployment.yaml) container app: the chart sets readOnlyRootFilesystem: false; kept
chartsec-harden: hardened ServiceAccount web (web/templates/sa.yaml): serviceAccountToken
chartsec-harden: hardened Job migrate: podSecurity
chartsec-harden: error Job migrate container migrate: fails restricted
`
	if b.String() != want {
		t.Errorf("WriteSummary:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestWriteSummaryNothingToSay(t *testing.T) {
	r := &report.Report{}
	r.Add(report.Finding{Object: web, Control: "imageTag", Rule: "notPinned", Message: "info only"})
	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil || b.Len() != 0 {
		t.Errorf("a report of unchanged info findings wrote %q (err %v), want nothing", b.String(), err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestWriteSummaryWriteError(t *testing.T) {
	r := &report.Report{}
	r.Add(report.Finding{Object: web, Control: "podSecurity", Changed: true})
	boom := errors.New("stderr closed")
	if err := r.WriteSummary(failingWriter{boom}); !errors.Is(err, boom) {
		t.Errorf("WriteSummary to a failing writer = %v, want %v", err, boom)
	}
}

func TestNilReport(t *testing.T) {
	var r *report.Report
	r.Add(report.Finding{Object: web, Severity: report.Error})
	if fs := r.Findings(); fs != nil {
		t.Errorf("a nil report kept %v", fs)
	}
	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil || b.Len() != 0 {
		t.Errorf("a nil report wrote %q, %v", b.String(), err)
	}
	if _, any := r.Worst(); any {
		t.Error("a nil report has a worst finding")
	}
}

func TestCountAndWorst(t *testing.T) {
	r := &report.Report{}
	if _, any := r.Worst(); any {
		t.Error("an empty report has a worst finding")
	}
	r.Add(report.Finding{Object: web, Severity: report.Info, Changed: true})
	r.Add(report.Finding{Object: web, Severity: report.Error, Changed: true}) // fixed: does not count as worst
	r.Add(report.Finding{Object: web, Severity: report.Warning, Changed: true})
	r.Add(report.Finding{Object: job, Severity: report.Info})
	if s, any := r.Worst(); !any || s != report.Info {
		t.Errorf("Worst() = %v, %v; want info, true (changed findings were fixed)", s, any)
	}
	r.Add(report.Finding{Object: job, Severity: report.Warning})
	if s, any := r.Worst(); !any || s != report.Warning {
		t.Errorf("Worst() = %v, %v; want warning, true", s, any)
	}
	want := report.Counts{Error: 1, Warning: 2, Info: 2, Changed: 3}
	if got := r.Count(); got != want {
		t.Errorf("Count() = %+v, want %+v", got, want)
	}
}

func TestFindingID(t *testing.T) {
	if got := (report.Finding{Control: "podSecurity", Rule: "runAsUser"}).ID(); got != "podSecurity.runAsUser" {
		t.Errorf("ID() = %q", got)
	}
}

func TestConcurrentAdd(t *testing.T) {
	r := &report.Report{}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				r.Add(report.Finding{Object: report.Object{Doc: i}})
			}
		}()
	}
	wg.Wait()
	if n := len(r.Findings()); n != 800 {
		t.Errorf("%d findings after 800 concurrent adds", n)
	}
}
