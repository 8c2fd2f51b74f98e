"""The `requests` session of the WeChat clients: the environment's proxy and CA settings read once per origin.

`requests` reads them on every request: `get_environ_proxies` walks `os.environ` twice (the proxies, then
`no_proxy`), ~0.1 ms of CPU per call to WeChat, two or three calls per guest. A process's environment is
set before it starts, so what it says for an origin is kept (a few origins: the WeChat hosts, or the
simulator server's). The settings are exactly those requests would compute: `HTTPS_PROXY`/`NO_PROXY`,
`REQUESTS_CA_BUNDLE`/`CURL_CA_BUNDLE`, then the session's own, then the request's.
"""
from __future__ import annotations

import functools
import os
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies


class Session(requests.Session):
    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        if not self.trust_env or (proxies and proxies.get("no_proxy")):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        env_proxies, env_verify = _environment(parts.scheme, parts.netloc)
        proxies = dict(proxies or {})
        for key, value in env_proxies:
            proxies.setdefault(key, value)
        if verify is True or verify is None:
            verify = env_verify or verify
        return {"proxies": merge_setting(proxies, self.proxies), "stream": merge_setting(stream, self.stream),
                "verify": merge_setting(verify, self.verify), "cert": merge_setting(cert, self.cert)}


@functools.lru_cache(maxsize=64)
def _environment(scheme: str, netloc: str) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """What the environment says for an origin: its proxies (NO_PROXY applied) and a CA bundle."""
    proxies = get_environ_proxies(f"{scheme}://{netloc}/")
    return tuple(proxies.items()), os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
