package main

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// ownProcessGroup starts the browser in a process group of its own, and kills it if the test
// process dies first (what chromedp does by default, which this replaces).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// endProcessGroup kills what is left of the browser's process group and waits, for a few
// seconds, until nothing of it is: an error names what stayed.
func endProcessGroup(cmd *exec.Cmd) error {
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	group := -cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := syscall.Kill(group, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return nil // no process of the group is left
		}
		if err != nil || time.Now().After(deadline) {
			return fmt.Errorf("chromium's processes (group %d) are still running after the tests: %v", -group, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
