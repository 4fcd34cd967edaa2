"""The `ccdesk` command: serve, db, demo-data, import, user, pbx-sim."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from crm_store.db import Database, open_database
from crm_store.errors import ImportFailed, StoreError
from crm_store.importer.progress import ImportProgress

from . import log_privacy
from .settings import ConfigError, Settings, mask_url

log = logging.getLogger("ccdesk")


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="database URL (env CCDESK_DATABASE_URL; default sqlite:///var/ccdesk.db)"
    )


def _add_password_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="read the password from FILE ('-': standard input); else env CCDESK_USER_PASSWORD; else a prompt",
    )
    parser.add_argument("--password", help=argparse.SUPPRESS)  # deprecated: visible to `ps` and the history


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccdesk", description="Contact-center operator workstation with Asterisk CTI")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the workstation server")
    _add_db(serve)
    serve.add_argument("--host", help="HTTP address (env CCDESK_HOST; default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="HTTP port (env CCDESK_PORT; default 8080)")
    serve.add_argument("--pbx", help="'sim' (built-in simulator) or ami://USER@HOST:PORT (env CCDESK_PBX)")
    serve.add_argument(
        "--pbx-secret-file",
        type=Path,
        metavar="FILE",
        help="file holding the AMI secret (env CCDESK_PBX_SECRET_FILE, or the secret itself in CCDESK_PBX_SECRET)",
    )
    serve.add_argument("--agi-port", type=int, help="FastAGI port for the IVR (env CCDESK_AGI_PORT; default 4573)")
    serve.add_argument(
        "--redis", dest="redis_url", help="Redis URL for the event bus and Socket.IO (env CCDESK_REDIS_URL)"
    )
    serve.add_argument("--calls-per-minute", type=float, help="simulator traffic (env CCDESK_SIM_CALLS_PER_MINUTE)")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("upgrade", "migrate the schema to the current version"),
        ("current", "show the schema version"),
    ):
        p = db_sub.add_parser(name, help=text)
        _add_db(p)

    demo = sub.add_parser("demo-data", help="generate believable demo customers and demo users")
    _add_db(demo)
    demo.add_argument("--customers", type=int, default=5000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--interactions-per-customer", type=float, default=3.0)
    demo.add_argument("--if-empty", action="store_true", help="only when the database has no customers yet")

    imp = sub.add_parser("import", help="import customers or debts from CSV or .xlsx")
    _add_db(imp)
    imp.add_argument("kind", choices=("customers", "debts"))
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--errors", type=Path, metavar="REPORT", help="where to write rejected rows (default FILE.errors.csv)"
    )
    imp.add_argument("--columns", action="append", metavar="HEADER=FIELD", help="map a header to a field; repeatable")

    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create a user")
    _add_db(add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("operator", "supervisor", "admin", "department"))
    _add_password_source(add)
    add.add_argument("--full-name", default="")
    add.add_argument("--extension", help="the operator's phone extension (e.g. 1001)")
    add.add_argument("--queues", default="", help="comma-separated queues the operator works")
    add.add_argument("--department", help="a department user's department queue (e.g. dept_billing)")

    passwd = user_sub.add_parser("password", help="set a user's password (their sessions end)")
    _add_db(passwd)
    passwd.add_argument("name")
    _add_password_source(passwd)
    logout = user_sub.add_parser("logout", help="end every session of a user (log out everywhere)")
    _add_db(logout)
    logout.add_argument("name")

    phone = sub.add_parser("phone", help="the registry of desk phones operators may sign in at")
    phone_sub = phone.add_subparsers(dest="phone_command", required=True)
    phone_add = phone_sub.add_parser("add", help="register a phone (owned by --user, else shared)")
    _add_db(phone_add)
    phone_add.add_argument("extension")
    phone_add.add_argument("--user", help="the only user who may sign in there; omitted: any operator (hot desk)")
    phone_add.add_argument("--label", default="", help="where it is, e.g. 'room 2, desk 14'")
    phone_list = phone_sub.add_parser("list", help="list the registered phones")
    _add_db(phone_list)
    phone_remove = phone_sub.add_parser("remove", help="unregister a phone: nobody signs in there any more")
    _add_db(phone_remove)
    phone_remove.add_argument("extension")

    sim = sub.add_parser("pbx-sim", help="run the PBX simulator alone (speaks AMI over TCP)")
    try:
        from cti.sim.cli import add_arguments  # the simulator is optional for the rest of the CLI
    except ImportError:
        pass
    else:
        add_arguments(sim)
    return parser


def _settings(args: argparse.Namespace, environ: dict[str, str]) -> Settings:
    settings = Settings.from_env(environ)
    return settings.override(
        database_url=getattr(args, "db", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        pbx=getattr(args, "pbx", None),
        pbx_secret_file=getattr(args, "pbx_secret_file", None),
        agi_port=getattr(args, "agi_port", None),
        redis_url=getattr(args, "redis_url", None),
        sim_calls_per_minute=getattr(args, "calls_per_minute", None),
    )


async def _with_db(settings: Settings, fn: Callable[[Database], Awaitable[int]]) -> int:
    db = open_database(settings.database_url)
    try:
        return await fn(db)
    finally:
        await db.dispose()


async def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from crm_store.migrate import current_revision, head_revision, upgrade

    if args.db_command == "upgrade":
        await upgrade(settings.database_url)
        print(
            f"database {mask_url(settings.database_url)} is at schema {await current_revision(settings.database_url)}"
        )
    else:
        current = await current_revision(settings.database_url)
        print(f"current {current or '(empty)'}; head {head_revision()}")
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from crm_store.demo import DemoSpec, generate, is_empty

    from .demo_setup import create_demo_users

    async def run(db: Database) -> int:
        logins = settings.var_dir / "demo-logins.txt"
        await create_demo_users(db, logins)
        if args.if_empty and not await is_empty(db):
            print("database already has customers: no demo data generated")
        else:
            spec = DemoSpec(
                customers=args.customers, seed=args.seed, interactions_per_customer=args.interactions_per_customer
            )
            summary = await generate(db, spec, progress=lambda n: print(f"  {n} customers…", flush=True))
            print(
                f"generated {summary.customers} customers, {summary.accounts} accounts, {summary.payments} payments, "
                f"{summary.readings} meter readings, {summary.interactions} call cards, "
                f"{summary.applications} applications"
            )
        if logins.exists():
            print(f"demo logins (also in {logins}):")
            print(logins.read_text(encoding="utf-8"), end="")
        return 0

    return await _with_db(settings, run)


async def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from crm_store.importer import import_file
    from crm_store.importer.run import write_error_report

    from .tuning import batch_tuning

    async def run(db: Database) -> int:
        with batch_tuning():  # this process does nothing else meanwhile
            summary = await import_file(db, args.kind, args.file, columns=args.columns, progress=_progress_printer())
        print(f"{summary.source}: {summary.line()}")
        if summary.errors:
            report = args.errors or args.file.with_name(args.file.name + ".errors.csv")
            write_error_report(summary, report)
            print(f"rejected rows with their reasons: {report}")
            for e in summary.errors[:5]:
                print(f"  row {e.row}, {e.column}: {e.reason}")
        return 0

    return await _with_db(settings, run)


def _progress_printer() -> Callable[[ImportProgress], None]:
    """The import's progress on one terminal line, rewritten in place (a line per update when not a tty)."""
    tty = sys.stderr.isatty()

    def show(p: ImportProgress) -> None:
        if tty:
            print(f"\r  {p.line()}\x1b[K", end="\n" if p.done else "", file=sys.stderr, flush=True)
        else:
            print(f"  {p.line()}", file=sys.stderr, flush=True)

    return show


def _new_password(args: argparse.Namespace) -> str:
    from .passwords import check_new_password
    from .secret_input import read_secret

    if args.password is not None:
        print(
            "ccdesk: --password shows the password to `ps` and the shell history; use --password-file, "
            "CCDESK_USER_PASSWORD or the prompt",
            file=sys.stderr,
        )
        password = args.password
    else:
        password = read_secret(
            what=f"password for {args.name}",
            file=args.password_file,
            env_name="CCDESK_USER_PASSWORD",
            environ=os.environ,
            confirm=True,
        )
    check_new_password(password, args.name)  # a WeakPassword is a ValueError: main() prints it, exit 2
    return password


async def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    if args.user_command == "password":
        return await _cmd_user_password(args, settings)
    if args.user_command == "logout":
        return await _cmd_user_logout(args, settings)
    from .accounts import add_user

    password = _new_password(args)
    queues = [q.strip() for q in args.queues.split(",") if q.strip()]

    async def run(db: Database) -> int:
        user_id = await add_user(  # the admin console's own path: one set of rules for both
            db,
            username=args.name,
            role=args.role,
            password=password,
            full_name=args.full_name,
            extension=args.extension,
            queues=queues,
            department=args.department,
        )
        print(f"user {args.name} ({args.role}) created with id {user_id}")
        return 0

    return await _with_db(settings, run)


async def _cmd_user_password(args: argparse.Namespace, settings: Settings) -> int:
    from crm_store.sessions import close_all_sessions
    from crm_store.users import credentials, set_password_hash

    from .passwords import hash_password_async

    password_hash = await hash_password_async(_new_password(args))

    async def run(db: Database) -> int:
        await set_password_hash(db, args.name, password_hash)
        found = await credentials(db, args.name)
        ended = await close_all_sessions(db, found[0].id) if found else []
        print(f"password of {args.name} changed; {len(ended)} session(s) ended")
        return 0

    return await _with_db(settings, run)


async def _cmd_user_logout(args: argparse.Namespace, settings: Settings) -> int:
    from crm_store.errors import NotFound
    from crm_store.sessions import close_all_sessions
    from crm_store.users import credentials

    async def run(db: Database) -> int:
        found = await credentials(db, args.name)
        if found is None:
            raise NotFound(f"user {args.name!r} does not exist or is disabled")
        ended = await close_all_sessions(db, found[0].id)
        print(f"{len(ended)} session(s) of {args.name} ended (open screens drop within a minute)")
        return 0

    return await _with_db(settings, run)


async def cmd_phone(args: argparse.Namespace, settings: Settings) -> int:
    from crm_store import desk_phones

    async def run(db: Database) -> int:
        if args.phone_command == "add":
            phone = await desk_phones.add_phone(db, args.extension, label=args.label, owner=args.user)
            print(f"phone {phone.extension} registered ({'for ' + phone.owner if phone.owner else 'shared'})")
        elif args.phone_command == "remove":
            await desk_phones.remove_phone(db, args.extension)
            print(f"phone {args.extension} removed")
        else:
            for phone in await desk_phones.list_phones(db):
                print(f"{phone.extension:<8} {phone.owner or '(shared)':<16} {phone.label}")
        return 0

    return await _with_db(settings, run)


async def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .server import serve

    await serve(settings.with_secret_key())
    return 0


async def cmd_pbx_sim(args: argparse.Namespace, settings: Settings) -> int:
    from cti.sim.cli import run_from_args

    await run_from_args(args)
    return 0


COMMANDS = {
    "serve": cmd_serve,
    "db": cmd_db,
    "demo-data": cmd_demo,
    "import": cmd_import,
    "user": cmd_user,
    "phone": cmd_phone,
    "pbx-sim": cmd_pbx_sim,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    log_privacy.install()  # phone numbers, e-mails and SQL parameters are masked in every log line
    try:
        settings = _settings(args, dict(os.environ))
        return asyncio.run(COMMANDS[args.command](args, settings))
    except (ConfigError, ImportFailed, StoreError, ValueError) as exc:
        print(f"ccdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
