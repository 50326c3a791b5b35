package password

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/latchkey/latchkey"
)

// MaxMinLength is the most a workspace may raise the minimum length to.
const MaxMinLength = 64

// Policy is what a new password is checked against. Zero fields check nothing beyond the
// product's rules (MinLength characters, MaxBytes bytes, not a common password).
type Policy struct {
	// MinLength is the workspace's minimum in characters; below MinLength means MinLength.
	MinLength int
	// Email is the account's address: the password may not contain its local part (the part
	// before the @, and the part before a +tag), when that has 3 characters or more.
	Email string
	// WorkspaceName and WorkspaceSlug name the workspace: the password may not contain the
	// name (as written, or without its spaces and punctuation) or the slug (with or without
	// its hyphens), when they have 3 characters or more.
	WorkspaceName string
	WorkspaceSlug string
}

// CheckPolicy returns an *latchkey.Error with CodeInvalid for the field "password", whose
// message says what to change, if pw breaks the policy; nil otherwise. It checks, in order:
// at most MaxBytes bytes; at least p.MinLength characters (Unicode code points, so that a
// passphrase in any script is judged by what the user typed); no email local part; no
// workspace name; not a common password (case-insensitively). There are no composition rules.
func CheckPolicy(pw string, p Policy) error {
	if err := Check(pw, p.MinLength, "password"); err != nil {
		return err
	}
	lower := strings.ToLower(pw)
	for _, part := range emailParts(p.Email) {
		if strings.Contains(lower, part) {
			return latchkey.NewError(latchkey.CodeInvalid, "password", latchkey.MsgPasswordContainsEmail)
		}
	}
	for _, part := range workspaceParts(p.WorkspaceName, p.WorkspaceSlug) {
		if strings.Contains(lower, part) {
			return latchkey.NewError(latchkey.CodeInvalid, "password", latchkey.MsgPasswordContainsWorkspace)
		}
	}
	if IsCommon(pw) {
		return latchkey.NewError(latchkey.CodeInvalid, "password", latchkey.MsgPasswordCommon)
	}
	return nil
}

// Check returns an *latchkey.Error with CodeInvalid, for the field named field, if pw is
// longer than MaxBytes bytes or shorter than minLen characters (minLen below MinLength means
// MinLength; above MaxMinLength means MaxMinLength). It checks length only: CheckPolicy is the
// whole policy.
func Check(pw string, minLen int, field string) error {
	minLen = min(max(minLen, MinLength), MaxMinLength)
	if len(pw) > MaxBytes {
		return latchkey.NewError(latchkey.CodeInvalid, field, latchkey.MsgPasswordTooLong)
	}
	if n := len([]rune(pw)); n < minLen {
		msg := latchkey.MsgPasswordTooShort
		if minLen != MinLength {
			msg = fmt.Sprintf(latchkey.MsgPasswordTooShortN, minLen)
		}
		return latchkey.NewError(latchkey.CodeInvalid, field, msg)
	}
	return nil
}

// emailParts returns the lower-cased local part of email and, if it has a +tag, the part
// before it: those of 3 characters or more.
func emailParts(email string) []string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return nil
	}
	local := strings.ToLower(strings.TrimSpace(email[:at]))
	parts := []string{local}
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		parts = append(parts, local[:plus])
	}
	return longEnough(parts)
}

// workspaceParts returns the lower-cased forms of a workspace's name and slug that a password
// may not contain: those of 3 characters or more.
func workspaceParts(name, slug string) []string {
	name = strings.ToLower(strings.TrimSpace(name))
	slug = strings.ToLower(strings.TrimSpace(slug))
	compact := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, name)
	return longEnough([]string{name, compact, slug, strings.ReplaceAll(slug, "-", "")})
}

func longEnough(parts []string) []string {
	var out []string
	for _, p := range parts {
		if len([]rune(p)) >= 3 {
			out = append(out, p)
		}
	}
	return out
}
