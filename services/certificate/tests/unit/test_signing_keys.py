"""The platform's signing material: generated once per shared directory, checked when loaded."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from certificate.signing.keys import (
    SIGNING_CERT,
    SIGNING_KEY,
    TRUSTED,
    SigningKeysMissing,
    ensure_development_material,
    load_material,
    new_ca,
    new_signing_cert,
    write_material,
)


def _generate(directory: str, start, out) -> None:
    start.wait()
    ensure_development_material(Path(directory))
    keys = load_material(*(Path(directory) / name for name in (SIGNING_KEY, SIGNING_CERT, TRUSTED)))
    out.put((keys.fingerprint, keys.trusted[0].sha256.hex()))


def test_processes_starting_together_share_one_ca(tmp_path):
    """The HTTP process and the worker of the development service start at the same moment: one CA."""
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_generate, args=(str(tmp_path / "signing"), start, out)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(set(results)) == 1
    assert (tmp_path / "signing" / SIGNING_KEY).stat().st_mode & 0o077 == 0  # the key is the owner's only


def test_loading_refuses_a_key_of_another_certificate_and_a_foreign_issuer(tmp_path):
    ca = new_ca()
    write_material(tmp_path / "a", ca=ca, signing=new_signing_cert(*ca))
    other = new_ca("另一个根证书")
    write_material(tmp_path / "b", ca=other, signing=new_signing_cert(*other))
    with pytest.raises(SigningKeysMissing, match="is not the key of"):
        load_material(tmp_path / "b" / SIGNING_KEY, tmp_path / "a" / SIGNING_CERT, tmp_path / "a" / TRUSTED)
    with pytest.raises(SigningKeysMissing, match="no CA in"):
        load_material(tmp_path / "a" / SIGNING_KEY, tmp_path / "a" / SIGNING_CERT, tmp_path / "b" / TRUSTED)
    with pytest.raises(SigningKeysMissing, match="cannot read"):
        load_material(tmp_path / "none.pem", tmp_path / "a" / SIGNING_CERT, tmp_path / "a" / TRUSTED)


def test_a_rotated_signing_certificate_under_a_new_ca_keeps_the_retired_ca_trusted(tmp_path):
    old = new_ca("旧根证书")
    new = new_ca()
    write_material(tmp_path, ca=new, signing=new_signing_cert(*new), retired=[old[1]])
    keys = load_material(tmp_path / SIGNING_KEY, tmp_path / SIGNING_CERT, tmp_path / TRUSTED)
    assert [c.subject.native["common_name"] for c in keys.trusted] == [
        "质量分级及“领跑者”管理信息平台根证书",
        "旧根证书",
    ]
    assert keys.issuer == keys.trusted[0]
