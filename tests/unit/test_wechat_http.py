"""The WeChat clients' session reads the environment once per origin and says what requests would say."""
import pytest
import requests

from app.wechat import http

ORIGINS = ["https://api.weixin.qq.com/sns/jscode2session?appid=x", "https://api.mch.weixin.qq.com/v3/pay",
           "http://127.0.0.1:8100/cgi-bin/token"]


@pytest.fixture
def environment(monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        for spelling in (name, name.lower()):
            monkeypatch.delenv(spelling, raising=False)
    http._environment.cache_clear()
    yield monkeypatch
    http._environment.cache_clear()


@pytest.mark.parametrize("env", [
    {},
    {"HTTPS_PROXY": "http://egress:3128", "HTTP_PROXY": "http://egress:3128", "NO_PROXY": "127.0.0.1,localhost"},
    {"HTTPS_PROXY": "http://egress:3128", "REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"},
])
def test_the_settings_are_those_requests_computes(environment, env):
    for name, value in env.items():
        environment.setenv(name, value)
    ours, theirs = http.Session(), requests.Session()
    for url in ORIGINS:
        for kwargs in ({}, {"verify": False}, {"proxies": {"https": "http://other:1"}}):
            args = dict(proxies=dict(kwargs.get("proxies", {})), stream=None, verify=kwargs.get("verify"), cert=None)
            expected = theirs.merge_environment_settings(url, **{**args, "proxies": dict(args["proxies"])})
            assert ours.merge_environment_settings(url, **args) == expected
            assert ours.merge_environment_settings(url, **args) == expected  # and again, from the kept settings
    if env.get("NO_PROXY"):
        got = ours.merge_environment_settings(ORIGINS[2], {}, None, None, None)
        assert "http" not in got["proxies"]  # the simulator server on loopback is not proxied
        assert ours.merge_environment_settings(ORIGINS[0], {}, None, None, None)["proxies"]["https"] \
            == "http://egress:3128"


def test_the_environment_is_read_once_per_origin(environment):
    ours = http.Session()
    for _ in range(5):
        for url in ORIGINS:
            ours.merge_environment_settings(url, {}, None, None, None)
    info = http._environment.cache_info()
    assert info.misses == 3 and info.hits == 12


def test_the_clients_use_it(app):
    from app.wechat import wechat_login, wechat_pay

    with app.app_context():
        assert isinstance(wechat_pay().http, http.Session)
        assert isinstance(wechat_login().client._http, http.Session)
