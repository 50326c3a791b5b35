package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkAPIMe is GET /api/v1/me by session cookie, the cheapest authenticated request:
// host lookup, one session read, a small JSON body, no template.
func BenchmarkAPIMe(b *testing.B) {
	h, cookie := benchServer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "http://acme.app.test/api/v1/me", nil)
			req.AddCookie(cookie)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}
