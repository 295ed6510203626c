//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
)

// stdoutClosed reports whether the tool was started with its stdout
// closed (`>&-`). The Go runtime then opens /dev/null read-write in its
// place, so every write would succeed and the output vanish; a shell's
// `>/dev/null` opens it write-only.
func stdoutClosed() bool {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, 1, syscall.F_GETFL, 0)
	if errno != 0 {
		return true
	}
	if flags&syscall.O_ACCMODE != syscall.O_RDWR {
		return false
	}
	out, err := os.Stdout.Stat()
	if err != nil {
		return true
	}
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(out, null)
}
