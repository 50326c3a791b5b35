// Package loadtest drives a latchkey server over HTTP and measures it: full password sign-ins
// (the sign-in page, its form token and nonce cookie, the POST), signed-in page views, a storm
// of sign-ins beside signed-in traffic, and two references measured by the same driver in the
// same run: argon2id verification alone (the ceiling for sign-ins) and a bare net/http handler
// returning a small JSON body (the ceiling for signed-in requests).
//
// The driver is closed-loop: each of c workers starts an operation as soon as its previous one
// ends, until the step's duration is up or its operation count is reached. An operation in
// flight at the end is waited for (its request has its own timeout), so every operation
// started is either counted or an error.
//
// Every step records its throughput, latency percentiles of the successful operations, errors,
// the CPU time the process spent per operation (getrusage: when the server runs in the same
// process, that is server and driver together) and the process's peak resident memory during
// the step (VmHWM, reset before each step through /proc/self/clear_refs where Linux allows).
//
// The package knows nothing of how the server was started: cmd/latchkey's "bench" command
// starts one in process (or names a running one), seeds it with Seed, and calls Run.
package loadtest
