package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// startMetrics serves the Prometheus metrics on Config.MetricsAddr, on a listener of its own, as
// Prometheus exporters do: nothing of them is reachable through the public address.
func (m *Main) startMetrics(h http.Handler) error {
	if m.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on --metrics-addr %s: %w", m.Config.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	m.metricsListener = ln
	m.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("metrics server stopped", "err", err)
		}
	}()
	m.Log.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		m.Log.Warn("metrics are served on a non-loopback address: restrict who can reach it", "addr", ln.Addr().String())
	}
	return nil
}

// MetricsAddr is the address the metrics are served on, once started; "" if they are not.
func (m *Main) MetricsAddr() string {
	if m.metricsListener == nil {
		return ""
	}
	return m.metricsListener.Addr().String()
}

// startPprof serves the Go profiles on Config.PprofAddr, which Validate has checked is a
// loopback address, on a listener and mux of their own: nothing of them is reachable through
// the main address, and the main server's timeouts (a CPU profile takes 30 s) do not apply.
func (m *Main) startPprof() error {
	if m.Config.PprofAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.PprofAddr)
	if err != nil {
		return fmt.Errorf("listen on --pprof-addr %s: %w", m.Config.PprofAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	m.pprofListener = ln
	m.pprofServer = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := m.pprofServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("pprof server stopped", "err", err)
		}
	}()
	m.Log.Info("serving profiles", "addr", ln.Addr().String(), "path", "/debug/pprof/")
	return nil
}

// PprofAddr is the address the profiles are served on, once started; "" if they are not.
func (m *Main) PprofAddr() string {
	if m.pprofListener == nil {
		return ""
	}
	return m.pprofListener.Addr().String()
}
