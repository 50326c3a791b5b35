package latchkey

import (
	"strings"
	"time"
)

// The details that sign-in refusals write into their audit events, for the administrators'
// sign-in troubleshooter: they say what the event type alone does not.

// ThrottledDetail is the Detail of an EventThrottled: when the wait that the person was told
// of ends.
func ThrottledDetail(until time.Time) string {
	return "wait until " + until.UTC().Format(time.RFC3339)
}

// ThrottledUntil returns the end of the wait that an EventThrottled's detail names, and false
// if it names none (an event written before the detail was).
func ThrottledUntil(detail string) (time.Time, bool) {
	s, ok := strings.CutPrefix(detail, "wait until ")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// NotActiveDetail is the Detail of an EventNotActive: the account's status when it was
// refused ("invited" or "suspended").
func NotActiveDetail(s Status) string { return string(s) }
