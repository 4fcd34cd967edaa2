"""Security headers on every response the app sends, error pages and Socket.IO's included.

They are set in `on_response_prepare` rather than a middleware: an HTTPException raised past the
middlewares (a 404, a redirect, the auth middleware's 401) is prepared without going back through
them, and it needs the same headers.

* Content-Security-Policy: scripts and styles only from this site's files — no inline script, no
  `eval`, no plug-ins; the page may not be framed (clickjacking) nor post forms elsewhere.
* X-Content-Type-Options: nosniff, so an uploaded or echoed text is never run as a script.
* Referrer-Policy: same-origin, so customer ids in our URLs never leave in a Referer.
* Cache-Control: no-store on everything but the static files: JSON and pages carry customers'
  personal data, and a shared or back-button cache must not keep them.
* Server: no version banner.
"""

from __future__ import annotations

from aiohttp import web

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",  # the API and Socket.IO's websocket (same origin)
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
STATIC_PREFIX = "/static/"


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Server"] = "ccdesk"
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers that predate it
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = "no-store"


def install(app: web.Application) -> None:
    app.on_response_prepare.append(security_headers)
