"""The public application form (/apply) and the status check by number (/apply/status): no login.

* The customer identifies with an account number plus a phone or e-mail on file. A wrong contact and an
  account that does not exist get the same reply (and run the same queries), so the form tells nobody
  which account numbers exist.
* CSRF without a session: a signed double-submit token — a random nonce and its HMAC under the server's
  key, in a cookie and in the form; both must be equal and the signature right.
* Every try counts against an hourly limit per client address and per account number (429 past it).
* Attachments are read as a stream with a size cap, their type is told from their first bytes (never from
  what the browser claims), and they are stored in the database: no path is ever built from a name sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

import aiohttp_jinja2
from aiohttp import BodyPartReader, web
from multidict import MultiDict

from crm_store import applications, applications_work
from crm_store.applications import NewAttachment
from crm_store.errors import NotFound
from crm_store.phones import normalize_phone
from crm_store.records import ApplicationRecord
from workstation.applications_filing import file_application
from workstation.errors import WorkstationError

from . import keys
from .auth import client_ip, cookie_secure
from .filing import customer_mail

routes = web.RouteTableDef()
COOKIE = "ccdesk_apply"
TEXT_PART_LIMIT = 20_000  # bytes of one text field of the form
TEXT_LIMIT = 5000
MAX_PARTS = 60
MAX_FILES = 20  # past the type's own limit only to say "too many" rather than fail to read
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}$")


class FormProblem(Exception):
    def __init__(self, code: str, status: int = 400, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


# ------------------------------------------------------------------ CSRF (signed double submit)


def _sign(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_token(secret: bytes) -> str:
    nonce = secrets.token_urlsafe(18)
    return f"{nonce}.{_sign(secret, nonce)}"


def token_valid(secret: bytes, cookie: str, sent: str) -> bool:
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        return False
    nonce, _, sig = sent.partition(".")
    return bool(nonce) and hmac.compare_digest(sig, _sign(secret, nonce))


def _token_for(request: web.Request) -> str:
    secret = request.app[keys.APPLY_SECRET]
    current = request.cookies.get(COOKIE, "")
    return current if token_valid(secret, current, current) else new_token(secret)


def _render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    token = _token_for(request)
    t = request.app[keys.TRANSLATE]
    types = request.app[keys.APPLICATION_TYPES]
    response = aiohttp_jinja2.render_template(
        template,
        request,
        {
            "t": t,
            "lang": "ru",
            "form_token": token,
            "types": types.for_channel("web"),
            "accept": types.accept,
            **context,
        },
        status=status,
    )
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Strict", secure=cookie_secure(request.app[keys.SETTINGS]), path="/apply"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ reading the form


def _clean_name(raw: str) -> str:
    """For display only (the file is kept in the database under an id): the last part of the name."""
    name = PurePosixPath(unquote(raw).replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable())
    return name[-200:] or "file"


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in MAGIC if data.startswith(magic)), None)


async def read_form(request: web.Request, max_bytes: int, max_files: int) -> tuple[MultiDict[str], list[Upload]]:
    """The form's text fields and its files, each capped; urlencoded forms (no files) too."""
    if request.content_type == "application/x-www-form-urlencoded":
        if (request.content_length or 0) > TEXT_PART_LIMIT * 4:
            raise FormProblem("form_too_big", 413)
        posted = await request.post()
        return MultiDict((k, v) for k, v in posted.items() if isinstance(v, str)), []
    if request.content_type != "multipart/form-data":
        raise FormProblem("form_not_a_form", 400)
    fields: MultiDict[str] = MultiDict()
    files: list[Upload] = []
    reader = await request.multipart()
    for _ in range(MAX_PARTS):
        part = await reader.next()
        if part is None:
            return fields, files
        if not isinstance(part, BodyPartReader) or not part.name:
            raise FormProblem("form_not_a_form", 400)
        limit = max_bytes if part.filename is not None else TEXT_PART_LIMIT
        data = bytearray()
        while chunk := await part.read_chunk(65536):
            data.extend(chunk)
            if len(data) > limit:
                if part.filename is not None:
                    raise FormProblem("attachment_too_big", 413, max_kb=max_bytes // 1024)
                raise FormProblem("form_too_big", 413)
        if part.filename is not None:
            if not data:
                continue  # an empty file input
            if len(files) >= max_files:
                raise FormProblem("too_many_attachments", 400, max=max_files)
            kind = sniff(bytes(data))
            if kind is None or kind not in request.app[keys.APPLICATION_TYPES].accept:
                raise FormProblem("attachment_wrong_type", 415)
            files.append(Upload(filename=_clean_name(part.filename), content_type=kind, data=bytes(data)))
        else:
            try:
                fields.add(part.name, data.decode("utf-8"))
            except UnicodeDecodeError:
                raise FormProblem("form_not_a_form", 400) from None
    raise FormProblem("form_too_big", 413)


def _text(fields: MultiDict[str], name: str, limit: int = 200) -> str:
    value = fields.get(name, "").strip()
    if "\x00" in value or len(value) > limit:
        raise FormProblem("invalid_input", 400, field=name)
    return value


def _contact(raw: str) -> tuple[str | None, str | None]:
    """(E.164 phone, e-mail) from what the customer typed; both None when it is neither."""
    if "@" in raw:
        return None, (raw.lower() if _EMAIL.match(raw) else None)
    return normalize_phone(raw), None


async def _identify(request: web.Request, fields: MultiDict[str]) -> tuple[str, Any]:
    account_number = _text(fields, "account", 32)
    contact = _text(fields, "contact", 200)
    if not account_number or not contact:
        raise FormProblem("identify_required", 400)
    limit = request.app[keys.APPLY_LIMIT]
    if not limit.allow(address=client_ip(request), account=account_number, now=request.app[keys.CLOCK]()):
        raise FormProblem("too_many_tries", 429)
    phone, email = _contact(contact)
    account = await applications_work.identify(request.app[keys.DB], account_number, phone, email)
    return account_number, account


def _check_csrf(request: web.Request, fields: MultiDict[str]) -> None:
    if not token_valid(request.app[keys.APPLY_SECRET], request.cookies.get(COOKIE, ""), fields.get("csrf_token", "")):
        raise FormProblem("form_expired", 403)


def _problem(request: web.Request, template: str, problem: FormProblem, values: dict[str, str]) -> web.Response:
    t = request.app[keys.TRANSLATE]
    text = t(f"apply.error.{problem.code}")
    for key, value in problem.params.items():
        if isinstance(value, str | int):
            text = text.replace("{" + key + "}", str(value))
    field_errors = problem.params.get("fields")
    response = _render(
        request,
        template,
        {"error": text, "error_code": problem.code, "values": values, "field_errors": field_errors or {}},
        status=problem.status,
    )
    if problem.status == 429:
        response.headers["Retry-After"] = "3600"
    return response


# ------------------------------------------------------------------ pages


@routes.get("/apply")
async def apply_form(request: web.Request) -> web.Response:
    return _render(request, "apply.html", {"values": {}, "field_errors": {}})


@routes.post("/apply")
async def apply_submit(request: web.Request) -> web.Response:
    types = request.app[keys.APPLICATION_TYPES]
    values: dict[str, str] = {}
    try:
        fields, files = await read_form(request, types.max_bytes, max_files=MAX_FILES)
        values = {k: v for k, v in fields.items() if k != "csrf_token" and len(v) <= TEXT_LIMIT}
        _check_csrf(request, fields)
        type_code = _text(fields, "type", 64)
        text = _text(fields, "text", TEXT_LIMIT)
        app_type = types.get(type_code)
        if app_type is None or "web" not in app_type.channels:
            raise FormProblem("unknown_application_type", 400)
        _account_number, account = await _identify(request, fields)
        if account is None:
            raise FormProblem("not_identified", 400)
        _phone, email = _contact(_text(fields, "contact", 200))  # identified by e-mail: the receipt goes there
        prefix = f"{type_code}."
        form_fields = {k[len(prefix) :]: v for k, v in fields.items() if k.startswith(prefix)}
        try:
            filed = await file_application(
                request.app[keys.DB],
                types=types,
                rules=request.app[keys.RULES],
                channel="web",
                type_code=type_code,
                now=request.app[keys.CLOCK](),
                text=text,
                fields=form_fields,
                customer_id=account.customer_id,
                account_id=account.id,
                attachments=[
                    NewAttachment(filename=f.filename, content_type=f.content_type, data=f.data) for f in files
                ],
                mail=customer_mail(request.app),
                reply_to=email,
            )
        except WorkstationError as exc:
            raise FormProblem(exc.code, 400, **exc.params) from None
    except FormProblem as problem:
        return _problem(request, "apply.html", problem, values)
    await request.app[keys.APPLICATION_WORK].announce_record(filed.application)
    # Post/redirect/get: reloading the receipt must not file the application again. The link is signed, so
    # only whoever filed it sees the receipt.
    number = filed.application.number
    sig = _sign(request.app[keys.APPLY_SECRET], f"receipt:{number}")
    raise web.HTTPSeeOther(f"/apply/receipt?number={number}&sig={sig}")


@routes.get("/apply/receipt")
async def receipt(request: web.Request) -> web.Response:
    number = request.query.get("number", "")[:32]
    sig = request.query.get("sig", "")[:64]
    found: ApplicationRecord | None = None
    if number and hmac.compare_digest(sig, _sign(request.app[keys.APPLY_SECRET], f"receipt:{number}")):
        try:
            found = await applications.get_application(request.app[keys.DB], number=number)
        except NotFound:
            found = None
    if found is None:
        raise web.HTTPNotFound(text="no such receipt")
    types = request.app[keys.APPLICATION_TYPES]
    app_type = types.get(found.type)
    zone = types.calendar.timezone
    return _render(
        request,
        "apply_done.html",
        {
            "receipt": {
                **found.to_json(),
                "type_title": app_type.title if app_type else found.type,
                "department_title": request.app[keys.RULES].departments.get(found.department_queue or "", ""),
            },
            "filed_at": found.created_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            "due": found.due_at.astimezone(zone).strftime("%d.%m.%Y %H:%M") if found.due_at else "",
        },
    )


@routes.get("/apply/status")
async def status_form(request: web.Request) -> web.Response:
    return _render(request, "apply_status.html", {"values": {}, "field_errors": {}})


@routes.post("/apply/status")
async def status_check(request: web.Request) -> web.Response:
    values: dict[str, str] = {}
    try:
        fields, _files = await read_form(request, 0, max_files=0)
        values = {k: v for k, v in fields.items() if k != "csrf_token" and len(v) <= 200}
        _check_csrf(request, fields)
        number = _text(fields, "number", 32)
        _account_number, account = await _identify(request, fields)
        found: ApplicationRecord | None = None
        if number:
            try:
                found = await applications.get_application(request.app[keys.DB], number=number)
            except NotFound:
                found = None
        # The same answer for an unknown number, someone else's application and unmatched details.
        if account is None or found is None or found.account_id != account.id:
            raise FormProblem("status_not_found", 404)
    except FormProblem as problem:
        return _problem(request, "apply_status.html", problem, values)
    history = await applications_work.history(request.app[keys.DB], found.id)
    types = request.app[keys.APPLICATION_TYPES]
    app_type = types.get(found.type)
    # What the customer sees: the status at each step, and the words written for them on the closing steps.
    steps: list[dict[str, Any]] = []
    for h in history:
        if steps and steps[-1]["status"] == h.status:
            continue  # taken, assigned, moved: the status the customer sees did not change
        steps.append({"status": h.status, "at": h.at, "comment": h.comment if h.status in PUBLIC_COMMENTS else ""})
    return _render(
        request,
        "apply_status.html",
        {
            "values": values,
            "field_errors": {},
            "found": found,
            "type_title": app_type.title if app_type else found.type,
            "steps": steps,
            "timezone": types.calendar.timezone,
        },
    )


PUBLIC_COMMENTS = frozenset({"waiting_customer", "resolved", "rejected"})
