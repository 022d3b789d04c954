"""`gazette verify FILE.pdf…`: for each PDF, whether its signature is intact and covers the whole
file, who signed it and when, and whether the signer's certificate chains to the trusted CA
certificates (site.yaml's `signing.trust`, or the files given with --trust)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from .offloop import off_loop


@dataclass(frozen=True)
class Verdict:
    """What a reader needs to know about one PDF; `ok` only when intact and trusted."""

    path: Path
    intact: bool
    trusted: bool
    signer: str = ""
    signed_at: str = ""
    timestamped: bool = False
    problem: str = ""  # why not intact or not trusted, in words

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted

    def lines(self) -> list[str]:
        head = f"{self.path}: {'OK' if self.ok else 'FAILED'}"
        details = []
        if self.signer:
            details.append(f"  signer: {self.signer}")
        if self.signed_at:
            source = "RFC 3161 timestamp" if self.timestamped else "signer's clock, no timestamp"
            details.append(f"  signed: {self.signed_at} ({source})")
        details.append(f"  intact: {'yes, the signature covers the whole file' if self.intact else 'NO'}")
        details.append(f"  trusted: {'yes, the certificate chains to the trusted CA' if self.trusted else 'NO'}")
        if self.problem:
            details.append(f"  problem: {self.problem}")
        return [head, *details]


MAX_TRUST_FILE = 1 << 20  # bytes: a CA certificate is a few KB, a whole bundle of them ~200 KB


def load_roots(paths: list[Path]) -> list:
    """The trusted CA certificates; ValueError naming the file that is not one (read only
    when it is a file of at most `MAX_TRUST_FILE` bytes: `--trust /dev/zero` read on until
    the machine ran out of memory)."""
    from pyhanko.keys import load_certs_from_pemder

    roots = []
    for path in paths:
        try:
            if not path.is_file():
                raise ValueError("no such file" if not path.exists() else "not a file")
            if path.stat().st_size > MAX_TRUST_FILE:
                raise ValueError(f"{path.stat().st_size:,} bytes; a certificate file holds "
                                 "a few KB")
            certificates = list(load_certs_from_pemder([str(path)]))
            if not certificates:
                raise ValueError("it holds no certificate")
            for certificate in certificates:
                certificate.subject.human_friendly  # parse now: a bad file fails here
            roots.extend(certificates)
        except (ValueError, OSError, TypeError) as exc:
            raise ValueError(f"{path}: not a PEM or DER certificate ({exc})") from exc
    return roots


def verify_pdf(path: Path, roots: list) -> Verdict:
    """Check the last signature of the PDF at `path` against `roots`."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    # an office's seal certificate has digitalSignature, nonRepudiation or both
    KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                    match_all_key_usages=False)
    if path.exists() and not path.is_file():  # a device or a pipe reads without end
        return Verdict(path, False, False, problem="not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Verdict(path, False, False, problem=f"cannot read the file ({exc.strerror})")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        return Verdict(path, False, False, problem=f"not a readable PDF: the file is damaged "
                       f"or was changed ({exc})")
    if not signatures:
        return Verdict(path, False, False, problem="the PDF carries no signature")
    signature = signatures[-1]
    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        status = off_loop(validate_pdf_signature, signature, context,
                          key_usage_settings=KEY_USAGE)
    except Exception as exc:  # pyHanko raises many kinds on a damaged signature: all mean "no"
        return Verdict(path, False, False, problem=f"the signature cannot be checked: the file "
                       f"was changed or damaged after signing ({type(exc).__name__}: {exc})")
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    intact = bool(status.intact and status.valid and whole)
    trusted = bool(status.trusted)
    problems = []
    if not (status.intact and status.valid):
        problems.append("the signed bytes were changed after signing (the digest does not match)")
    elif not whole:
        problems.append("content was added after the signature")
    if not trusted and status.intact and status.valid:
        problems.append("the signer's certificate does not chain to the trusted CA certificates")
    timestamp = status.timestamp_validity
    when = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
    return Verdict(path, intact, trusted, status.signing_cert.subject.human_friendly,
                   when.isoformat(timespec="seconds") if when else "",
                   timestamp is not None and bool(timestamp.intact and timestamp.valid),
                   "; ".join(problems))
