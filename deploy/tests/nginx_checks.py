"""Quick checks of the nginx site: against the running layout, and against a second nginx of
the same template whose upstream is a header-echo server (what nginx passes on, /metrics,
its own 502)."""

from __future__ import annotations

import gzip
import http.client
import http.server
import json
import ssl
import threading
from pathlib import Path

from client import Conn, Target, once
from faults import Run
from layout import Nginx, SniHTTPSConnection, free_port, render_site


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with the request line and headers it received, as JSON, and
    closes the connection, so that once it stops listening nothing of it answers."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"path": self.path, "version": self.request_version,
                           "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


def echo_nginx(run: Run) -> tuple[Nginx, http.server.ThreadingHTTPServer, int]:
    cfg = run.layout.config
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    https_port = free_port()
    nginx = Nginx(run.base / "nginx-echo")
    nginx.write(render_site(
        base_domain=cfg.base_domain, http_listen=f"127.0.0.1:{free_port()}",
        https_listen=f"127.0.0.1:{https_port}", https_port=https_port,
        upstreams=[f"127.0.0.1:{echo.server_address[1]}"],
        tls_certificate=run.layout.state_dir / "tls.crt",
        tls_certificate_key=run.layout.state_dir / "tls.key",
        frontend_dir=cfg.frontend_dir))
    nginx.start()
    return nginx, echo, https_port


def nginx_checks(run: Run) -> None:
    cfg = run.layout.config
    tenant = run.tenant("fn")
    host = tenant.host
    nginx = run.nginx()

    plain = http.client.HTTPConnection(cfg.listen_host, cfg.http_port, timeout=5)
    plain.request("GET", "/projects/x?tab=1", headers={"Host": host})
    resp = plain.getresponse()
    resp.read()
    plain.close()
    location = resp.getheader("Location")
    run.figure(f"http://{host}/projects/x?tab=1 -> {resp.status} {location}")
    run.expect(resp.status == 301 and location == f"https://{host}:{cfg.https_port}"
               f"/projects/x?tab=1", "no redirect to the same URL over HTTPS")

    index = (Path(cfg.frontend_dir) / "index.html").read_bytes()
    spa = once(nginx, host, "GET", "/projects/x")
    run.figure(f"/projects/x: {spa.status} {spa.headers.get('content-type')}, "
               f"cache-control {spa.headers.get('cache-control')!r}, "
               f"HSTS {spa.headers.get('strict-transport-security')!r}")
    run.expect(spa.status == 200 and spa.body == index, "the SPA fallback is not index.html")
    run.expect(spa.headers.get("cache-control") == "no-cache", "index.html is not no-cache")
    run.expect("includeSubDomains" in spa.headers.get("strict-transport-security", ""),
               "no HSTS header")

    assets = sorted(p.name for p in (Path(cfg.frontend_dir) / "assets").iterdir())
    asset = once(nginx, host, "GET", f"/assets/{assets[0]}")
    missing = once(nginx, host, "GET", "/assets/no-such-file.js")
    run.figure(f"/assets/{assets[0]}: {asset.status}, cache-control "
               f"{asset.headers.get('cache-control')!r}; a missing asset: {missing.status} "
               f"cache-control {missing.headers.get('cache-control')!r}")
    run.expect(asset.status == 200 and asset.headers.get("cache-control")
               == "public, max-age=31536000, immutable", "assets are not cached immutable")
    run.expect(missing.status == 404 and "cache-control" not in missing.headers,
               "a missing asset is not an uncached 404")

    for k in range(15):
        once(nginx, host, "POST", f"/api/v1/projects/{tenant.project_id}/tasks",
             body={"title": f"gzip check {k}", "description": "x" * 40}, token=tenant.token)
    listed = once(nginx, host, "GET", f"/api/v1/projects/{tenant.project_id}/tasks?limit=50",
                  token=tenant.token, headers={"Accept-Encoding": "gzip"})
    encoding = listed.headers.get("content-encoding")
    items = (json.loads(gzip.decompress(listed.body)) if encoding == "gzip"
             else listed.json() or {}).get("items", [])
    run.figure(f"task list with Accept-Encoding gzip: {listed.status}, content-encoding "
               f"{encoding}, {len(listed.body)} bytes for {len(items)} tasks")
    run.expect(listed.status == 200 and encoding == "gzip" and len(items) == 15,
               "JSON is not gzipped")

    big = once(nginx, host, "POST", f"/api/v1/projects/{tenant.project_id}/tasks",
               body=b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}', token=tenant.token)
    run.figure(f"2 MiB body: {big.status} {big.headers.get('content-type')} {big.body[:120]!r}")
    run.expect(big.status == 413 and big.code == "payload_too_large"
               and big.headers.get("content-type") == "application/json",
               "a 2 MiB body is not 413 payload_too_large in JSON")

    foreign = once(nginx, "evil.example", "GET", "/healthz")
    run.figure(f"Host evil.example (SNI {host}): {foreign.shown()}")
    run.expect(foreign.status == 0, "a foreign Host got an answer")
    try:
        conn = SniHTTPSConnection(cfg.listen_host, cfg.https_port, "evil.example", 5)
        conn.connect()
        conn.close()
        sni = "handshake completed"
    except ssl.SSLError as err:
        sni = f"handshake refused ({err.reason})"
    run.figure(f"SNI evil.example: {sni}")
    run.expect(sni.startswith("handshake refused"), "a foreign SNI name got a certificate")

    echo_checks(run, host)


def echo_checks(run: Run, host: str) -> None:
    nginx, echo, https_port = echo_nginx(run)

    def via(path: str, headers=None, source: str | None = None, method: str = "GET"):
        conn = SniHTTPSConnection("127.0.0.1", https_port, host, 5,
                                  source_address=(source, 0) if source else None)
        try:
            conn.request(method, path, headers={"Host": host, **(headers or {})})
            resp = conn.getresponse()
            return resp.status, resp.read(), resp.getheader("Content-Type")
        finally:
            conn.close()

    try:
        status, body, _ = via("/api/v1/me", {"X-Forwarded-For": "6.6.6.6",
                                             "X-Real-IP": "6.6.6.6",
                                             "X-Forwarded-Host": "other.localhost",
                                             "X-Forwarded-Proto": "http"})
        seen = json.loads(body)["headers"]
        shown = {k: seen.get(k) for k in ("host", "x-forwarded-for", "x-real-ip",
                                          "x-forwarded-proto", "x-forwarded-host",
                                          "connection")}
        run.figure(f"the app receives (client sent X-Forwarded-For 6.6.6.6 and friends): "
                   f"{shown}, {json.loads(body)['version']}")
        run.expect(seen.get("x-forwarded-for") == "127.0.0.1"
                   and seen.get("x-real-ip") == "127.0.0.1", "client forwarding headers kept")
        run.expect(seen.get("host") == host and seen.get("x-forwarded-proto") == "https"
                   and "x-forwarded-host" not in seen, "Host/X-Forwarded-Proto not as set")
        run.expect(json.loads(body)["version"] == "HTTP/1.1" and "connection" not in seen,
                   "the upstream connection is not kept alive (HTTP/1.1, no Connection)")
        openapi = via("/api/v1/openapi.json")[0]
        local = via("/metrics")[0]
        remote = via("/metrics", source="127.0.0.2")[0]
        run.figure(f"/api/v1/openapi.json proxied: {openapi}; /metrics from 127.0.0.1: "
                   f"{local}, from 127.0.0.2 (not an allowed address): {remote}")
        run.expect(openapi == 200, "/api/v1/openapi.json is not passed to the app")
        run.expect(local == 200 and remote == 403, "/metrics is not limited to allowed addresses")
        echo.shutdown()
        echo.server_close()
        status, body, ctype = via("/api/v1/me")
        run.figure(f"with the app down, nginx answers {status} {ctype} {body[:100]!r}")
        run.expect(status == 502 and ctype == "application/json"
                   and json.loads(body)["error"]["code"] == "unavailable",
                   "nginx's 502 is not the API's JSON unavailable")
    finally:
        nginx.stop()
        echo.server_close()
