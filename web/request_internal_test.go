package web

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestSafeReturn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"dashboard", "/dashboard", "/dashboard"},
		{"with a query", "/dashboard?tab=devices&x=1", "/dashboard?tab=devices&x=1"},
		{"with a fragment", "/dashboard#top", "/dashboard#top"},
		{"root", "/", "/"},
		{"escaped space", "/a%20b", "/a%20b"},
		{"protocol-relative", "//evil.example", ""},
		{"protocol-relative path", "//evil.example/dashboard", ""},
		{"three slashes", "///evil.example", ""},
		{"absolute https", "https://evil.example", ""},
		{"absolute http", "http://acme.app.test/dashboard", ""},
		{"scheme without slashes", "http:/evil.example", ""},
		{"javascript", "javascript:alert(1)", ""},
		{"relative", "dashboard", ""},
		{"host-like relative", "evil.example", ""},
		{"backslash", `/\evil.example`, ""},
		{"backslashes", `\\evil.example`, ""},
		{"CRLF", "/\r\nSet-Cookie: a=b", ""},
		{"LF", "/\nx", ""},
		{"tab", "/\t/evil.example", ""},
		{"NUL", "/a\x00", ""},
		{"DEL", "/a\x7f", ""},
		{"escaped CRLF", "/%0d%0aSet-Cookie", ""},
		{"escaped upper-case CRLF", "/%0D%0ASet-Cookie", ""},
		{"escaped backslash", "/%5cevil.example", ""},
		{"escaped slash after slash", "/%2fevil.example", ""},
		{"bad escape", "/%zz", ""},
		{"sign-in page", "/login", ""},
		{"sign-in page with return_to", "/login?return_to=/login", ""},
		{"escaped sign-in page", "/%6cogin", ""},
		{"sign-out", "/logout", ""},
		{"too long", "/" + strings.Repeat("a", 600), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeReturn(tc.in); got != tc.want {
				t.Errorf("safeReturn(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	s := &Server{proxies: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
	}}
	for _, tc := range []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"untrusted peer", "203.0.113.5:4000", nil, "203.0.113.5"},
		{"untrusted peer, spoofed header", "203.0.113.5:4000", []string{"198.51.100.1"}, "203.0.113.5"},
		{"trusted proxy, no header", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"trusted proxy", "127.0.0.1:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"trusted proxy, client prepends a spoof", "127.0.0.1:4000", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", "127.0.0.1:4000", []string{"6.6.6.6, 198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"header split over lines", "127.0.0.1:4000", []string{"6.6.6.6", "198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"garbage before the real hop", "127.0.0.1:4000", []string{"not-an-ip, 198.51.100.7"}, "198.51.100.7"},
		{"garbage as the last hop", "127.0.0.1:4000", []string{"198.51.100.7, not-an-ip"}, "127.0.0.1"},
		// Some proxies write the client's port too; it is stripped, not taken for garbage (which
		// would give every such client the proxy's address and one shared throttle).
		{"hop with a port", "127.0.0.1:4000", []string{"198.51.100.7:5555"}, "198.51.100.7"},
		{"IPv6 hop with a port", "127.0.0.1:4000", []string{"[2001:db8::1]:443"}, "2001:db8::1"},
		{"trusted hop with a port", "127.0.0.1:4000", []string{"198.51.100.7, 10.1.2.3:80"}, "198.51.100.7"},
		{"only trusted hops", "127.0.0.1:4000", []string{"10.9.9.9"}, "10.9.9.9"},
		{"mapped IPv4 hop", "127.0.0.1:4000", []string{"::ffff:198.51.100.7"}, "198.51.100.7"},
		{"IPv6 client", "127.0.0.1:4000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv6 trusted peer", "[::1]:4000", []string{"198.51.100.8"}, "198.51.100.8"},
		{"IPv6 untrusted peer", "[2001:db8::2]:4000", []string{"198.51.100.8"}, "2001:db8::2"},
		{"mapped IPv4 peer", "[::ffff:127.0.0.1]:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"neighbouring address is not trusted", "127.0.0.2:4000", []string{"198.51.100.7"}, "127.0.0.2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://acme.app.test/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientAddr(r); got != tc.want {
				t.Errorf("clientAddr(%s, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
}

func TestClassifyHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, host string
		kind       hostKind
		slug       string
	}{
		{"app.test", "app.test", hostCentral, ""},
		{"app.test", "APP.Test", hostCentral, ""},
		{"app.test", "app.test:8080", hostCentral, ""},
		{"app.test", "app.test.", hostCentral, ""},
		{"app.test", "acme.app.test", hostWorkspace, "acme"},
		{"app.test", "ACME.App.Test:443", hostWorkspace, "acme"},
		{"app.test", "acme.app.test.", hostWorkspace, "acme"},
		{"app.test", "a.acme.app.test", hostOther, ""},
		{"app.test", ".app.test", hostOther, ""},
		{"app.test", "xapp.test", hostOther, ""},
		{"app.test", "acme-app.test", hostOther, ""},
		{"app.test", "app.test.evil.example", hostOther, ""},
		{"app.test", "acme.app.test.evil.example", hostOther, ""},
		{"app.test", "evil.example", hostOther, ""},
		{"app.test", "[::1]:8080", hostOther, ""},
		{"app.test", "", hostOther, ""},
		{"localhost", "acme.localhost:8080", hostWorkspace, "acme"},
		{"localhost", "localhost:8080", hostCentral, ""},
	} {
		s := &Server{baseHost: tc.base}
		kind, slug := s.classifyHost(tc.host)
		if kind != tc.kind || slug != tc.slug {
			t.Errorf("classifyHost(%q) with base %q = %v, %q; want %v, %q", tc.host, tc.base, kind, slug, tc.kind, tc.slug)
		}
	}
}

func TestRetryAfterAndWaitText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		wait        time.Duration
		header, say string
	}{
		{300 * time.Millisecond, "1", "1 second"},
		{time.Second, "1", "1 second"},
		{1500 * time.Millisecond, "2", "2 seconds"},
		{59 * time.Second, "59", "59 seconds"},
		{time.Minute, "60", "1 minute"},
		{time.Minute + time.Second, "61", "2 minutes"},
		{15 * time.Minute, "900", "15 minutes"},
		{time.Hour, "3600", "60 minutes"},
	} {
		if got := retryAfterSeconds(tc.wait); got != tc.header {
			t.Errorf("retryAfterSeconds(%v) = %q, want %q", tc.wait, got, tc.header)
		}
		if got := waitText(tc.wait); got != tc.say {
			t.Errorf("waitText(%v) = %q, want %q", tc.wait, got, tc.say)
		}
	}
}
