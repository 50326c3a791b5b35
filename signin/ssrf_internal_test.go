package signin

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Without --private-idps, the client of provider calls refuses private-network and link-local
// addresses after resolving the name, so a workspace administrator cannot make the server call
// into its network (or the cloud metadata service) by naming it as an issuer or metadata URL
// (SSRF). Loopback is reached, as the connection rules allow it for a provider on the host.
func TestProviderCallsRefusePrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{}")) }))
	defer srv.Close()
	for _, private := range []bool{false, true} {
		res, err := defaultHTTPClient(private).Get(srv.URL)
		if err != nil {
			t.Fatalf("a loopback provider (private-idps %v): %v", private, err)
		}
		res.Body.Close()
	}
	for _, addr := range []string{"10.1.2.3:443", "192.168.0.1:443", "172.16.0.1:443", "169.254.169.254:80", "[fe80::1]:443", "0.0.0.0:443", "[::ffff:10.0.0.1]:443", "[fd00::1]:443"} {
		if err := refusePrivate("tcp", addr, nil); !errors.Is(err, ErrPrivateIdP) {
			t.Errorf("refusePrivate(%s) = %v, want ErrPrivateIdP", addr, err)
		}
	}
	for _, addr := range []string{"203.0.113.10:443", "[2001:db8::1]:443", "8.8.8.8:443", "127.0.0.1:443", "[::1]:443"} {
		if err := refusePrivate("tcp", addr, nil); err != nil {
			t.Errorf("refusePrivate(%s) = %v, want nil", addr, err)
		}
	}
}
