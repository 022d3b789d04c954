"""Signed PDFs: with site.yaml's `signing`, every PDF the build writes carries a PAdES signature
that `gazette verify` checks (intact, signer, time, trust); one flipped byte makes it fail. The
test CA, key and timestamp service are made here (tests/pki.py)."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pdfplumber
import pytest

from conftest import SITES, copy_site, run_cli
from pki import PASSPHRASE, TimestampAuthority, make_pki

ENV = "GAZETTE_TEST_PASSPHRASE"


def _add_signing(site: Path, pki, *, timestamp_url: str | None = None, env: str = ENV) -> None:
    lines = (f"signing:\n  key: {pki.key_p12}\n  passphrase_env: {env}\n"
             f"  trust: [{pki.ca_pem}]\n")
    if timestamp_url:
        lines += f"  timestamp_url: {timestamp_url}\n"
    with (site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write(lines)


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """The minimal site built with a signing key and a timestamp service: (site, output, pki, tsa)."""
    base = tmp_path_factory.mktemp("signed")
    pki = make_pki(base / "pki")
    tsa = TimestampAuthority(pki)
    site = copy_site(SITES / "minimal", base / "site")
    _add_signing(site, pki, timestamp_url=tsa.url)
    out = base / "public"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV, PASSPHRASE)
        result = run_cli("--site", str(site), "build", "--jobs", "1", "--out", str(out))
    assert result.code == 0, result.err
    yield site, out, pki, tsa
    tsa.close()


def _pdfs(out: Path) -> list[Path]:
    return sorted(out.rglob("*.pdf"))


def test_every_pdf_is_signed_timestamped_and_verifies(signed):
    site, out, pki, tsa = signed
    pdfs = _pdfs(out)
    assert len(pdfs) == 3  # the issue and its two documents
    assert tsa.requests >= 3  # one timestamp per signature
    result = run_cli("--site", str(site), "verify", *map(str, pdfs))
    assert result.code == 0, result.out + result.err
    assert result.out.count(": OK\n") == 3
    assert result.out.count("signer: Common Name: 晋中市人民政府办公室公报签章") == 3
    assert result.out.count("(RFC 3161 timestamp)") == 3
    assert result.out.count("intact: yes, the signature covers the whole file") == 3
    assert result.out.count("trusted: yes, the certificate chains to the trusted CA") == 3


def test_one_flipped_byte_fails_verification(signed, tmp_path):
    site, out, pki, _ = signed
    good = out / "2024/01/jzgb-2024-01.pdf"
    data = bytearray(good.read_bytes())
    data[len(data) // 3] ^= 0x01  # inside the signed range, in the middle of the pages
    bad = tmp_path / "changed.pdf"
    bad.write_bytes(bytes(data))
    result = run_cli("--site", str(site), "verify", str(good), str(bad))
    assert result.code == 1
    assert f"{good}: OK" in result.out
    assert f"{bad}: FAILED" in result.out
    assert "  intact: NO" in result.out
    assert ("problem: the signed bytes were changed after signing (the digest does not match)"
            in result.out)


def test_bytes_appended_after_the_signature_fail(signed, tmp_path):
    site, out, _, _ = signed
    bad = tmp_path / "appended.pdf"
    bad.write_bytes((out / "2024/01/first/first.pdf").read_bytes() + b"\n% appended\n")
    result = run_cli("--site", str(site), "verify", str(bad))
    assert result.code == 1
    assert f"{bad}: FAILED" in result.out and "  intact: NO" in result.out


def test_a_certificate_from_another_ca_is_not_trusted(signed, tmp_path):
    _, out, _, _ = signed
    other = make_pki(tmp_path / "other", name="别的根证书")
    result = run_cli("verify", "--trust", str(other.ca_pem), str(out / "2024/01/jzgb-2024-01.pdf"))
    assert result.code == 1
    assert "  intact: yes, the signature covers the whole file" in result.out
    assert "  trusted: NO" in result.out
    assert "problem: the signer's certificate does not chain to the trusted CA certificates" \
        in result.out


def test_a_trust_file_that_holds_no_certificate_or_no_end_is_refused(tmp_path):
    """`--trust /dev/zero` read until the machine ran out (16.5 GB); a private key's PEM was
    taken as a trust file holding nothing, so every PDF came out untrusted without a word."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pki = make_pki(tmp_path / "pki")
    key_pem = tmp_path / "key.pem"
    key_pem.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    big = tmp_path / "big.pem"
    big.write_bytes(pki.ca_pem.read_bytes() * 2000)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    for trust, why in [("/dev/zero", "not a file"), (key_pem, "it holds no certificate"),
                       (big, f"{big.stat().st_size:,} bytes; a certificate file holds a few KB")]:
        result = run_cli("verify", "--trust", str(trust), str(pdf))
        assert result.code == 2
        assert result.lines == [f"gazette verify: {trust}: not a PEM or DER certificate ({why})"]
    result = run_cli("verify", "--trust", str(pki.ca_pem), "/dev/zero")
    assert result.code == 1 and "problem: not a file" in result.out


def test_an_unsigned_pdf_fails(signed, tmp_path):
    site, _, _, _ = signed
    cached = next((site / ".gazette-cache").rglob("issue.pdf"))
    result = run_cli("--site", str(site), "verify", str(cached))
    assert result.code == 1
    assert "problem: the PDF carries no signature" in result.out


def test_the_cache_keeps_the_unsigned_bytes_the_signature_extends(signed):
    site, out, _, _ = signed
    cached = next((site / ".gazette-cache").rglob("issue.pdf")).read_bytes()
    signed_pdf = (out / "2024/01/jzgb-2024-01.pdf").read_bytes()
    assert b"/ByteRange" not in cached
    assert signed_pdf.startswith(cached) and len(signed_pdf) > len(cached)


def test_the_imprint_page_says_how_to_verify(signed):
    _, out, _, _ = signed
    with pdfplumber.open(out / "2024/01/jzgb-2024-01.pdf") as pdf:
        last = pdf.pages[-1].extract_text().replace("\n", "").replace(" ", "")
    assert "本刊PDF文件带有晋中市人民政府办公室的电子签名" in last
    assert "verify/" in last and "gazetteverify" in last


def test_the_site_publishes_the_certificates_and_a_verification_page(signed):
    _, out, pki, _ = signed
    assert (out / "verify/ca.pem").read_bytes() == pki.ca_pem.read_bytes()
    assert b"BEGIN CERTIFICATE" in (out / "verify/office-certificate.pem").read_bytes()
    page = (out / "verify/index.html").read_text(encoding="utf-8")
    assert "核验电子签名" in page and 'href="ca.pem"' in page and 'href="office-certificate.pem"' in page
    assert "gazette verify --trust" in page


def test_an_unsigned_build_says_so_once(minimal_site, tmp_path):
    result = run_cli("--site", str(minimal_site), "build", "--jobs", "1", "--out",
                     str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert result.err.count("the PDFs are unsigned") == 1


def test_a_missing_passphrase_variable_is_a_located_error(minimal_site, tmp_path, monkeypatch):
    pki = make_pki(tmp_path / "pki")
    _add_signing(minimal_site, pki, env="GAZETTE_NOT_SET_ANYWHERE")
    monkeypatch.delenv("GAZETTE_NOT_SET_ANYWHERE", raising=False)
    out = tmp_path / "out"
    result = run_cli("--site", str(minimal_site), "build", "--out", str(out))
    assert result.code == 1
    line = (minimal_site / "site.yaml").read_text(encoding="utf-8").splitlines().index(
        "  passphrase_env: GAZETTE_NOT_SET_ANYWHERE") + 1
    assert (f"site.yaml:{line}: passphrase_env: the environment variable "
            "GAZETTE_NOT_SET_ANYWHERE is not set; export the key's passphrase in it before "
            "building") in result.lines
    assert not out.exists()


def test_a_wrong_passphrase_is_a_located_error(minimal_site, tmp_path, monkeypatch):
    pki = make_pki(tmp_path / "pki")
    _add_signing(minimal_site, pki)
    monkeypatch.setenv(ENV, "not the passphrase")
    result = run_cli("--site", str(minimal_site), "build", "--out", str(tmp_path / "out"))
    assert result.code == 1
    assert any(line.startswith(f"site.yaml:") and ": key: cannot open " in line
               and "wrong passphrase or not a PKCS#12 file" in line for line in result.lines), \
        result.err
    assert "Traceback" not in result.err


def test_missing_files_and_a_bad_url_are_located_errors(minimal_site):
    with (minimal_site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("signing:\n  key: keys/none.p12\n  trust: [keys/none.pem]\n"
                     "  timestamp_url: tsa.example\n  passphrase: secret\n")
    text = (minimal_site / "site.yaml").read_text(encoding="utf-8").splitlines()
    result = run_cli("--site", str(minimal_site), "check")
    assert result.code == 1
    at = {key: next(number for number, line in enumerate(text, 1) if line.startswith(f"  {key}"))
          for key in ("key:", "trust:", "timestamp_url:", "passphrase:")}
    assert any(line.startswith(f"site.yaml:{at['key:']}: key: ") and "none.p12 does not exist"
               in line for line in result.lines)
    assert any(line.startswith(f"site.yaml:{at['trust:']}: trust: ") and "none.pem does not "
               "exist" in line for line in result.lines)
    assert (f"site.yaml:{at['timestamp_url:']}: timestamp_url: 'tsa.example' is not an "
            "http(s) URL of an RFC 3161 timestamp service") in result.lines
    assert any(line.startswith(f"site.yaml:{at['passphrase:']}: passphrase: unknown field")
               for line in result.lines)


def test_a_key_not_issued_by_the_trusted_ca_is_refused(minimal_site, tmp_path, monkeypatch):
    pki = make_pki(tmp_path / "pki")
    other = make_pki(tmp_path / "other", name="别的根证书")
    pki.ca_pem = other.ca_pem
    _add_signing(minimal_site, pki)
    monkeypatch.setenv(ENV, PASSPHRASE)
    result = run_cli("--site", str(minimal_site), "build", "--out", str(tmp_path / "out"))
    assert result.code == 1
    assert any(": trust: the key's certificate (" in line and "does not chain to any "
               "certificate in trust" in line for line in result.lines), result.err


def test_an_unchanged_rebuild_reuses_the_signatures_byte_for_byte(signed, tmp_path, monkeypatch):
    site, out, _, tsa = signed
    requests = tsa.requests
    monkeypatch.setenv(ENV, PASSPHRASE)
    again = tmp_path / "again"
    result = run_cli("--site", str(site), "build", "--jobs", "1", "--out", str(again))
    assert result.code == 0, result.err
    assert tsa.requests == requests  # nothing signed anew
    for pdf in _pdfs(out):
        assert (again / pdf.relative_to(out)).read_bytes() == pdf.read_bytes()


def test_a_timestamp_service_that_does_not_answer_is_a_located_error(minimal_site, tmp_path,
                                                                     monkeypatch):
    pki = make_pki(tmp_path / "pki")
    tsa = TimestampAuthority(pki)
    url = tsa.url
    tsa.close()  # nothing listens there any more
    _add_signing(minimal_site, pki, timestamp_url=url)
    monkeypatch.setenv(ENV, PASSPHRASE)
    out = tmp_path / "out"
    result = run_cli("--site", str(minimal_site), "build", "--jobs", "1", "--out", str(out))
    assert result.code == 1
    line = (minimal_site / "site.yaml").read_text(encoding="utf-8").splitlines().index(
        f"  timestamp_url: {url}") + 1
    assert any(text.startswith(f"site.yaml:{line}: timestamp_url: the timestamp service {url} "
                               "did not answer") for text in result.lines), result.err
    assert not out.exists()


def test_a_signing_site_opens_its_key_even_when_nothing_changed(signed, monkeypatch):
    """No shortcut for a site that signs: a wrong passphrase fails the build at once, as on
    the first build, and the output stays."""
    site, out, _, _ = signed
    before = {p: p.read_bytes() for p in out.rglob("*.pdf")}
    monkeypatch.setenv(ENV, "not the passphrase")
    result = run_cli("--site", str(site), "build", "--jobs", "1", "--out", str(out))
    assert result.code == 1 and "nothing changed" not in result.err
    assert {p: p.read_bytes() for p in out.rglob("*.pdf")} == before
