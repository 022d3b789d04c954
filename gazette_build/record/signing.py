"""Signed PDFs: site.yaml's `signing` read and checked, the office's key opened, and every PDF
the build writes sealed with a PAdES signature (pyHanko), timestamped when a service is set.

Signing happens at write time, after the print cache: the cache keeps the unsigned bytes, so
unchanged issues are still not laid out again and unsigned builds stay byte-identical. A
signature holds the signing time (and a timestamp token), so signed files differ from build to
build; what they sign is the same bytes each time.
"""
from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from ..errors import Report
from ..model import Signing
from ..yamlschema import Entry, Field, validate
from .offloop import off_loop

SIGNING_FIELDS = (
    Field("key", "str", True),
    Field("passphrase_env", "str"),
    Field("trust", "str-list", True),
    Field("timestamp_url", "str"),
)
SIGNED_CACHE = ".gazette-cache/signed"  # signed PDFs by unsigned bytes and key
FIELD_NAME = "GazetteSeal"  # the (invisible) signature field every sealed PDF carries


def load_signing(entry: Entry | None, root: Path, path: Path, report: Report) -> Signing | None:
    """site.yaml's `signing` mapping, with its files checked to exist; None when absent."""
    if entry is None or entry.value is None:
        return None
    if not isinstance(entry.children, dict):
        report.error(path, entry.line, "signing", "expected a mapping: key, passphrase_env, "
                     "trust and optionally timestamp_url")
        return None
    values = validate(entry.children, SIGNING_FIELDS, path, entry.line, report)
    lines = (("signing", entry.line),
             *((name, child.line) for name, child in entry.children.items()))
    line_of = dict(lines)
    if "key" not in values or "trust" not in values:
        return None
    key = (root / values["key"]).resolve()
    if not key.is_file():
        report.error(path, line_of["key"], "key", f"{key} does not exist (the office's "
                     "PKCS#12 file, .p12 or .pfx)")
    trust = tuple((root / name).resolve() for name in values["trust"])
    for name in trust:
        if not name.is_file():
            report.error(path, line_of["trust"], "trust", f"{name} does not exist (a PEM file "
                         "of a CA certificate that readers trust)")
    url = values.get("timestamp_url")
    if url and (urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc):
        report.error(path, line_of["timestamp_url"], "timestamp_url",
                     f"'{url}' is not an http(s) URL of an RFC 3161 timestamp service")
    passphrase_env = values.get("passphrase_env")
    if passphrase_env and not passphrase_env.replace("_", "").isalnum():
        report.error(path, line_of["passphrase_env"], "passphrase_env",
                     f"'{passphrase_env}' is not the name of an environment variable; the "
                     "passphrase itself never goes in a file")
    return Signing(key, passphrase_env, trust, url, lines)


@dataclass(frozen=True)
class Seal:
    """The office's opened key. pyHanko's signer is made on the first PDF to sign: importing
    pyHanko costs ~0.8 s of CPU, and an unchanged build takes every signature from the cache."""

    pkcs12: bytes
    passphrase: bytes | None
    timestamp_url: str | None
    certificate_pem: bytes  # the office's certificate, published beside the verification page
    subject: str
    _pyhanko: dict = field(default_factory=dict)

    def signer_and_timestamper(self) -> tuple:
        if not self._pyhanko:
            from pyhanko.sign import signers
            from pyhanko.sign.timestamps import HTTPTimeStamper

            self._pyhanko["signer"] = signers.SimpleSigner.load_pkcs12_data(
                self.pkcs12, other_certs=[], passphrase=self.passphrase)
            self._pyhanko["timestamper"] = (HTTPTimeStamper(self.timestamp_url)
                                            if self.timestamp_url else None)
        return self._pyhanko["signer"], self._pyhanko["timestamper"]


def open_key(signing: Signing, config_path: Path, report: Report) -> Seal | None:
    """Open the PKCS#12 key with the passphrase from the environment and check that its
    certificate chains to `trust`; report what stops that, with its site.yaml line."""
    from asn1crypto import pem, x509
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    passphrase = None
    if signing.passphrase_env:
        passphrase = os.environ.get(signing.passphrase_env)
        if passphrase is None:
            report.error(config_path, signing.line("passphrase_env"), "passphrase_env",
                         f"the environment variable {signing.passphrase_env} is not set; "
                         f"export the key's passphrase in it before building")
            return None
    trust = _trust_roots(signing, config_path, report)
    if trust is None:
        return None
    secret = passphrase.encode() if passphrase else None
    data = signing.key.read_bytes()
    try:
        key, certificate, others = pkcs12.load_key_and_certificates(data, secret)
    except ValueError as exc:
        key, certificate, others, reason = None, None, [], str(exc)
    else:
        reason = "it holds no key and certificate"
    if key is None or certificate is None:
        report.error(config_path, signing.line("key"), "key",
                     f"cannot open {signing.key}: wrong passphrase or not a PKCS#12 file "
                     f"({reason})")
        return None
    own = x509.Certificate.load(certificate.public_bytes(Encoding.DER))
    chain = [x509.Certificate.load(other.public_bytes(Encoding.DER)) for other in others]
    if not _chains(own, chain, trust):
        report.error(config_path, signing.line("trust"), "trust",
                     f"the key's certificate ({own.subject.human_friendly}) does not "
                     "chain to any certificate in trust; readers could not verify the PDFs")
        return None
    return Seal(data, secret, signing.timestamp_url, pem.armor("CERTIFICATE", own.dump()),
                own.subject.human_friendly)


def _trust_roots(signing: Signing, config_path: Path, report: Report) -> list | None:
    from .verification import load_roots

    try:
        return load_roots(list(signing.trust))
    except ValueError as exc:
        report.error(config_path, signing.line("trust"), "trust", str(exc))
        return None


def _chains(certificate, intermediates: list, roots: list) -> bool:
    import asyncio  # here: every build imports this module, few verify a chain

    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    context = ValidationContext(trust_roots=roots, other_certs=intermediates,
                                allow_fetching=False, revocation_mode="soft-fail")
    try:
        validator = CertificateValidator(certificate, validation_context=context)
        off_loop(asyncio.run, validator.async_validate_usage(set()))
    except (PathBuildingError, PathValidationError):
        return False
    return True


def sign_pdf(pdf: bytes, seal: Seal, reason: str) -> bytes:
    """The PDF with a PAdES signature appended as an incremental update (the original bytes
    stay in front, untouched)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    signer, timestamper = seal.signer_and_timestamper()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason)
    try:
        output = off_loop(signers.PdfSigner(metadata, signer=signer,
                                            timestamper=timestamper).sign_pdf, writer)
    except TimestampRequestError as exc:
        raise TimestampFailed(str(exc.__cause__ or exc)) from exc
    return output.getvalue()


class TimestampFailed(Exception):
    """The timestamp service did not answer or refused the request."""


def sign_files(files: dict[str, bytes], seal: Seal, reason: str, signing: Signing,
               root: Path, report: Report) -> dict[str, bytes]:
    """`files` with every PDF signed (the other files as they are).

    A PDF whose unsigned bytes were signed by the same key before is taken from
    `.gazette-cache/signed/` (signing costs ~0.2 s a PDF, most of an unchanged build): its
    signature still holds, and an unchanged PDF stays byte-identical from build to build. A
    timestamp service that does not answer is an error at its site.yaml line."""
    cache = root / SIGNED_CACHE
    identity = seal.certificate_pem + f"|{signing.timestamp_url}|{reason}".encode()
    signed, used = {}, set()
    for path, data in files.items():
        if not path.endswith(".pdf"):
            signed[path] = data
            continue
        entry = cache / f"{hashlib.sha256(identity + data).hexdigest()}.pdf"
        used.add(entry.name)
        try:
            signed[path] = entry.read_bytes()
            continue
        except OSError:
            pass
        try:
            signed[path] = sign_pdf(data, seal, reason)
        except TimestampFailed as exc:
            report.error(root / "site.yaml", signing.line("timestamp_url"), "timestamp_url",
                         f"the timestamp service {signing.timestamp_url} did not answer "
                         f"({exc}); the PDFs were not signed")
            return files
        _store(entry, signed[path])
    for old in cache.glob("*.pdf") if cache.is_dir() else ():
        if old.name not in used:  # the cache holds the current build's PDFs only
            old.unlink(missing_ok=True)
    return signed


def _store(entry: Path, data: bytes) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    temporary = entry.with_name(f".{entry.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, entry)


VERIFY_DIR = "verify/"  # the page explaining verification and the certificates readers need


def published_files(site, env, seal: Seal) -> dict[str, bytes]:
    """The verification page and the certificates it offers: the office's own and the CA
    certificates of `signing.trust`, by their file names."""
    from ..render import year_menu  # here: config imports this module, render the stages

    config = site.config
    signing = config.signing
    trust = {f"{VERIFY_DIR}{path.name}": path.read_bytes() for path in signing.trust}
    files = {f"{VERIFY_DIR}office-certificate.pem": seal.certificate_pem, **trust}
    page = env.get_template("verify.html").render(
        config=config, years=site.years, root="../",
        menu=year_menu(env, config, site.years)("../"), page_title="核验电子签名",
        canonical=VERIFY_DIR, subject=seal.subject,
        certificates=sorted(path.name for path in signing.trust),
        timestamped=bool(signing.timestamp_url))
    files[f"{VERIFY_DIR}index.html"] = page.encode("utf-8")
    return files
