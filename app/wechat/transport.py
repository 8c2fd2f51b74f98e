"""A `requests` transport adapter that hands a request to a WSGI application in-process.

Sandbox mode mounts it on the WeChat hosts of the SDK's own `requests.Session`: the SDK builds exactly the
request it would send to WeChat (URL, query, headers, body bytes) and reads the simulator's answer as it
would read WeChat's. Nothing goes over a socket, so a single synchronous worker never waits on itself.
"""
from __future__ import annotations

from io import BytesIO
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import EnvironBuilder, run_wsgi_app


class WSGIAdapter(BaseAdapter):
    """`prefix` is put before the path, for a simulator mounted under a path of the service itself.

    When the target is a Flask app, the call runs in a fresh application context: the inner request
    gets its own database session and `g`, as if it had come over the network.
    """

    def __init__(self, wsgi_app, prefix: str = ""):
        super().__init__()
        self.wsgi_app = wsgi_app
        self.prefix = prefix.rstrip("/")

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None,
             proxies=None) -> requests.Response:
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        builder = EnvironBuilder(
            path=self.prefix + (parts.path or "/"),
            query_string=parts.query,
            method=request.method,
            headers=dict(request.headers),
            data=body,
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        app_context = getattr(self.wsgi_app, "app_context", None)
        if app_context is not None:
            with app_context():
                status, headers, content = self._run(environ)
        else:
            status, headers, content = self._run(environ)

        response = requests.Response()
        response.status_code = int(status.split(" ", 1)[0])
        response.reason = status.split(" ", 1)[1] if " " in status else ""
        response.headers = CaseInsensitiveDict(headers.items())
        response.raw = BytesIO(content)
        response._content = content
        response.url = request.url
        response.request = request
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.connection = self
        return response

    def _run(self, environ):
        app_iter, status, headers = run_wsgi_app(self.wsgi_app, environ, buffered=True)
        try:
            return status, headers, b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()

    def close(self) -> None:
        pass
