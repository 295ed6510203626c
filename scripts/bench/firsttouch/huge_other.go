//go:build !linux

package main

import "time"

func hugeFirstTouch() (time.Duration, bool) { return 0, false }
