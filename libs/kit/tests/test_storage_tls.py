"""S3 over TLS with a private CA (the MinIO tenant's auto-cert is signed by the cluster CA): with
``LP_S3_CA_FILE`` the client trusts that CA; without it the handshake fails, as it did in production."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kit.settings import DEV_S3_KEY, DEV_S3_SECRET, ServiceSettings
from kit.storage import Storage
from kit.testing.tcpproxy import TcpProxy


def _ca_and_leaf(tmp_path):
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lp test cluster CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "minio")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = tmp_path / "ca.crt", tmp_path / "tls.crt", tmp_path / "tls.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_file, cert_file, key_file


def _tls_front(s3_endpoint: str, cert_file, key_file) -> TcpProxy:
    """TLS in front of the test S3 server, as the MinIO tenant serves it."""
    host, port = s3_endpoint.rsplit(":", 1)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return TcpProxy(host, int(port), ssl=context).start()


async def test_s3_over_tls_trusts_the_mounted_ca_and_only_with_it(tmp_path, s3_endpoint):
    ca_file, cert_file, key_file = _ca_and_leaf(tmp_path)
    front = _tls_front(s3_endpoint, cert_file, key_file)
    port = front.port
    bucket = f"tls-{uuid.uuid4().hex[:8]}"
    try:
        trusting = Storage(
            f"127.0.0.1:{port}",
            DEV_S3_KEY,
            DEV_S3_SECRET,
            secure=True,
            region="us-east-1",
            ca_file=str(ca_file),
        )
        await trusting.ensure_bucket(bucket)
        await trusting.put(bucket, "k", b"hello", content_type="text/plain")
        assert await trusting.get(bucket, "k") == b"hello"

        certifi_only = Storage(
            f"127.0.0.1:{port}", DEV_S3_KEY, DEV_S3_SECRET, secure=True, region="us-east-1"
        )
        certifi_only.client._http.connection_pool_kw["retries"] = 0  # fail at once, not after retries
        with pytest.raises(Exception) as caught:
            await certifi_only.ensure_bucket(bucket)
        assert "CERTIFICATE_VERIFY_FAILED" in repr(caught.value) or "certificate verify failed" in str(
            caught.value
        )
    finally:
        front.close()


def test_a_ca_file_that_is_not_there_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="LP_S3_CA_FILE"):
        ServiceSettings(s3_ca_file=str(tmp_path / "missing.crt"))
