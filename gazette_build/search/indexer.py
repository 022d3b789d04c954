"""Pagefind's indexer: one process per build, in its service mode, started as the build begins.

Pagefind's extended binary loads its Chinese dictionary when it first segments a page: ~0.2 s
of the 0.28 s its own command took for the newest issue's part of the index after an edit at
1,500 documents, while the build waited. Started as the build begins (`pagefind --service`)
and given a line in the site's language at once, it loads the dictionary on the other core
while the build reads its stored results and documents; the first part of the index to make
is then asked for in four requests: a new index, the folder of its pages, the bundle written to
a folder, the index deleted. Each later part is Pagefind's command over its folder, started when
the build comes to it: the service holds more memory than the command for the same pages (302
vs 270 MB for 425 pages; a cold build's peak at 1,500 documents 457 MiB with one service for
all its parts, 436 MiB with one service per part, 388 MiB with the command), and a later part
gains nothing from a warm start (its dictionary loads while it indexes hundreds of pages). The bundle is the command's (`--site` and
`--output-path`, same options): compared file for file, it differs only where the command's
own runs differ from each other (the names Pagefind gives some files).

The protocol is Pagefind's (`pagefind/src/service`): each message is JSON in base64 ended by
a comma, on the process's stdin and stdout. The service takes the requests one at a time, in
the order sent (one indexing at a time uses every core), and numbers its indexes in the order
they were asked for, 0 the warm-up's: a part's requests go at once, none waits for an answer.
Closing its stdin ends it at once, whatever it was doing: it is closed (`release`) only once
every answer wanted has come; `close` kills it if it is still there (a build that failed).
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WARM_UP = "晋中市人民政府公报"  # any text in the site's language: it loads the dictionary


class IndexerFailed(Exception):
    """What to tell the user: the indexer could not run, failed or said an error."""


@dataclass
class Request:
    """One part asked of the indexer: the folder of its pages, the folder its bundle is
    written to, and once sent, its messages' numbers and its index's number."""

    pages: Path
    output: Path
    messages: range | None = None
    index_id: int = 0


class Indexer:
    """The build's Pagefind processes, their pages and bundles in `folder`; `close` it whatever
    happens (what still runs is killed, the folder removed). The first part goes to the
    service started with the build, each later one to Pagefind's command, started when the
    build comes to it. A binary that cannot be started is kept as the failure each part
    reports."""

    def __init__(self, binary: Path | None, language: str, folder: Path) -> None:
        self.binary, self.language = binary, language.lower()
        self.folder = folder  # its own, removed by `close`
        self.process: subprocess.Popen | None = None
        self.done: list[subprocess.Popen] = []  # the commands, reaped by `close`
        self.failure: str | None = None
        self.sent = 0  # messages
        # what it prints goes to a file: a pipe nobody reads until the end could fill up
        self.said = tempfile.TemporaryFile("w+", dir=self.folder)
        self._start()
        self._new_index()
        self._send({"type": "AddRecord", "index_id": 0, "url": "/", "content": WARM_UP,
                    "language": self.language})

    def index(self, pages: Path, output: Path) -> Request:
        """Ask for the index of the pages in the folder `pages`, written into the folder
        `output` (where files Pagefind names after their contents are not written again:
        `reuse`): now from the process started with the build, if it has none yet, else
        when `bundle` comes to it."""
        request = Request(pages, output)
        if self.parts == 0:
            self._ask(request)
        return request

    def bundle(self, request: Request, timeout: float) -> Path:
        """The folder of the part's bundle, once the service or the command has written it;
        IndexerFailed where it could not run, stopped or answered an error."""
        if request.messages is None:
            return self._command(request, timeout)
        deadline = time.monotonic() + timeout
        for number in request.messages:
            answer = self._answer(number, deadline, timeout)
            if answer.get("type") == "Error":
                raise IndexerFailed(f"failed ({answer.get('message') or 'an error'})")
            if answer.get("type") == "NewIndex" and answer.get("index_id") != request.index_id:
                raise IndexerFailed(f"failed (index {answer.get('index_id')} made where "
                                    f"{request.index_id} was asked for)")
        return request.output

    def release(self) -> None:
        """Every answer wanted has come: the service is told to end (it exits at the end of its
        input, while the build publishes; `close` then only reaps it, where killing it and
        waiting for its end took ~18 ms at 1,500 documents)."""
        if self.process is not None and not self.stopped:
            self.stopped = True
            try:
                self.process.stdin.close()
            except OSError:
                pass

    def close(self) -> None:
        for process in [*self.done, self.process]:
            if process is None:
                continue
            if process.poll() is None:
                process.kill()
            process.wait()
            for pipe in filter(None, (process.stdin, process.stdout)):  # the service's
                try:
                    pipe.close()
                except OSError:  # what it could not be sent is dropped (broken pipe)
                    pass
        self.said.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _command(self, request: Request, timeout: float) -> Path:
        """Pagefind's command over the part's pages, once the service's parts are done (it is
        let go: its memory is freed before the command takes its own)."""
        self._settle(timeout)
        self.release()
        if self.failure is not None:
            raise IndexerFailed(self.failure)
        try:
            command = subprocess.Popen(
                [str(self.binary), "--site", str(request.pages), "--output-path",
                 str(request.output), "--force-language", self.language, "--silent"],
                stdin=subprocess.DEVNULL, stdout=self.said, stderr=subprocess.STDOUT)
        except OSError as exc:  # removed since the service started, say
            self.failure = f"could not run ({exc}); is the pagefind[extended] package installed?"
            raise IndexerFailed(self.failure) from None
        self.done.append(command)
        try:
            code = command.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.failure = f"failed (no answer in {timeout:.0f} s)"
            raise IndexerFailed(self.failure) from None
        if code != 0:
            self.failure = self._said(code)
            raise IndexerFailed(self.failure)
        return request.output

    def _settle(self, timeout: float) -> None:
        """Every answer the service owes read and kept for `bundle` before it is let go:
        closing its input ends it at once, whatever it was doing (a part it was given is
        asked for after a later one, whose part the memo held but could not use)."""
        if self.process is None or self.stopped or self.failure is not None \
                or self.received >= self.sent:
            return
        try:  # answered in order: the last one comes after all the others
            self.answers[self.sent] = self._answer(self.sent, time.monotonic() + timeout,
                                                   timeout)
        except IndexerFailed:  # kept as the failure each of its parts reports
            pass

    def _start(self) -> None:
        """The service process, its indexes numbered from 0."""
        self.process, self.parts, self.indexes = None, 0, 0
        self.answers: dict[int | None, dict] = {}
        self.received = 0  # the last message answered
        self.unread = b""
        self.stopped = False  # its stdin is closed: nothing more is sent
        try:
            if self.binary is None:
                raise FileNotFoundError("no pagefind binary")
            self.process = subprocess.Popen([str(self.binary), "--service"],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=self.said)
        except OSError as exc:
            self.failure = f"could not run ({exc}); is the pagefind[extended] package installed?"

    def _ask(self, request: Request) -> None:
        first = self.sent + 1
        request.index_id = self._new_index()
        self._send({"type": "AddDir", "index_id": request.index_id, "path": str(request.pages)})
        self._send({"type": "WriteFiles", "index_id": request.index_id,
                    "output_path": str(request.output)})
        self._send({"type": "DeleteIndex", "index_id": request.index_id})
        request.messages = range(first, self.sent + 1)
        self.parts += 1

    def _new_index(self) -> int:
        self._send({"type": "NewIndex", "config": {"force_language": self.language}})
        self.indexes += 1
        return self.indexes - 1

    def _send(self, payload: dict) -> None:
        self.sent += 1
        if self.process is None or self.stopped:
            return
        message = json.dumps({"message_id": self.sent, "payload": payload}).encode("utf-8")
        try:
            self.process.stdin.write(base64.b64encode(message) + b",")
            self.process.stdin.flush()
        except OSError:  # it has ended: its exit status and what it said tell why
            self.stopped = True

    def _answer(self, number: int, deadline: float, timeout: float) -> dict:
        """The answer to message `number`, read as the answers come (in order)."""
        if self.failure is not None:
            raise IndexerFailed(self.failure)
        while number not in self.answers:
            end = self.unread.find(b",")
            if end >= 0:
                try:
                    answer = json.loads(base64.b64decode(self.unread[:end]))
                except ValueError:  # not base64, not JSON: another program than Pagefind's
                    self.failure = "failed (an answer that is not Pagefind's: " \
                        f"{self.unread[:end][:60]!r})"
                    raise IndexerFailed(self.failure) from None
                self.unread = self.unread[end + 1:]
                self.answers[answer.get("message_id")] = answer.get("payload") or {}
                if isinstance(answer.get("message_id"), int):
                    self.received = max(self.received, answer["message_id"])
                continue
            left = deadline - time.monotonic()
            ready = select.select([self.process.stdout], [], [], max(left, 0))[0]
            chunk = os.read(self.process.stdout.fileno(), 1 << 16) if ready else None
            if chunk is None:
                self.failure = f"failed (no answer in {timeout:.0f} s)"
                raise IndexerFailed(self.failure)
            if not chunk:
                self.failure = self._ended()
                raise IndexerFailed(self.failure)
            self.unread += chunk
        return self.answers.pop(number)

    def _ended(self) -> str:
        """Why the service stopped answering: its exit status and the last of what it said."""
        return self._said(self.process.wait())

    def _said(self, code: int) -> str:
        self.said.seek(0)
        said = self.said.read().strip().splitlines()[-3:]
        return f"failed (exit {code}: {' '.join(said) or 'no message'})"
