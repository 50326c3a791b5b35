//go:build !linux

package main

import "os/exec"

// ownProcessGroup leaves the browser to chromedp's own handling where process groups are
// not Linux's.
func ownProcessGroup(*exec.Cmd) {}

// endProcessGroup has nothing to check outside Linux.
func endProcessGroup(*exec.Cmd) error { return nil }
