//go:build !linux

package hugeheap

// Reserve does nothing on this system.
func Reserve(func() int) {}
