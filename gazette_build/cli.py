"""The `gazette` command: build, check, serve, verify, import, new. Exit 0 ok, 1 content or build
errors, 2 usage.

Only this module prints or exits; every problem is printed as `path:line: field: message`.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import BuildFailed, Diagnostic, Report, sorted_diagnostics
from .textcheck import for_terminal

if TYPE_CHECKING:
    from .alongside import Standby
    from .sourcedigests import SourceDigests


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gazette", description="Build the web and print editions of the gazette archive "
        "kept in the current folder (site.yaml, content/, layouts/, assets/).")
    parser.add_argument("--version", action="version", version=f"gazette {__version__}")
    parser.add_argument("--site", type=Path, default=Path("."),
                        help="the site folder (default: the current folder)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    build = commands.add_parser("build", help="build the site and the PDFs into the output folder")
    build.add_argument("--out", type=Path, help="output folder (default: site.yaml's output)")
    build.add_argument("--no-pdf", action="store_true",
                       help="web edition only (pages carry no printed page numbers)")
    build.add_argument("--no-search", action="store_true",
                       help="leave the search index out (a quick look at the pages; the "
                       "published site needs it)")
    build.add_argument("--press", action="store_true",
                       help="also write press copies of the PDFs (3 mm bleed, crop marks)")
    build.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1,
                       help="processes converting the documents and laying out PDFs in parallel "
                       "(default: number of cores)")
    build.add_argument("--cluster", metavar="ADDRESS",
                       help="lay out PDFs on a Dask distributed cluster, e.g. "
                       "tcp://scheduler:8786 (workers must see the site folder at the same path)")
    commands.add_parser("check", help="validate the content and print every problem")
    verify = commands.add_parser(
        "verify", help="check the signatures of PDFs, or recompute a published issue's record")
    verify.add_argument("files", nargs="*", type=Path, metavar="FILE.pdf")
    verify.add_argument("--trust", type=Path, action="append", metavar="CA.pem",
                        help="a trusted CA certificate (default: site.yaml's signing.trust)")
    verify.add_argument("--issue", action="append", default=[], metavar="YYYY/NN",
                        help="recompute the record of a published issue")
    serve = commands.add_parser("serve", help="live preview for editors")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--no-pdf", action="store_true", help="do not refresh the PDFs")
    importing = commands.add_parser("import", help="import Word (.docx) 公文 into an issue")
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE.docx")
    importing.add_argument("--issue", metavar="YEAR/NN",
                           help="the issue folder, e.g. 2024/02 (default: the latest issue)")
    importing.add_argument("--replace", action="store_true",
                           help="replace a document imported before from the same 文号")
    new = commands.add_parser("new", help="create a site folder or the next issue")
    what = new.add_subparsers(dest="what", metavar="WHAT", required=True)
    new_site = what.add_parser("site", help="a new site folder that builds at once")
    new_site.add_argument("dir", type=Path, metavar="DIR")
    what.add_parser("issue", help="the next issue folder, numbered on from the archive")
    return parser


def run() -> None:
    """The `gazette` command. A process that ends need not free its objects one by one (~100 MB
    of records after a build at 1,500 documents: 5 % of an edit's rebuild, measured): once its
    output is flushed it exits at once and the system takes the memory back. Not `serve`, whose
    preview worker and server threads end through the interpreter's own exit."""
    try:
        args = _parser().parse_args(sys.argv[1:])
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        sys.exit(exc.code)
    code = _run_command(args)
    if args.command == "serve":
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code or 0)
    return _run_command(args)


def _run_command(args: argparse.Namespace) -> int:
    try:
        root = args.site.resolve()
    except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
        root = None
    if root is None or args.command != "new" and not _is_folder(root):  # a usage error
        print(f"gazette: --site {args.site}: no such folder", file=sys.stderr)
        return 2
    try:
        if args.command == "check":
            return _check(root)
        if args.command == "build":
            return _build(root, args)
        if args.command == "verify":
            return _verify(root, args)
        if args.command == "serve":
            from .server import serve
            return serve(root, host=args.host, port=args.port, with_pdf=not args.no_pdf)
        if args.command == "import":
            return _import(root, args)
        if args.command == "new":
            return _new(root, args)
    except BuildFailed as failure:
        _print_diagnostics(failure.diagnostics)
        errors = sum(not d.is_warning for d in failure.diagnostics)
        _say(f"gazette: {errors} error{'s' * (errors != 1)}; nothing was written")
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as exc:  # the disk, not the content: say what and where, no traceback
        _say(f"gazette: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return 1
    return 2


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long for the file system, say
        return False


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:  # 0: any free port
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got '{text}'")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got '{text}'")
    return int(text)


def _check(root: Path) -> int:
    from .config import check_footer
    from .site import check_links, load_site

    report = Report(root)
    site = load_site(root, report, jobs=os.cpu_count() or 1)  # one-shot: every core converts
    check_footer(root, report)
    check_links(root, site, report)
    _print_diagnostics(sorted_diagnostics(report.diagnostics))
    count = len(report.warnings)
    _say(f"gazette check: no errors, {count} warning{'s' * (count != 1)}")
    return 0


def _build(root: Path, args: argparse.Namespace) -> int:
    from . import alongside, buildlock, interruption, sourcedigests, uptodate
    from .sourcedigests import SourceDigests

    try:
        out = _output_path(args.out) if args.out else None
    except (OSError, RuntimeError) as exc:  # a loop of links
        why = getattr(exc, "strerror", None) or exc
        print(f"gazette: --out {args.out}: not a usable folder ({why})", file=sys.stderr)
        return 2
    chosen = uptodate.options(out=out, with_pdf=not args.no_pdf, with_search=not args.no_search,
                              press=args.press)

    def record(order: bytes) -> bytes:
        """The output's record, made in the standby child from what `published` sends it; the
        files' digests from the table the build saved just before."""
        told = json.loads(order)
        uptodate.record(root, chosen, told["inputs"], Path(told["written"]), told["summary"],
                        SourceDigests.load(root))
        return b""

    with interruption.watched():
        lock = buildlock.hold(root, _say)  # a second build of the site waits for this one
        # the output's record is made beside the memo's save by a child forked now, while this
        # process is at its smallest (~4 ms, even with nothing to build; forked after the
        # files' digests and the renderer, it kept 23 MiB of its own through a build of 15,000
        # documents): a child forked at the end would keep a copy of every page of the
        # parent's heap the save writes to (+120 MiB at 15,000 documents, beside a whole memo's)
        standby = alongside.Standby(record, name="gazette-record")
        try:
            sources = SourceDigests.load(root)  # each file's sha256, kept while it is unchanged
            if sources.damaged:
                _say(f"warning: {sourcedigests.TABLE}:1: cache: damaged (it does not match its "
                     "SHA-256); dropped, every source file is read again")
            code = _build_unless_unchanged(root, args, out, chosen, sources, standby)
            sources.save()  # not after a failed build: it writes nothing into the site (tested)
        except BaseException:
            if standby.sent:  # told to record, then the command failed (or Ctrl-C): the next
                standby.result()  # build must not take it as done
                uptodate.drop(root, chosen)
            raise
        finally:
            standby.cancel()  # given no work (nothing changed, a failed build, one that signs)
            if lock is not None:
                lock.close()
        # Ctrl-C came after the new site was put in place, its KeyboardInterrupt swallowed by a
        # finaliser: the site is whole, but the command says it was interrupted
        return 130 if interruption.pressed() else code


def _output_path(given: Path) -> Path:
    """`--out` resolved; a loop of links raises (RuntimeError before Python 3.13, which returns
    the path unresolved: its stat() then fails with ELOOP)."""
    out = given.resolve()
    try:
        os.stat(out)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise
    return out


def _build_unless_unchanged(root: Path, args: argparse.Namespace, out: Path | None,
                            chosen: dict, sources: SourceDigests, standby: Standby) -> int:
    from . import alongside, uptodate

    inputs = uptodate.inputs_digest(root, chosen, sources)  # before the build reads anything
    last = uptodate.matches(root, chosen, inputs)
    if last is not None:
        return _unchanged(root, last)
    sources.vouch()  # the files just found unchanged are not opened again by the build
    import gc

    from .site import build
    from .texts import DamagedText

    def told(result) -> dict:
        """What the record of this build's output is made from besides the files: the inputs
        it started from, where its output is (as given) and what the command said."""
        written = args.out.absolute() if args.out else result.site.config.output_as_written
        return {"inputs": inputs, "written": str(written), "summary": {
            "counts": _counts(result), "warnings": [str(w) for w in result.warnings]}}

    recording: list[tuple[alongside.Standby, int]] = []  # the child, the warnings it records
    deleting: list[alongside.Child] = []

    def published(result, discard) -> None:
        """The output is in place: the standby child records it while this process saves its
        memo, and another deletes the old site, if `discard` is given for it to."""
        if result.site.config.signing is None and not standby.sent:
            sources.save()  # the digests this build took, for the child to read
            standby.send(json.dumps(told(result)).encode())
            recording.append((standby, len(result.warnings)))
        if discard is not None:
            deleting.append(alongside.Child(lambda: discard() or b""))

    # what is loaded lives until the process ends: frozen, the collector stops walking it
    # again and again (at 1,500 documents 0.18 s of an edit's rebuild went to scanning the
    # stored memo; at 15,000, 1.6 s of the cold build to two full collections of the archive)
    def run():
        return build(root, out=out, with_pdf=not args.no_pdf, jobs=args.jobs, press=args.press,
                     stored=True, cluster=args.cluster, with_search=not args.no_search,
                     progress=lambda message: _say(f"gazette: {message}"), sources=sources,
                     loaded=gc.freeze, published=published)

    try:
        result = run()
    except DamagedText as exc:  # a stored text changed since its shard was written: nothing
        from . import memostore  # was published; the build starts again without the memo

        _say(f"warning: {Report(root).relative(Path(exc.path))}:1: cache: damaged (a text "
             "does not match its digest); dropped, the build starts again without the stored "
             "results")
        memostore.forget(root)
        gc.unfreeze()  # what the first attempt loaded can go
        result = run()
    _print_diagnostics(result.warnings)
    target = out or result.site.config.output_dir
    _say(f"gazette: {_counts(result)} in {result.seconds:.1f}s → {target}")
    if result.site.config.signing is not None:
        uptodate.forget(root)
    elif not recording:  # not told to the standby (a build that wrote an issue's record)
        record = told(result)  # a build that signs opens its key every time: it leaves none
        uptodate.record(root, chosen, inputs, Path(record["written"]), record["summary"],
                        sources)
    for child in deleting:  # the old site is gone before the command ends
        child.result()
    for child, recorded in recording:
        child.result()
        # a warning given after the output was recorded (the memo could not be saved): the
        # record would not say it again
        if len(result.warnings) != recorded:
            uptodate.drop(root, chosen)
    return 0


def _counts(result) -> str:
    issues = len(result.site.issues)
    documents = sum(len(issue.documents) for issue in result.site.issues)
    return f"{issues} issues, {documents} documents, {result.pages} pages, {result.pdfs} PDFs"


def _unchanged(root: Path, last: dict) -> int:
    """A build whose inputs and output are those of the last one: it says what that build said
    and leaves the output as it is (what interrupted builds left beside it and in the print
    cache is still removed)."""
    from .printed.cache import remove_abandoned
    from .swap import MARKER, recover

    recover(Path(last["target"]), MARKER)
    remove_abandoned(root)
    for line in last["summary"]["warnings"]:
        _say(line)
    _say(f"gazette: {last['summary']['counts']}: nothing changed since the last build → "
         f"{last['target']}")
    return 0


def _verify(root: Path, args: argparse.Namespace) -> int:
    """Exit 0 only when every file is intact and trusted and every issue matches its record."""
    from .record import verification

    if not args.files and not args.issue:
        print("gazette verify: name PDF files or --issue YYYY/NN", file=sys.stderr)
        return 2
    ok = True
    if args.files:
        trust = args.trust or _site_trust(root)
        if trust is None:
            print("gazette verify: no trusted certificate: give --trust CA.pem or run in a site "
                  "folder whose site.yaml has signing.trust", file=sys.stderr)
            return 2
        try:
            roots = verification.load_roots(trust)
        except ValueError as exc:
            print(f"gazette verify: {exc}", file=sys.stderr)
            return 2
        for path in args.files:
            verdict = verification.verify_pdf(path, roots)
            print("\n".join(verdict.lines()))
            ok &= verdict.ok
    for key in args.issue:
        from .record import recompute
        lines, matches = recompute.verify_issue(root, key)
        print("\n".join(lines))
        ok &= matches
    return 0 if ok else 1


def _site_trust(root: Path) -> list[Path] | None:
    from .config import load_config

    config = load_config(root, Report(root)) if (root / "site.yaml").is_file() else None
    return list(config.signing.trust) if config and config.signing else None


def _import(root: Path, args: argparse.Namespace) -> int:
    from .importer import import_documents
    from .scaffold import issue_folder

    report = Report(root)
    folder = issue_folder(root, args.issue, report)
    if folder is None:
        _print_diagnostics(report.diagnostics)
        return 2
    written = import_documents([f.resolve() for f in args.files], folder, report, args.replace)
    _print_diagnostics(report.diagnostics)
    for path in written:
        _say(f"gazette: imported {report.relative(path)}")
    failed = len(args.files) - len(written)
    if failed:
        print(f"gazette: {failed} of {len(args.files)} file{'s' * (len(args.files) != 1)} "
              "not imported", file=sys.stderr)
    return 1 if failed else 0


def _new(root: Path, args: argparse.Namespace) -> int:
    from . import scaffold

    report = Report(root)
    if args.what == "site":
        made = args.dir.resolve() if scaffold.new_site(args.dir.resolve(), report) else None
    else:
        made = scaffold.new_issue(root, report)
    _print_diagnostics(report.diagnostics)
    if made is None:
        return 1
    _say(f"gazette: created {report.relative(made)}")
    return 0


def _print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        _say(str(diagnostic))


def _say(message: str) -> None:
    """Print to the terminal with control characters escaped: a field holding an escape
    sequence must not clear the screen or reorder the lines after it."""
    print(for_terminal(message), file=sys.stderr)
