"""First start: demo customers plus demo users with fresh random passwords, written to var/demo-logins.txt."""

from __future__ import annotations

import secrets
from pathlib import Path

from crm_store import users
from crm_store.db import Database
from crm_store.demo import CALL_QUEUES, DemoSpec, DemoSummary, generate, is_empty

from .passwords import hash_password_async

DEMO_USERS = (
    # username, role, full name, extension, queues
    ("operator1", "operator", "Анна Соколова", "1001", ("support", "billing", "meter")),
    ("operator2", "operator", "Игорь Белов", "1002", ("support", "debt")),
    ("operator3", "operator", "Мария Орлова", "1003", ("billing", "vip", "business")),
    ("supervisor", "supervisor", "Елена Смирнова", None, tuple(CALL_QUEUES)),
    ("admin", "admin", "Администратор", None, ()),
)
# Back-office staff working their department's applications (/work): username, full name, department.
DEMO_DEPARTMENT_USERS = (
    ("billing_clerk", "Ольга Кузнецова", "dept_billing"),
    ("metering_clerk", "Павел Зайцев", "dept_metering"),
)


async def create_demo_users(db: Database, logins_file: Path) -> list[tuple[str, str, str]]:
    """Create the demo users that do not exist yet; returns (username, role, password) of the new ones."""
    existing = {u.username for u in await users.list_users(db)}
    created = []
    for username, role, full_name, extension, queues in DEMO_USERS:
        if username in existing:
            continue
        password = secrets.token_urlsafe(9)
        await users.create_user(
            db,
            username=username,
            role=role,
            password_hash=await hash_password_async(password),
            full_name=full_name,
            extension=extension,
            queues=list(queues),
        )
        created.append((username, role, password))
    for username, full_name, department in DEMO_DEPARTMENT_USERS:
        if username in existing:
            continue
        password = secrets.token_urlsafe(9)
        await users.create_user(
            db,
            username=username,
            role="department",
            password_hash=await hash_password_async(password),
            full_name=full_name,
            department=department,
        )
        created.append((username, "department", password))
    if created:
        logins_file.parent.mkdir(parents=True, exist_ok=True)
        with logins_file.open("a", encoding="utf-8") as fh:
            for username, role, password in created:
                fh.write(f"{username:<12} {role:<11} {password}\n")
        logins_file.chmod(0o600)  # noqa: ASYNC240 (first start only)
    return created


async def first_start(db: Database, var_dir: Path, customers: int, seed: int = 1) -> DemoSummary | None:
    """Load demo data when the database has no customers yet; returns what was generated, or None."""
    await create_demo_users(db, var_dir / "demo-logins.txt")
    if not await is_empty(db):
        return None
    return await generate(db, DemoSpec(customers=customers, seed=seed))
