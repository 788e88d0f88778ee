"""Write throwaway credentials for the dev overlay into deploy/overlays/dev/secrets/ (git-ignored).

Existing files are kept, so running it again never rotates a password that a database or broker already
uses. Run: ``uv run python deploy/overlays/dev/make_secrets.py [target-dir]``.
"""

from __future__ import annotations

import base64
import secrets
import sys
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SERVICES = ("auth", "benchmark", "declaration", "certificate", "mall", "notify")


def _token() -> str:
    # Letters and digits only: the values are pasted into URLs (postgresql://user:password@host) unescaped.
    return secrets.token_hex(24)


def _env(values: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


def _files() -> dict[str, bytes]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    s3_user, s3_password = "lp-services", _token()
    files = {
        "app.env": _env(
            {
                "LP_INTERNAL_TOKEN": _token(),
                "LP_PII_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "LP_DOWNLOAD_SECRET": _token(),
                "LP_SMS_CODE_SECRET": _token(),
                "LP_COMPARISON_KEY_SECRET": _token(),
                "LP_SMS_HTTP_KEY": "",
            }
        ).encode(),
        "jwt-private.pem": private,
        "jwt-public.pem": public,
        "rabbitmq.env": _env({"username": "lp", "password": _token()}).encode(),
        "redis.env": _env({"password": _token()}).encode(),
        # MinIO operator's tenant user secret format, read by the services as their S3 keys.
        "s3.env": _env({"CONSOLE_ACCESS_KEY": s3_user, "CONSOLE_SECRET_KEY": s3_password}).encode(),
        "minio-config.env": (
            f"export MINIO_ROOT_USER=lp-root\nexport MINIO_ROOT_PASSWORD={_token()}\n"
        ).encode(),
    }
    # The certificate service's signing material (Secret lp-signing): a throwaway CA and the signing
    # certificate it issued, made by the service's own tool; the CA's key is not kept.
    from certificate.signing.keys import CA_CERT, CA_KEY, material_pems, new_ca, new_signing_cert

    ca_key, ca_cert = new_ca()
    pems = material_pems(ca=(ca_key, ca_cert), signing=new_signing_cert(ca_key, ca_cert))
    files.update({name: pem for name, pem in pems.items() if name not in (CA_KEY, CA_CERT)})
    # The SM2 key ring of the QR codes' offline signatures (Secret lp-qr-keys), one fresh active key.
    from certificate.offline.keys import keyring_json, new_keyring

    files["qr-keyring.json"] = keyring_json(new_keyring(date.today())).encode()
    for name in SERVICES:
        # The keys CloudNativePG writes into <cluster>-app; in dev one cluster (lp-pg) holds every database.
        files[f"pg-{name}.env"] = _env(
            {
                "host": "lp-pg-rw",
                "port": "5432",
                "dbname": f"lp_{name}",
                "username": f"lp_{name}",
                "password": _token(),
            }
        ).encode()
    return files


def main(target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in _files().items():
        path = target / name
        if path.exists():
            continue
        path.write_bytes(content)
        path.chmod(0o600)
        written.append(path)
    return written


if __name__ == "__main__":
    default = Path(__file__).resolve().parent / "secrets"
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    for path in main(out):
        print(f"wrote {path}")
