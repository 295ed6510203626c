//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// stdoutClosed cannot tell a closed stdout here.
func stdoutClosed() bool { return false }
