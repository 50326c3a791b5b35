package web

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey"
)

// MsgUnavailable is the message of the page shown while the database cannot be reached.
const MsgUnavailable = "latchkey cannot reach its database right now. Please try again in a minute."

// unavailableRetry is the Retry-After of that page, in seconds: long enough not to add load to
// a database that is coming back, short enough that a person retrying by hand is not held off.
const unavailableRetry = "30"

// errForbiddenForm is the refusal of a form without a valid form token, or from another site.
var errForbiddenForm = latchkey.NewError(latchkey.CodeForbidden, "", latchkey.MsgFormExpired)

// notFound answers with the not-found page, as a handler's return.
func notFound(w http.ResponseWriter, r *http.Request) error {
	return latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNotFound)
}

// statusOf is the one mapping from an error code to an HTTP status, for pages, and for the JSON
// API and SCIM, which answer with the same statuses.
func statusOf(code string) int {
	switch code {
	case latchkey.CodeInvalid:
		return http.StatusBadRequest
	case latchkey.CodeUnauthorized:
		return http.StatusUnauthorized
	case latchkey.CodeForbidden:
		return http.StatusForbidden
	case latchkey.CodeNotFound:
		return http.StatusNotFound
	case latchkey.CodeConflict:
		return http.StatusConflict
	case latchkey.CodeThrottled:
		return http.StatusTooManyRequests
	case latchkey.CodeExpired:
		return http.StatusGone
	case latchkey.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// unavailable reports whether err is the database's outage (Config.Unavailable) rather than an
// expected refusal, whose CodeUnavailable (hashing saturated) has a page of its own.
func (s *Server) unavailable(err error) bool {
	return s.unavailableErr != nil && s.unavailableErr(err)
}

// errorView is the error page.
type errorView struct {
	page
	Status    int
	Heading   string
	Message   string
	RequestID string
	BackURL   string
	BackLabel string
}

// fail is where every error a handler returns ends. An expected *latchkey.Error shows its own
// message with a matching status. A database that cannot be reached (Config.Unavailable)
// gives 503 with Retry-After, so that people and load balancers wait rather than report a bug;
// nothing else is needed to recover, as the connection pool reconnects by itself. Anything
// else is logged with the request ID and shown as a generic page, so internal detail never
// reaches the browser. Each failed request is logged once, here.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	v := errorView{Status: http.StatusInternalServerError, Heading: latchkey.HeadingInternal, Message: latchkey.MsgInternal, BackURL: "/", BackLabel: latchkey.LabelGoBack}
	var le *latchkey.Error
	switch {
	case s.unavailable(err):
		v.Status, v.Heading, v.Message = http.StatusServiceUnavailable, latchkey.HeadingUnavailable, MsgUnavailable
		if r.Method == http.MethodGet {
			v.BackURL, v.BackLabel = r.URL.RequestURI(), latchkey.LabelTryAgain
		}
		v.RequestID = requestID(r)
		w.Header().Set("Retry-After", unavailableRetry)
		s.log.Error("request failed: database unreachable", "request_id", v.RequestID, "method", r.Method, "route", r.Pattern, "host", r.Host, "err", err)
	case errors.As(err, &le) && le.Code == latchkey.CodeUnavailable:
		v.Status, v.Heading, v.Message = statusOf(le.Code), latchkey.HeadingBusy, le.Message
		if r.Method == http.MethodGet {
			v.BackURL, v.BackLabel = r.URL.RequestURI(), latchkey.LabelTryAgain
		}
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
	case errors.As(err, &le) && le.Code == latchkey.CodeThrottled:
		v.Status, v.Heading, v.Message = statusOf(le.Code), latchkey.HeadingThrottled, le.Message+". Try again in "+waitText(le.RetryAfter)+"."
		w.Header().Set("Retry-After", retryAfterSeconds(le.RetryAfter))
	case errors.As(err, &le) && le.Code == latchkey.CodeNotFound:
		v.Status, v.Heading, v.Message = statusOf(le.Code), latchkey.HeadingNotFound, latchkey.MsgNothingHere
	case errors.As(err, &le) && le.Code == latchkey.CodeForbidden:
		v.Status, v.Heading, v.Message = statusOf(le.Code), latchkey.HeadingForbidden, le.Message
	case errors.As(err, &le) && le.Code != latchkey.CodeInternal:
		v.Status, v.Heading, v.Message = statusOf(le.Code), latchkey.HeadingFailed, le.Message
	default:
		v.RequestID = requestID(r)
		s.log.Error("request failed", "request_id", v.RequestID, "method", r.Method, "route", r.Pattern, "host", r.Host, "err", err)
	}
	v.Title = v.Heading
	v.CentralURL = s.base.String()
	w.Header().Set("Cache-Control", "no-store")
	if rerr := s.render(w, v.Status, "error", v); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		http.Error(w, v.Message, v.Status)
	}
}

// unknownWorkspace answers a host that names no workspace: 404, with a way back to the central
// address where the user can look for the right one.
func (s *Server) unknownWorkspace(w http.ResponseWriter, r *http.Request) {
	v := errorView{
		Status: http.StatusNotFound, Heading: latchkey.HeadingNoWorkspace,
		Message:   latchkey.MsgNoWorkspace,
		BackURL:   s.base.String(),
		BackLabel: latchkey.LabelFindWorkspace,
	}
	v.Title = v.Heading
	v.CentralURL = s.base.String()
	if err := s.render(w, http.StatusNotFound, "error", v); err != nil {
		http.Error(w, v.Message, http.StatusNotFound)
	}
}
