package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/chartsec/chartsec-harden/diff"
	"github.com/chartsec/chartsec-harden/harden"
)

// diffOutput is --diff: instead of the hardened stream, a unified diff
// of every document hardening changed or added.
func diffOutput(in []byte, out harden.Output) (harden.Output, error) {
	var b bytes.Buffer
	if err := diff.Documents(&b, in, out.Bytes()); err != nil {
		return nil, err
	}
	return harden.Output{b.Bytes()}, nil
}

// noticeTerminal says where input is expected when stdin is a terminal,
// instead of waiting silently. /dev/null is a character device too, but
// reads as empty at once.
func noticeTerminal(stdin io.Reader, stderr io.Writer) {
	f, ok := stdin.(*os.File)
	if !ok {
		return
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return
	}
	fmt.Fprintln(stderr, "chartsec-harden: reading manifests from stdin (e.g. helm template ... | chartsec-harden); end with Ctrl-D, or see --help")
}
