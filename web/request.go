package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/signin"
)

// request is what middleware learnt about a request on a workspace host, handed to handlers
// explicitly.
type request struct {
	Workspace latchkey.Workspace
	Session   latchkey.Session // zero when signed out
	Account   latchkey.Account // zero when signed out
	Client    signin.Client
	Nonce     string // the form-token binding for pre-session forms
}

// actor is the signed-in account as the actor of an administrative action (the admin service
// checks that it is an active administrator of the workspace).
func (rq *request) actor() latchkey.Actor { return latchkey.AdminActor(rq.Account) }

// SignedIn reports whether the request carries a live session.
func (rq *request) SignedIn() bool { return rq.Session.ID != "" }

// clientAddr returns the client's IP address: the peer's, unless the peer is a trusted proxy,
// in which case X-Forwarded-For is read from the right, skipping trusted proxies, and the first
// untrusted address wins. An attacker can prepend anything to the header; they cannot append.
func (s *Server) clientAddr(r *http.Request) string { return clientAddr(s.proxies, r) }

// ClientAddr returns the function that gives a request's client IP address as the server
// configured with these trusted proxies sees it, for the SCIM handler's audit events
// (scim.Config.ClientAddr).
func ClientAddr(trustedProxies []netip.Prefix) func(*http.Request) string {
	return func(r *http.Request) string { return clientAddr(trustedProxies, r) }
}

func clientAddr(proxies []netip.Prefix, r *http.Request) string {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if !trusted(proxies, peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := hopAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = a.Unmap()
		if !trusted(proxies, addr) {
			break
		}
	}
	return addr.String()
}

// hopAddr reads one X-Forwarded-For entry: an address, or an address with a port
// (203.0.113.9:4711, [2001:db8::1]:443), as some proxies write them. Without stripping the
// port, every such client would fall back to the proxy's address and share its throttle.
func hopAddr(hop string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(hop); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(hop)
	if err != nil {
		return netip.Addr{}, err
	}
	return ap.Addr(), nil
}

func trusted(proxies []netip.Prefix, a netip.Addr) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// safeReturn returns p if it is a path on this host (starting with one slash, no scheme, no
// host, no backslash, no control character), else "". The same holds for p with its percent
// escapes decoded, so that an encoded line break or backslash is refused too. It is the only
// way a user-supplied destination is followed.
func safeReturn(p string) string {
	if len(p) > 512 || !localPath(p) {
		return ""
	}
	if d, err := url.PathUnescape(p); err != nil || !localPath(d) {
		return ""
	}
	return p
}

// localPath reports whether p is a path on this host that is not the sign-in or sign-out page.
func localPath(p string) bool {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return !strings.HasPrefix(p, "/login") && !strings.HasPrefix(p, "/logout")
}
