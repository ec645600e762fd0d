"""A local HTTP server on 127.0.0.1 that stands in for Nominatim and Overpass in tests.

Each route is a path prefix mapped to a handler ``(path, params, body) -> (status, json)``;
handlers answer from fixture data in the formats the real services use. Every request is
logged in ``server.requests`` so tests can assert what was (or was not) asked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Handler = Callable[[str, dict[str, str], str], tuple[int, object]]


class FixtureServer:
    """Serve fixture answers on ``http://127.0.0.1:<port>``; use as a context manager."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, dict[str, str], str]] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self, body: str) -> None:
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if body:
                    params.update({k: v[-1] for k, v in parse_qs(body).items()})
                outer.requests.append((parts.path, params, body))
                for prefix, handler in outer.routes.items():
                    if parts.path.startswith(prefix):
                        status, payload = handler(parts.path, params, body)
                        break
                else:
                    status, payload = 404, {"error": f"no fixture for {parts.path}"}
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                self.send_response(status)
                kind = "text/plain" if isinstance(payload, str) else "application/json"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer("")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self._answer(self.rfile.read(length).decode("utf-8"))

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
