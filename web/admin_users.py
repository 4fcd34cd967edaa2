"""The admin console's users and desk phones: thin handlers over web/accounts.py (the CLI's path too),
crm_store.users and crm_store.desk_phones. Admins only; every change is audited by the store functions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from crm_store import desk_phones, users
from crm_store.errors import Conflict
from crm_store.records import UserRecord
from crm_store.vocabulary import Role, codes
from workstation.errors import WorkstationError

from . import accounts, keys, session_end
from .auth import require_role

routes = web.RouteTableDef()
ROLES = codes(Role)
MAX_SKILLS = 50


class AdminRefused(WorkstationError):
    status = 409


def require_admin(request: web.Request) -> UserRecord:
    return require_role(request, Role.ADMIN.value)


async def body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise WorkstationError("the body is not JSON", code="invalid") from None
    if not isinstance(data, dict):
        raise WorkstationError("the body must be a JSON object", code="invalid")
    return data


def _text(data: dict[str, Any], name: str, *, max_length: int = 200) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise WorkstationError(f"{name} must be a text of at most {max_length} characters", code="invalid")
    return value.strip()


def _words(data: dict[str, Any], name: str) -> list[str] | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, str):
        value = [w for w in (p.strip() for p in value.split(",")) if w]
    if not isinstance(value, list) or len(value) > MAX_SKILLS or not all(isinstance(v, str) for v in value):
        raise WorkstationError(f"{name} must be a list of names", code="invalid")
    return list(dict.fromkeys(v.strip() for v in value if v.strip()))


def _queues(request: web.Request, data: dict[str, Any]) -> list[str] | None:
    queues = _words(data, "queues")
    if queues is None:
        return None
    known = request.app[keys.RULES].queues
    unknown = [q for q in queues if q not in known]
    if unknown:
        raise WorkstationError(f"unknown queue {unknown[0]!r}", code="unknown_queue", queue=unknown[0])
    return queues


def _extension(data: dict[str, Any]) -> str | None:
    extension = _text(data, "extension", max_length=40)
    if extension:
        desk_phones.check_extension(extension)  # the CLI's check: a PJSIP endpoint name safe in AMI
    return extension


def _role(data: dict[str, Any]) -> str | None:
    role = _text(data, "role")
    if role is not None and role not in ROLES:
        raise WorkstationError(f"unknown role {role!r}", code="invalid")
    return role


def _department(request: web.Request, data: dict[str, Any], role: str | None) -> str | None:
    """The department (a department queue of the routing rules) of a department user; "" clears it when the
    role becomes another (None: unchanged). The department role needs one: its work list is the department's."""
    department = _text(data, "department", max_length=64)
    if role is not None and role != Role.DEPARTMENT:
        return ""  # only the department role has one
    if department and department not in request.app[keys.RULES].departments:
        raise WorkstationError(f"unknown department {department!r}", code="unknown_department", department=department)
    if role == Role.DEPARTMENT and department == "":
        raise WorkstationError("a department user needs a department", code="department_needed")
    return department


def _user_id(request: web.Request) -> int:
    return int(request.match_info["user_id"])


async def _rules_kept(call: Any) -> Any:
    """The store's refusals (a user rule, the name taken, the phone someone else's) as a 409 with the code
    and params the console translates."""
    try:
        return await call
    except Conflict as exc:
        raise AdminRefused(str(exc), code=exc.code, **exc.params) from None


@routes.get("/api/admin/users")
async def list_users(request: web.Request) -> web.Response:
    require_admin(request)
    rows = await users.list_users(request.app[keys.DB])
    return web.json_response(
        {
            "users": [u.to_json() for u in rows],
            "roles": list(ROLES),
            "queues": [{"name": n, "title": t} for n, t in request.app[keys.RULES].queues.items()],
            "departments": [{"name": n, "title": t} for n, t in request.app[keys.RULES].departments.items()],
        }
    )


@routes.post("/api/admin/users")
async def create_user(request: web.Request) -> web.Response:
    admin = require_admin(request)
    data = await body(request)
    username = _text(data, "username", max_length=64) or ""
    role = _role(data)
    if not username or role is None:
        raise WorkstationError("a user needs a name and a role", code="user_needs_name_and_role")
    department = _department(request, data, role)
    if role == Role.DEPARTMENT and not department:
        raise WorkstationError("a department user needs a department", code="department_needed")
    password = data.get("password")
    if not isinstance(password, str):
        raise WorkstationError("a user needs a password", code="password_too_short", min=8)
    user_id = await _rules_kept(
        accounts.add_user(
            request.app[keys.DB],
            username=username,
            role=role,
            password=password,
            full_name=_text(data, "full_name") or "",
            extension=_extension(data),
            queues=_queues(request, data),
            skills=_words(data, "skills"),
            department=department or None,
            by_user_id=admin.id,
        )
    )
    return web.json_response((await users.get_user(request.app[keys.DB], user_id)).to_json(), status=201)


@routes.post("/api/admin/users/{user_id:\\d{1,18}}")
async def edit_user(request: web.Request) -> web.Response:
    admin = require_admin(request)
    data = await body(request)
    role = _role(data)
    user = await _rules_kept(
        users.update_user(
            request.app[keys.DB],
            _user_id(request),
            full_name=_text(data, "full_name"),
            role=role,
            department=_department(request, data, role),
            extension=_extension(data),
            queues=_queues(request, data),
            skills=_words(data, "skills"),
            by_user_id=admin.id,
        )
    )
    return web.json_response(user.to_json())


@routes.post("/api/admin/users/{user_id:\\d{1,18}}/disable")
async def disable_user(request: web.Request) -> web.Response:
    """The user is out at once: sessions revoked, sockets dropped, phone out of its queues."""
    admin = require_admin(request)
    user, ended = await _rules_kept(accounts.disable(request.app[keys.DB], _user_id(request), by_user_id=admin.id))
    await session_end.end_sessions(request.app, user, ended)
    return web.json_response({**user.to_json(), "sessions_ended": len(ended)})


@routes.post("/api/admin/users/{user_id:\\d{1,18}}/enable")
async def enable_user(request: web.Request) -> web.Response:
    admin = require_admin(request)
    user = await accounts.enable(request.app[keys.DB], _user_id(request), by_user_id=admin.id)
    return web.json_response(user.to_json())


@routes.post("/api/admin/users/{user_id:\\d{1,18}}/password")
async def reset_password(request: web.Request) -> web.Response:
    admin = require_admin(request)
    password = (await body(request)).get("password")
    if not isinstance(password, str):
        raise WorkstationError("a new password is needed", code="password_too_short", min=8)
    user_id = _user_id(request)
    ended = await accounts.reset_password(request.app[keys.DB], user_id, password, by_user_id=admin.id)
    user = await users.get_user(request.app[keys.DB], user_id)
    await session_end.end_sessions(request.app, user, ended)
    return web.json_response({"sessions_ended": len(ended)})


@routes.get("/api/admin/phones")
async def list_phones(request: web.Request) -> web.Response:
    require_admin(request)
    return web.json_response([p.to_json() for p in await desk_phones.list_phones(request.app[keys.DB])])


@routes.post("/api/admin/phones")
async def add_phone(request: web.Request) -> web.Response:
    admin = require_admin(request)
    data = await body(request)
    phone = await _rules_kept(
        desk_phones.add_phone(
            request.app[keys.DB],
            _text(data, "extension", max_length=40) or "",
            label=_text(data, "label") or "",
            owner=_text(data, "owner", max_length=64) or None,
            by_user_id=admin.id,
        )
    )
    return web.json_response(phone.to_json(), status=201)


@routes.delete("/api/admin/phones/{extension}")
async def remove_phone(request: web.Request) -> web.Response:
    admin = require_admin(request)
    await desk_phones.remove_phone(request.app[keys.DB], request.match_info["extension"], by_user_id=admin.id)
    return web.json_response({"removed": request.match_info["extension"]})
