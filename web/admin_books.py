"""The four books — routing rules, IVR menu, offers, talk scripts — as the admin console shows and replaces
them.

Where a version lives: the configured file (CCDESK_ROUTING_RULES …) or the one shipped in the package is
the base; a version uploaded in the console is stored in the database (crm_store.book_versions), never
written over a file of the installed package. At start-up (books_ctx, right after the database opens and
before anything reads a book) the newest stored version of each kind replaces the file's, so an upload
survives a restart and every worker of a scaled-out server starts with the same one; a running worker
takes up a version another worker stored within FOLLOW_EVERY seconds (follow_uploads, a kept task).

An upload is validated by the book's own loader first (errors name the line); only a book that loads is
stored and put in force, without a restart: the app state the handlers read per request is replaced, and
so are the references the long-lived services took at start-up — the IVR server's rules and menu (each
new call's session takes them) and its application filer, presence's after-call-work policy (the rules'
wrap_up_for), supervision's queue list, the department work, the mail intake (types and filer) and the
wallboard's queue titles and targets. The wallboard's day keeps the service-level thresholds and time zone
it is counted with until the next start (the console says so after a rules upload). The simulator's queues
are fixed at its start: a queue new in the rules is routed to, but the simulator only learns it at the next
start (a real Asterisk has its own queues.conf).

Uploaded rules are also checked against the books that depend on them (check_rules): every application
type's department, and the mail channel's default type.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import web

from crm_store import applications_work, book_versions
from crm_store.book_versions import BookVersionRecord
from ivr.errors import MenuError
from ivr.menu import DEFAULT_FILE as MENU_FILE
from ivr.menu import menu_from_text
from routing.book import read_book
from routing.errors import RuleSetError
from routing.rules import DEFAULT_FILE as RULES_FILE
from routing.rules import RuleSet, rules_from_text
from workstation.application_types import ApplicationTypesError, load_application_types
from workstation.errors import WorkstationError
from workstation.filing import TypedFiler
from workstation.offers import DEFAULT_FILE as OFFERS_FILE
from workstation.offers import OfferRulesError, parse_offers
from workstation.scripts import DEFAULT_FILE as SCRIPTS_FILE
from workstation.scripts import ScriptError, parse_scripts

from . import keys
from .settings import Settings

log = logging.getLogger(__name__)
FOLLOW_EVERY = 30.0  # seconds: how soon the other workers of a scaled-out server take up an upload
BOOK_ERRORS = (RuleSetError, MenuError, OfferRulesError, ScriptError)


class BookRejected(WorkstationError):
    """An uploaded book the loader refuses; `detail` is the loader's message (file, item and line)."""

    status = 422


def _offers(text: str, source: str) -> Any:
    return parse_offers(read_book(text, source, OfferRulesError).data, source=source, text=text)


def _scripts(text: str, source: str) -> Any:
    return parse_scripts(read_book(text, source, ScriptError).data, source=source, text=text)


@dataclass(frozen=True, slots=True, kw_only=True)
class BookKind:
    kind: str
    setting: Callable[[Settings], Path | None]
    package: str
    default: str
    parse: Callable[[str, str], Any]  # (text, source) -> the loaded book; raises one of BOOK_ERRORS


KINDS: dict[str, BookKind] = {
    k.kind: k
    for k in (
        BookKind(
            kind="rules",
            setting=lambda s: s.routing_rules,
            package="routing",
            default=RULES_FILE,
            parse=rules_from_text,
        ),
        BookKind(kind="menu", setting=lambda s: s.ivr_menu, package="ivr", default=MENU_FILE, parse=menu_from_text),
        BookKind(kind="offers", setting=lambda s: s.offers, package="workstation", default=OFFERS_FILE, parse=_offers),
        BookKind(
            kind="scripts", setting=lambda s: s.scripts, package="workstation", default=SCRIPTS_FILE, parse=_scripts
        ),
    )
}


@dataclass(frozen=True, slots=True, kw_only=True)
class BookInForce:
    kind: str
    source: str  # the file's path or the uploaded file's name
    text: str
    version: BookVersionRecord | None  # None: the configured (or shipped) file
    skipped_version: int | None = None  # a newer stored version that does not load (a later release's checks)

    def to_json(self, *, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "source": self.source,
            "origin": "upload" if self.version else "file",
            "version": self.version.to_json() if self.version else None,
        }
        if with_text:
            out["text"] = self.text
        return out


def file_text(kind: BookKind, settings: Settings) -> tuple[str, str]:
    """(source, text) of the configured file, or of the one shipped in the package."""
    path = kind.setting(settings)
    if path is None:
        return kind.default, resources.files(kind.package).joinpath(kind.default).read_text(encoding="utf-8")
    return str(path), Path(path).read_text(encoding="utf-8")


def parse(kind: str, text: str, source: str, settings: Settings | None = None) -> Any:
    """The loaded book, or BookRejected naming the line (the loader's message). Rules are also checked
    against what was loaded from other books at start and depends on them (`settings`' files; None: the
    shipped ones): see check_rules."""
    spec = KINDS.get(kind)
    if spec is None:
        raise BookRejected(f"unknown book {kind!r}", code="not_found")
    try:
        book = spec.parse(text, source)
    except BOOK_ERRORS as exc:
        raise BookRejected(str(exc), code="book_invalid", detail=str(exc)) from None
    if kind == "rules":
        check_rules(book, source, settings)
    return book


def check_rules(rules: RuleSet, source: str, settings: Settings | None) -> None:
    """What app.py checks at start, checked before an upload is put in force: every application type routes to
    a department of the new rules (else its applications would be filed to a department nobody has), and the
    mail channel's default type stays one of the rules' application types (its intake files by it)."""
    path = settings.application_types if settings is not None else None
    try:
        # The departments are checked here rather than by the loader (load_application_types(departments=…),
        # as app.py does at start): it stops at the first type and skips the check when the rules have none.
        types = load_application_types(path)
    except ApplicationTypesError as exc:  # the file changed since the start: names its line and the type
        raise _refused(f"{source}: the application types do not load: {exc}") from None
    missing: dict[str, list[str]] = {}
    for app_type in types.types.values():
        if app_type.department not in rules.departments:
            missing.setdefault(app_type.department, []).append(app_type.code)
    if missing:
        named = "; ".join(f"{dept!r} (types {', '.join(codes)})" for dept, codes in sorted(missing.items()))
        raise _refused(f"{source}: [departments] lacks the department(s) application types route to: {named}")
    if settings is not None and settings.mail_address and settings.mail_default_type not in rules.application_types:
        raise _refused(
            f"{source}: [application_types] lacks {settings.mail_default_type!r}, the mail channel's default type "
            "(CCDESK_MAIL_DEFAULT_TYPE)"
        )


async def check_departments_in_use(app: web.Application, rules: RuleSet, source: str) -> None:
    """An upload may not drop a department that open applications or active department users are in: they
    would be left in a department the work list, the reports and the reassign form no longer know."""
    in_use = await applications_work.departments_in_use(app[keys.DB])
    dropped = {d: what for d, what in in_use.items() if d not in rules.departments}
    if dropped:
        named = "; ".join(f"{d!r} ({what})" for d, what in sorted(dropped.items()))
        raise _refused(f"{source}: [departments] lacks department(s) still in use: {named}")


def _refused(message: str) -> BookRejected:
    return BookRejected(message, code="book_invalid", detail=message)


def install(app: web.Application, kind: str, book: Any) -> None:
    """Put a loaded book in force: the app state every handler reads per request, and the references the
    running services hold (see the module's docstring)."""
    key: Any = {"rules": keys.RULES, "menu": keys.MENU, "offers": keys.OFFERS, "scripts": keys.SCRIPTS}[kind]
    # aiohttp calls a change of a started app's state deprecated (it is meant for set-up); the books are
    # exactly the set-up an admin may now change at run time, and every reader looks them up per use.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        app[key] = book
    if kind == "rules":
        _install_rules(app, book)
    elif kind == "menu" and keys.IVR in app:
        app[keys.IVR].menu = book


def _install_rules(app: web.Application, rules: RuleSet) -> None:
    """Every service started with the rules takes the new ones (each is present only once its context ran)."""
    if keys.WORKSTATION in app:
        app[keys.WORKSTATION].presence_service.wrap_up = rules.wrap_up_for
    if keys.IVR in app:
        ivr = app[keys.IVR]
        ivr.rules = rules
        _refile(getattr(ivr.backend, "filer", None), rules)  # the IVR's applications (ivr_ctx's StoreBackend)
    if keys.SUPERVISION in app:
        app[keys.SUPERVISION].queues = rules.queues
    if keys.APPLICATION_WORK in app:
        app[keys.APPLICATION_WORK].rules = rules
    channel = app.get(keys.MAIL)
    if channel is not None:
        # check_rules kept the channel's default type among the new types.
        channel.intake.types = rules.application_types
        _refile(channel.intake.filer, rules)
    if keys.WALLBOARD_PUSHER in app:
        # Titles and targets show at once (pushed to the open pages). The day's figures
        # keep the thresholds and time zone they were folded with: changing them mid-day would count one day's
        # calls by two service levels, so those take effect at the next start (the console says so).
        app[keys.WALLBOARD_PUSHER].retitle(rules.queues, rules.targets_for)


def _refile(filer: object, rules: RuleSet) -> None:
    if isinstance(filer, TypedFiler):
        filer.rules = rules


async def upload(app: web.Application, kind: str, text: str, source: str, *, by_user_id: int) -> BookInForce:
    """Validate, store and put in force a new version; the old one stays in force when it does not load."""
    book = parse(kind, text, source, app[keys.SETTINGS])
    if kind == "rules":
        await check_departments_in_use(app, book, source)
    version = await book_versions.save_version(app[keys.DB], kind, source, text, by_user_id=by_user_id)
    install(app, kind, book)
    in_force = BookInForce(kind=kind, source=source, text=text, version=version)
    app[keys.BOOKS_IN_FORCE][kind] = in_force
    log.info("book %s replaced by upload %s (version %s)", kind, source, version.id)
    return in_force


async def books_ctx(app: web.Application) -> AsyncIterator[None]:
    """The newest uploaded version of each book replaces the configured file's, before anything reads it.
    A stored version that no longer loads (a later release validates more) is skipped with an error in
    the log: the file's version stays in force, and the console shows which one is. Then, every
    FOLLOW_EVERY seconds, a kept task takes up what another worker of a scaled-out server stored."""
    settings = app[keys.SETTINGS]
    in_force: dict[str, BookInForce] = {}
    for name, spec in KINDS.items():
        source, text = file_text(spec, settings)
        in_force[name] = BookInForce(kind=name, source=source, text=text, version=None)
    app[keys.BOOKS_IN_FORCE] = in_force
    await follow_uploads(app)

    async def loop() -> None:
        while True:
            await asyncio.sleep(FOLLOW_EVERY)
            try:
                await follow_uploads(app)
            except Exception:
                log.exception("checking for uploaded books failed; trying again in %s s", FOLLOW_EVERY)

    task = asyncio.create_task(loop(), name="follow uploaded books")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def follow_uploads(app: web.Application) -> list[str]:
    """Put in force each book whose newest stored version is not the one in force (stored by another
    worker, or found at start-up); returns the kinds replaced."""
    in_force = app[keys.BOOKS_IN_FORCE]
    replaced = []
    for name, (version, text) in (await book_versions.newest_versions(app[keys.DB])).items():
        current = in_force[name].version
        if current is not None and current.id >= version.id:
            continue
        if in_force[name].skipped_version == version.id:
            continue
        try:
            book = parse(name, text, version.source, app[keys.SETTINGS])
        except BookRejected as exc:
            in_force[name] = replace(in_force[name], skipped_version=version.id)  # logged once, not every check
            log.error(
                "uploaded %s version %s does not load, keeping %s: %s", name, version.id, in_force[name].source, exc
            )
            continue
        install(app, name, book)
        in_force[name] = BookInForce(kind=name, source=version.source, text=text, version=version)
        replaced.append(name)
    return replaced


def safe_source(name: str) -> str:
    """The uploaded file's name as errors will name it: its base name, printable, at most 100 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in "\"'<>")[:100].strip()
    return cleaned or "upload.toml"
