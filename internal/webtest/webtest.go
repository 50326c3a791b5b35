// Package webtest is the HTML client of latchkey's tests: one browser, as far as a server can
// tell, with its own cookie jar, user agent and (through X-Forwarded-For from a trusted proxy)
// client address, that loads pages, reads them and submits their forms with the form token they
// carry. The web tests drive the router on an httptest server with it; the command's tests
// drive whole nodes over real listeners, one or several behind the same host name, as a load
// balancer would.
//
// It is plain net/http: an http.Client with a cookie jar, whose transport sends every request
// for a host name (app.test, acme.app.test, which nothing resolves) to the address the test
// names, and dials IP addresses (an identity provider started by the test) as they are.
package webtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/html"
)

// Client is one browser. Its methods may be called from several goroutines, except that
// changing Addr or UserAgent while requests are in flight is a race.
type Client struct {
	// Jar holds the browser's cookies; clients made by Via share it.
	Jar *cookiejar.Jar
	// UserAgent is sent with every request.
	UserAgent string
	// Addr, when set, is sent as X-Forwarded-For: change it to move the browser.
	Addr string

	transport http.RoundTripper
	follow    bool
}

// Options shape New.
type Options struct {
	// Dial is the host:port that every request for a host name reaches, whatever the name;
	// requests for an IP address go to that address. Empty: every request goes where its URL
	// says.
	Dial string
	// NoRedirects makes the client return a redirect as the answer instead of following it,
	// so that each answer is seen.
	NoRedirects bool
}

// clients numbers clients, so that each has a user agent of its own.
var clients atomic.Int64

// New returns a browser with an empty cookie jar.
func New(t testing.TB, o Options) *Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{
		Jar:       jar,
		UserAgent: fmt.Sprintf("latchkey-test/1.0 (browser %d)", clients.Add(1)),
		transport: dial(t, o.Dial),
		follow:    !o.NoRedirects,
	}
}

// Via returns the same browser (the same cookie jar, user agent and address) behind a load
// balancer that sends its requests for host names to addr: with one Via per node, a test
// chooses the node of each request. Each has its own connections, so that a pooled connection
// to one node never carries a request meant for another.
func (c *Client) Via(t testing.TB, addr string) *Client {
	t.Helper()
	v := *c
	v.transport = dial(t, addr)
	return &v
}

// dial returns a transport that reaches target for every host name, or the default transport's
// behaviour when target is empty. Its idle connections close when t ends.
func dial(t testing.TB, target string) http.RoundTripper {
	dialer := &net.Dialer{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, _ := net.SplitHostPort(addr); target != "" && net.ParseIP(host) == nil {
				addr = target
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// Response is what the browser got: the final answer after any redirects it followed.
type Response struct {
	Status int
	URL    *url.URL // the final address
	Header http.Header
	Body   string
	Doc    *html.Node       // the parsed page; nil unless the answer is HTML
	Hops   []*http.Response // the redirect responses followed, first first
}

// Send sends req with the browser's user agent and address and reads the answer. It fails no
// test, so that goroutines may call it.
func (c *Client) Send(req *http.Request) (*Response, error) {
	req.Header.Set("User-Agent", c.UserAgent)
	if c.Addr != "" {
		req.Header.Set("X-Forwarded-For", c.Addr)
	}
	var hops []*http.Response
	hc := &http.Client{
		Transport: c.transport,
		Jar:       c.Jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !c.follow {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("too many redirects")
			}
			hops = append(hops, req.Response)
			return nil
		},
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", req.Method, req.URL, err)
	}
	r := &Response{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(body), Hops: hops}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if r.Doc, err = html.Parse(strings.NewReader(r.Body)); err != nil {
			return nil, fmt.Errorf("%s %s: parse page: %w", req.Method, req.URL, err)
		}
	}
	return r, nil
}

// Do is Send, failing t on an error.
func (c *Client) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	r, err := c.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Get loads a page.
func (c *Client) Get(t testing.TB, u string) *Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(t, req)
}

// Post submits fields to u as a browser submits a form of u's own origin.
func (c *Client) Post(t testing.TB, u string, fields url.Values) *Response {
	t.Helper()
	return c.Do(t, SameOrigin(FormRequest(t, u, fields)))
}

// FormRequest builds a POST of fields to u with no origin headers, as a script or another
// site's form would send it.
func FormRequest(t testing.TB, u string, fields url.Values) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(fields.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// SameOrigin gives req the headers a browser sends with a form of the request's own origin,
// and returns it.
func SameOrigin(req *http.Request) *http.Request {
	req.Header.Set("Origin", req.URL.Scheme+"://"+req.URL.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

// CSRF loads page and returns the form token it carries, failing t if it has none.
func (c *Client) CSRF(t testing.TB, page string) string {
	t.Helper()
	r := c.Get(t, page)
	tok := r.CSRF()
	if tok == "" {
		t.Fatalf("GET %s (%d, at %s): no csrf field", page, r.Status, r.URL)
	}
	return tok
}

// Submit does what a person does with a form: load page, fill in fields, and send them with
// the page's form token to action.
func (c *Client) Submit(t testing.TB, page, action string, fields url.Values) *Response {
	t.Helper()
	all := url.Values{"csrf": {c.CSRF(t, page)}}
	for k, v := range fields {
		all[k] = v
	}
	return c.Post(t, action, all)
}

// Cookie returns the value of the named cookie the browser would send to u, or "".
func (c *Client) Cookie(t testing.TB, u, name string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range c.Jar.Cookies(pu) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie puts a cookie for u's host, path /, in the browser's jar, as if the server had set
// it (a test replaying a copied cookie).
func (c *Client) SetCookie(t testing.TB, u, name, value string) {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar.SetCookies(pu, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Location is the Location header of the answer (of a redirect not followed), or "".
func (r *Response) Location() string { return r.Header.Get("Location") }

// Headers returns the headers of the redirects followed and of the final answer, in order.
func (r *Response) Headers() []http.Header {
	hs := make([]http.Header, 0, len(r.Hops)+1)
	for _, h := range r.Hops {
		hs = append(hs, h.Header)
	}
	return append(hs, r.Header)
}

// SetCookie returns the last Set-Cookie for name in the redirects and the final answer, or
// nil.
func (r *Response) SetCookie(name string) *http.Cookie {
	var found *http.Cookie
	for _, h := range r.Headers() {
		for _, line := range h.Values("Set-Cookie") {
			if c, err := http.ParseSetCookie(line); err == nil && c.Name == name {
				found = c
			}
		}
	}
	return found
}

// SetCookieLine returns the raw last Set-Cookie header for name, or "".
func (r *Response) SetCookieLine(name string) string {
	var found string
	for _, h := range r.Headers() {
		for _, line := range h.Values("Set-Cookie") {
			if strings.HasPrefix(line, name+"=") {
				found = line
			}
		}
	}
	return found
}

// Find returns the elements of the page for which match holds, in document order.
func (r *Response) Find(match func(*html.Node) bool) []*html.Node {
	if r.Doc == nil {
		return nil
	}
	var found []*html.Node
	for n := range r.Doc.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			found = append(found, n)
		}
	}
	return found
}

// Attr returns the value of n's attribute key, or "".
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// HasAttr reports whether n has the attribute key.
func HasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}

// Text returns the text inside n with runs of white space made single spaces.
func Text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Texts returns the text of each element with the tag (and, when class is not "", the class).
func (r *Response) Texts(tag, class string) []string {
	var out []string
	for _, n := range r.Find(func(n *html.Node) bool {
		return n.Data == tag && (class == "" || slices.Contains(strings.Fields(Attr(n, "class")), class))
	}) {
		out = append(out, Text(n))
	}
	return out
}

// RoleText returns the text of the first element with this ARIA role, or "".
func (r *Response) RoleText(role string) string {
	if ns := r.Find(func(n *html.Node) bool { return Attr(n, "role") == role }); len(ns) > 0 {
		return Text(ns[0])
	}
	return ""
}

// Alert is the error message of the page's form (role alert), or "".
func (r *Response) Alert() string { return r.RoleText("alert") }

// Notice is the success message of the page (role status), or "".
func (r *Response) Notice() string { return r.RoleText("status") }

// Heading is the text of the page's first h1, or "".
func (r *Response) Heading() string {
	if hs := r.Texts("h1", ""); len(hs) > 0 {
		return hs[0]
	}
	return ""
}

// Text is the whole text of the page, or the body as it is when the answer is not HTML.
func (r *Response) Text() string {
	if r.Doc == nil {
		return r.Body
	}
	return Text(r.Doc)
}

// Input returns the first input named name, or nil.
func (r *Response) Input(name string) *html.Node {
	if ns := r.Find(func(n *html.Node) bool { return n.Data == "input" && Attr(n, "name") == name }); len(ns) > 0 {
		return ns[0]
	}
	return nil
}

// CSRF returns the value of the page's first csrf field, or "".
func (r *Response) CSRF() string {
	if n := r.Input("csrf"); n != nil {
		return Attr(n, "value")
	}
	return ""
}

// Links returns the href of every link on the page.
func (r *Response) Links() []string {
	var out []string
	for _, n := range r.Find(func(n *html.Node) bool { return n.Data == "a" }) {
		out = append(out, Attr(n, "href"))
	}
	return out
}
