package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ownProcessGroup starts the browser in a process group of its own, and kills it if the test
// process dies first (what chromedp does by default, which this replaces).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// endProcessGroup kills what is left of the browser's process group and waits, for a few
// seconds, until none of it runs: an error names what stayed. Killed processes that only wait
// to be reaped (zombies) do not count; init reaps them in its own time.
func endProcessGroup(cmd *exec.Cmd) error {
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	group := cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for {
		syscall.Kill(-group, syscall.SIGKILL)
		left := running(group)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chromium's processes %v (group %d) are still running after the tests", left, group)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running lists the processes of process group pgid that are not zombies, from /proc.
func running(pgid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces and brackets, so read after the last ')'.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		fields := bytes.Fields(b[i+1:])
		if len(fields) < 3 || string(fields[0]) == "Z" || string(fields[2]) != strconv.Itoa(pgid) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}
