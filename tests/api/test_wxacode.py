"""getwxacodeunlimit through wechatpy against the sandbox simulator (the poster's live-mode code)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from app.wechat import wechat_wxacodes
from app.wechat.exceptions import WeChatError


def test_wxacode_image_through_the_real_sdk_path(app):
    zxingcpp = pytest.importorskip("zxingcpp")
    with app.app_context():
        png = wechat_wxacodes().unlimited("CDF2021.door3")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1280, 1280)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == ["wxacode:pages/scenario/index?scene=CDF2021.door3"]


def test_wxacode_refuses_a_long_scene(app):
    with app.app_context(), pytest.raises(WeChatError) as err:
        wechat_wxacodes().unlimited("X" * 33)
    assert err.value.errcode == 40169
