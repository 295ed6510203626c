package main

import (
	"fmt"
	"io"
	"os"
)

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
