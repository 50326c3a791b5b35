package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// client sends requests for one step to one server: every connection dials addr, whatever the
// host in the URL, so that a workspace host such as acme.bench.test reaches 127.0.0.1 with its
// own Host header and cookies, as web's tests do.
type client struct {
	base      *url.URL
	transport *http.Transport
	timeout   time.Duration
}

// newClient returns a client for base that dials addr ("" dials base's host) and keeps up to
// conns connections open.
func newClient(base *url.URL, addr string, conns int, timeout time.Duration) *client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	if addr != "" {
		t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		}
	} else {
		t.DialContext = dialer.DialContext
	}
	return &client{base: base, transport: t, timeout: timeout}
}

// close closes the idle connections.
func (c *client) close() { c.transport.CloseIdleConnections() }

// url returns the address of path on the client's server.
func (c *client) url(path string) string {
	u := *c.base
	u.Path, u.RawQuery = path, ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		u.Path, u.RawQuery = path[:i], path[i+1:]
	}
	return u.String()
}

// noRedirect keeps redirect responses for the caller to check.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// sessionCookieSuffix ends the name of latchkey's session cookie on http
// ("latchkey_session") and on https ("__Host-latchkey_session").
const sessionCookieSuffix = "latchkey_session"

// signIn signs in as a browser does: it loads the sign-in page with a fresh cookie jar, takes
// the form token from the page, posts the form with the nonce cookie the page set, and
// expects a redirect to the dashboard that sets a session cookie, which it returns.
func (c *client) signIn(ctx context.Context, email, password string) (*http.Cookie, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	jar, _ := cookiejar.New(nil) // New never fails without a public suffix list
	hc := &http.Client{Transport: c.transport, Jar: jar, CheckRedirect: noRedirect}
	loginURL := c.url("/login")

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loginURL, nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /login: %w", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("GET /login: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, &statusError{"GET /login", res.StatusCode}
	}
	token, err := formToken(body)
	if err != nil {
		return nil, fmt.Errorf("GET /login: %w", err)
	}

	form := url.Values{"csrf": {token}, "email": {email}, "password": {password}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, loginURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base.Scheme+"://"+c.base.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err = hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST /login: %w", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, &statusError{"POST /login", res.StatusCode}
	}
	for _, ck := range res.Cookies() {
		if strings.HasSuffix(ck.Name, sessionCookieSuffix) && ck.Value != "" {
			return ck, nil
		}
	}
	return nil, errors.New("POST /login: no session cookie")
}

// formToken returns the value of the form's hidden csrf field. A byte search is enough for
// the page latchkey renders, and cheaper than parsing HTML on the driver's share of the CPU.
func formToken(page []byte) (string, error) {
	const field = `name="csrf" value="`
	i := bytes.Index(page, []byte(field))
	if i < 0 {
		return "", errors.New("no csrf field on the page")
	}
	rest := page[i+len(field):]
	j := bytes.IndexByte(rest, '"')
	if j <= 0 {
		return "", errors.New("empty csrf field on the page")
	}
	return string(rest[:j]), nil
}

// get loads path with the cookie (nil: none) and expects 200.
func (c *client) get(ctx context.Context, path string, cookie *http.Cookie) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url(path), nil)
	if err != nil {
		return err
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	res, err := c.transport.RoundTrip(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return &statusError{"GET " + path, res.StatusCode}
	}
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// statusError is an answer with an unexpected status.
type statusError struct {
	request string // such as "POST /login"
	status  int
}

func (e *statusError) Error() string { return fmt.Sprintf("%s: status %d", e.request, e.status) }

// errorKind classifies a failed operation for the report: "status 503", "timeout" (the
// request's deadline passed), "canceled" or "other".
func errorKind(err error) string {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("status %d", se.status)
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}
