"""Sandbox WeChat Pay credentials: generated on first start, kept under instance/, shared by workers.

Two RSA key pairs play the two sides of the v3 protocol: the merchant's API key (we sign requests and
wx.requestPayment parameters with it; the simulator verifies with its public half) and WeChat Pay's
platform key (the simulator signs answers and notifications; we verify with its public half, in the
"platform public key" mode). The APIv3 key encrypts notifications.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SANDBOX_MCHID = "1900009231"


@dataclass(frozen=True)
class SandboxPayKeys:
    mchid: str
    apiv3_key: str
    merchant_private_pem: str
    merchant_public_pem: str
    merchant_cert_serial: str
    platform_private_pem: str
    platform_public_pem: str
    public_key_id: str

    def __repr__(self) -> str:
        return f"SandboxPayKeys(mchid={self.mchid}, <keys hidden>)"


def _pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def load_or_create(folder: Path) -> SandboxPayKeys:
    """Read the keys in `folder`, creating them first if absent (atomically: several workers may race)."""
    if not (folder / "settings.json").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.parent / f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}"
        staging.mkdir(mode=0o700)
        merchant_private, merchant_public = _pair()
        platform_private, platform_public = _pair()
        (staging / "merchant_private_key.pem").write_text(merchant_private)
        (staging / "merchant_public_key.pem").write_text(merchant_public)
        (staging / "platform_private_key.pem").write_text(platform_private)
        (staging / "platform_public_key.pem").write_text(platform_public)
        (staging / "settings.json").write_text(json.dumps({
            "mchid": SANDBOX_MCHID,
            "apiv3_key": secrets.token_hex(16),  # 32 characters, as WeChat Pay's APIv3 keys
            "merchant_cert_serial": secrets.token_hex(20).upper(),
            "public_key_id": "PUB_KEY_ID_" + "".join(secrets.choice("0123456789") for _ in range(32)),
        }))
        try:
            os.rename(staging, folder)  # atomic; fails if another worker got there first
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    settings = json.loads((folder / "settings.json").read_text())
    return SandboxPayKeys(
        mchid=settings["mchid"],
        apiv3_key=settings["apiv3_key"],
        merchant_private_pem=(folder / "merchant_private_key.pem").read_text(),
        merchant_public_pem=(folder / "merchant_public_key.pem").read_text(),
        merchant_cert_serial=settings["merchant_cert_serial"],
        platform_private_pem=(folder / "platform_private_key.pem").read_text(),
        platform_public_pem=(folder / "platform_public_key.pem").read_text(),
        public_key_id=settings["public_key_id"],
    )
