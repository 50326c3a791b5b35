package signin

// PasswordThrottleKeys returns the keys of the sign-in throttle counters of a typed email from
// a client address: per (email, address), per address, per email.
func PasswordThrottleKeys(ws, email, addr string) []string {
	var keys []string
	for _, r := range passwordRules("pw", ws, email, addr, false) {
		keys = append(keys, r.key)
	}
	return keys
}
