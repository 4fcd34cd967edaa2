"""Mail intake benchmark: messages with a PDF attachment sent to the built-in SMTP listener of the real app
(SQLite, simulator PBX). Each SMTP DATA is answered once the application, its attachment, the message record
and the receipt are stored, so the round-trip is the time to file one e-mail.

    python bench/mail.py            # 500 messages, 1 and 4 concurrent senders
    python bench/mail.py --quick    # 50 messages
"""

from __future__ import annotations

import argparse
import asyncio
import smtplib
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.serving import prepare_database, settings_for_test, start
from web import keys

DESK = "zayavki@bench.test"
PDF = b"%PDF-1.4\n" + b"0" * 50_000 + b"\n%%EOF\n"


def message(i: int) -> bytes:
    """The message as an MTA sends it: CRLF line ends (SMTP's; a bare LF is not one)."""
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = f"client{i}@example.ru", DESK, f"Показания, письмо {i}"
    m.set_content("Прошу проверить начисление за октябрь.\n" * 20)
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"скан {i}.pdf")
    return m.as_bytes(policy=m.policy.clone(linesep="\r\n"))


def sender(port: int, messages: list[bytes]) -> list[float]:
    took = []
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        for raw in messages:
            t0 = time.perf_counter()
            smtp.sendmail("bench@example.ru", [DESK], raw)
            took.append(time.perf_counter() - t0)
    return took


async def run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = await prepare_database(Path(tmp) / "bench.db", customers=200)
        app = await start(settings_for_test(Path(tmp), url, mail_address=DESK, mail_smtp_listen="127.0.0.1:0"))
        try:
            port = app.app[keys.MAIL].smtp_port  # type: ignore[union-attr]
            assert port is not None
            pairs: list[str] = []
            for senders in (1, 4):
                batches = [[message(i) for i in range(s, count, senders)] for s in range(senders)]
                t0 = time.perf_counter()
                results = await asyncio.gather(*(asyncio.to_thread(sender, port, b) for b in batches))
                wall = time.perf_counter() - t0
                took = sorted(x for r in results for x in r)
                p95 = took[min(len(took) - 1, int(len(took) * 0.95))]
                print(
                    f"{senders} sender(s): {count} e-mails with a 50 KB PDF in {wall:.1f} s = {count / wall:.0f}/s; "
                    f"per message p50 {statistics.median(took) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
                )
                pairs += [f"mail_per_s_{senders}={count / wall:.1f}", f"mail_p95_ms_{senders}={p95 * 1000:.0f}"]
            print(" ".join(pairs))
        finally:
            await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="50 messages")
    args = parser.parse_args()
    asyncio.run(run(50 if args.quick else 500))


if __name__ == "__main__":
    main()
