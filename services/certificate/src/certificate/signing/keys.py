"""The platform's signing key material: a CA, the signing certificate it issued, and the CA certificates the
verifier trusts (the current one and the retired ones, so files signed before a rotation stay verifiable).

Production mounts them from a Kubernetes Secret (``LP_SIGNING_KEY_FILE``, ``LP_SIGNING_CERT_FILE``,
``LP_SIGNING_CA_FILE``; the settings refuse production without them). Development and tests generate them on
first use into ``LP_SIGNING_DIR``, under a file lock and with atomic renames, so the HTTP process and the worker
(or two test processes) sharing that directory end up with one CA, not two.

``python -m certificate.signing.keys OUT_DIR`` writes a new CA and signing certificate for a Secret;
``--ca-cert/--ca-key`` issue a new signing certificate under an existing CA (rotation without a new CA).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# What a reader sees in the signature panel (Adobe: 签名者) and in the certificate chain.
ORGANISATION = "质量分级及“领跑者”管理信息平台"
SIGNER_NAME = "质量分级及“领跑者”管理信息平台电子签名"
CA_NAME = "质量分级及“领跑者”管理信息平台根证书"

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SIGNING_CERT = "signing-cert.pem"
SIGNING_KEY = "signing-key.pem"
TRUSTED = "trusted-ca.pem"

CA_YEARS = 20
SIGNING_YEARS = 5


class SigningKeysMissing(RuntimeError):
    """The configured key material cannot be read or does not fit together."""


@dataclass(frozen=True)
class PlatformKeys:
    """What signing and verifying need, already parsed (asn1crypto objects, as pyHanko wants them)."""

    signing_key: asn1_keys.PrivateKeyInfo
    signing_cert: asn1_x509.Certificate
    # The CA that issued the signing certificate, embedded in every signature (Adobe shows the chain).
    issuer: asn1_x509.Certificate
    # Every CA the verifier trusts: the current one first, then the retired ones.
    trusted: tuple[asn1_x509.Certificate, ...]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signing_cert)


def fingerprint(cert: asn1_x509.Certificate) -> str:
    """SHA-256 over the certificate's DER, lower-case hex (what a certificate viewer calls its fingerprint)."""
    return hashlib.sha256(cert.dump()).hexdigest()


# --- generation ------------------------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_ca(
    common_name: str = CA_NAME, *, years: int = CA_YEARS
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed CA (ECDSA P-256) that may issue end-entity certificates only."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC) - timedelta(minutes=5)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def new_signing_cert(
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    common_name: str = SIGNER_NAME,
    *,
    years: int = SIGNING_YEARS,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A document-signing certificate (digital signature + non-repudiation) issued by the CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC) - timedelta(minutes=5)
    not_after = min(now + timedelta(days=365 * years), ca_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _write_atomically(path: Path, data: bytes, *, private: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def material_pems(
    *,
    ca: tuple[ec.EllipticCurvePrivateKey | None, x509.Certificate],
    signing: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
    retired: list[x509.Certificate] | None = None,
) -> dict[str, bytes]:
    """File name → PEM content of the files a Secret (or the development directory) holds; the CA's key
    only when given. The signing key comes last."""
    ca_key, ca_cert = ca
    files = {CA_KEY: _key_pem(ca_key)} if ca_key is not None else {}
    files[CA_CERT] = _cert_pem(ca_cert)
    files[TRUSTED] = b"".join(_cert_pem(c) for c in [ca_cert, *(retired or [])])
    files[SIGNING_CERT] = _cert_pem(signing[1])
    files[SIGNING_KEY] = _key_pem(signing[0])
    return files


def write_material(
    directory: Path,
    *,
    ca: tuple[ec.EllipticCurvePrivateKey | None, x509.Certificate],
    signing: tuple[ec.EllipticCurvePrivateKey, x509.Certificate],
    retired: list[x509.Certificate] | None = None,
) -> None:
    """Write the files, each atomically; the signing key goes last, so a reader that finds it finds
    everything else."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in material_pems(ca=ca, signing=signing, retired=retired).items():
        _write_atomically(directory / name, data, private=name in (CA_KEY, SIGNING_KEY))


def ensure_development_material(directory: Path) -> None:
    """Create a CA and a signing certificate in ``directory`` unless they are there. Two processes starting
    at once take the lock in turn: the second finds the first one's files."""
    if (directory / SIGNING_KEY).exists():
        return  # made before (possibly by a one-shot job, on a read-only mount here)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if (directory / SIGNING_KEY).exists():
                return
            ca = new_ca()
            write_material(directory, ca=ca, signing=new_signing_cert(*ca))
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


# --- loading -----------------------------------------------------------------------------------------------


def _pem_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    return [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in x509.load_pem_x509_certificates(data)
    ]


def load_material(key_file: Path, cert_file: Path, ca_file: Path) -> PlatformKeys:
    """Parse and check the three files: the key matches the certificate, and one of the trusted CAs
    issued it (the verifier could not trust the platform's own signatures otherwise)."""
    try:
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        cert_der = x509.load_pem_x509_certificate(cert_file.read_bytes())
        trusted = _pem_certificates(ca_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise SigningKeysMissing(f"cannot read the signing key material: {exc}") from exc
    if not trusted:
        raise SigningKeysMissing(f"{ca_file} holds no CA certificate")
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert_der.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise SigningKeysMissing(f"{key_file} is not the key of {cert_file}")
    signing_cert = asn1_x509.Certificate.load(cert_der.public_bytes(serialization.Encoding.DER))
    issuers = [ca for ca in trusted if ca.subject == signing_cert.issuer]
    if not issuers:
        raise SigningKeysMissing(f"no CA in {ca_file} issued {cert_file}")
    private = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return PlatformKeys(
        signing_key=private, signing_cert=signing_cert, issuer=issuers[0], trusted=tuple(trusted)
    )


_cache: dict[tuple[str, str, str], PlatformKeys] = {}
_cache_lock = threading.Lock()


def platform_keys(
    *, key_file: str | None, cert_file: str | None, ca_file: str | None, directory: str
) -> PlatformKeys:
    """The process's key material, read once: the configured files, or the development directory's
    (generated on first use)."""
    if key_file and cert_file and ca_file:
        paths = (key_file, cert_file, ca_file)
    else:
        base = Path(directory)
        paths = (str(base / SIGNING_KEY), str(base / SIGNING_CERT), str(base / TRUSTED))
    with _cache_lock:
        found = _cache.get(paths)
        if found is None:
            if not (key_file and cert_file and ca_file):
                ensure_development_material(Path(directory))
            found = load_material(*(Path(p) for p in paths))
            _cache[paths] = found
        return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Write the platform's signing key material (for the Kubernetes Secret lp-signing)."
    )
    parser.add_argument(
        "out", type=Path, help="directory to write ca.pem, signing-cert.pem, signing-key.pem, trusted-ca.pem"
    )
    parser.add_argument(
        "--ca-cert", type=Path, help="issue under this existing CA (rotation of the signing certificate)"
    )
    parser.add_argument("--ca-key", type=Path, help="the existing CA's key (kept offline, not in the Secret)")
    parser.add_argument(
        "--retired",
        type=Path,
        action="append",
        default=[],
        help="a retired CA's certificate the verifier keeps trusting",
    )
    args = parser.parse_args()
    retired = [c for path in args.retired for c in x509.load_pem_x509_certificates(path.read_bytes())]
    if args.ca_cert or args.ca_key:
        if not (args.ca_cert and args.ca_key):
            parser.error("--ca-cert and --ca-key go together")
        ca_key = serialization.load_pem_private_key(args.ca_key.read_bytes(), password=None)
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey), "the CA key must be an EC key"
        ca_cert = x509.load_pem_x509_certificate(args.ca_cert.read_bytes())
        write_material(
            args.out, ca=(None, ca_cert), signing=new_signing_cert(ca_key, ca_cert), retired=retired
        )
    else:
        ca_key, ca_cert = new_ca()
        write_material(
            args.out, ca=(ca_key, ca_cert), signing=new_signing_cert(ca_key, ca_cert), retired=retired
        )
    print(f"written to {args.out}; keep {CA_KEY} offline, put the other files in the Secret")


if __name__ == "__main__":
    main()
