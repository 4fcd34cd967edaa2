"""The knowledge base: answers operators look up during a call; supervisors create and edit them.

Search is word-prefix matching over `kb_articles.search_text`, a normalised copy of title, tags and body
(lower case, ё→е, every run of non-word characters one space). Each query word becomes one
`' ' || search_text LIKE '% word%'` condition, all of them ANDed, so "показ счетч" finds "Показания
счётчиков". That is plain SQL and runs unchanged on SQLite and PostgreSQL; it scans the table, which is
fine for a knowledge base of a few thousand articles. If it ever grows past that, PostgreSQL can serve the
same LIKE from a pg_trgm GIN index on search_text (a migration, not a code change here).
Ranking happens in Python over the matching rows: articles whose title holds more of the query words come
first, then more hits in the title, then more hits anywhere, then the most recently updated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import Connection, delete, func, literal, select, text

from .audit import record_audit
from .base import utcnow
from .db import Database
from .demo_names import TOPICS
from .errors import Conflict, NotFound, StoreError
from .models import KnowledgeArticle
from .records import JsonMixin
from .text import search_key

SEARCH_LIMIT = 20
CANDIDATES = 500  # matching rows ranked in Python; the newest win when a query matches more
MAX_QUERY_WORDS = 8
MAX_TITLE = 300
MAX_BODY = 50_000
MAX_TAGS = 20
MAX_TAG = 64
SEED_FILE = "kb_seed.json"
_SEED_LOCK = 0x6B625F73  # pg_advisory_xact_lock key: one seeder at a time when workers start together
_NON_WORD = re.compile(r"[\W_]+")


class InvalidArticle(StoreError, ValueError):
    """An article the knowledge base refuses: empty title, unknown topic, too long, bad tags."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleRecord(JsonMixin):
    id: int
    title: str
    body: str
    topic: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    updated_by: int | None


def words(text: str | None) -> list[str]:
    """The words search compares: search_key (case, ё/е) with every punctuation run as a space."""
    return _NON_WORD.sub(" ", search_key(text)).split()


def index_text(title: str, body: str, tags: Iterable[str]) -> str:
    return " ".join(words(title) + words(" ".join(tags)) + words(body))


def _row(r: Mapping[Any, Any]) -> ArticleRecord:
    return ArticleRecord(
        id=r["id"],
        title=r["title"],
        body=r["body"] or "",
        topic=r["topic"],
        tags=tuple(r["tags"] or ()),
        created_at=r["created_at"],
        updated_at=r["updated_at"],
        updated_by=r["updated_by"],
    )


def _clean(title: str, body: str, topic: str | None, tags: Sequence[str]) -> tuple[str, str, str | None, list[str]]:
    title = (title or "").strip()
    if not title:
        raise InvalidArticle("an article needs a title")
    if len(title) > MAX_TITLE:
        raise InvalidArticle(f"the title is longer than {MAX_TITLE} characters")
    body = (body or "").strip()
    if len(body) > MAX_BODY:
        raise InvalidArticle(f"the text is longer than {MAX_BODY} characters")
    topic = (topic or "").strip() or None
    if topic is not None and topic not in TOPICS:
        raise InvalidArticle(f"unknown topic {topic!r}; known: {', '.join(TOPICS)}")
    if isinstance(tags, str):
        raise InvalidArticle("tags must be a list of words, not one string")
    clean_tags = list(dict.fromkeys(t.strip() for t in tags if t and t.strip()))
    if len(clean_tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in clean_tags):
        raise InvalidArticle(f"at most {MAX_TAGS} tags of at most {MAX_TAG} characters each")
    return title, body, topic, clean_tags


_COLUMNS = (
    KnowledgeArticle.id,
    KnowledgeArticle.title,
    KnowledgeArticle.body,
    KnowledgeArticle.topic,
    KnowledgeArticle.tags,
    KnowledgeArticle.created_at,
    KnowledgeArticle.updated_at,
    KnowledgeArticle.updated_by,
)


async def create_article(
    db: Database,
    *,
    title: str,
    body: str,
    topic: str | None = None,
    tags: Sequence[str] = (),
    user_id: int | None,
) -> ArticleRecord:
    title, body, topic, clean_tags = _clean(title, body, topic, tags)
    now = utcnow()
    async with db.write_session() as s, s.begin():
        article = KnowledgeArticle(
            title=title,
            body=body,
            topic=topic,
            tags=clean_tags,
            search_text=index_text(title, body, clean_tags),
            created_at=now,
            updated_at=now,
            updated_by=user_id,
        )
        s.add(article)
        await s.flush()
        await record_audit(s, user_id, "kb.create", "kb_article", article.id, {"title": title, "topic": topic})
        article_id = article.id
    return await get_article(db, article_id)


async def update_article(
    db: Database,
    article_id: int,
    *,
    title: str,
    body: str,
    topic: str | None,
    tags: Sequence[str],
    user_id: int | None,
    expected_updated_at: datetime | None = None,
) -> ArticleRecord:
    """Replace an article's content (an edit form sends every field).

    With `expected_updated_at` (what the editor loaded) a concurrent edit is a Conflict, not a lost update.
    The audit entry lists the changed fields with their old and new values (the body only by length).
    """
    title, body, topic, clean_tags = _clean(title, body, topic, tags)
    async with db.write_session() as s, s.begin():
        article = await s.get(KnowledgeArticle, article_id)
        if article is None:
            raise NotFound(f"article {article_id} does not exist")
        if expected_updated_at is not None and article.updated_at != expected_updated_at:
            raise Conflict(f"article {article_id} was changed by someone else at {article.updated_at.isoformat()}")
        changes: dict[str, object] = {}
        if article.title != title:
            changes["title"] = [article.title, title]
        if (article.topic or None) != topic:
            changes["topic"] = [article.topic, topic]
        if list(article.tags or ()) != clean_tags:
            changes["tags"] = [list(article.tags or ()), clean_tags]
        if (article.body or "") != body:
            changes["body_length"] = [len(article.body or ""), len(body)]
        if changes:
            article.title, article.body, article.topic, article.tags = title, body, topic, clean_tags
            article.search_text = index_text(title, body, clean_tags)
            article.updated_at = utcnow()
            article.updated_by = user_id
            await record_audit(s, user_id, "kb.update", "kb_article", article_id, changes)
    return await get_article(db, article_id)


async def delete_article(db: Database, article_id: int, *, user_id: int | None) -> None:
    async with db.write_session() as s, s.begin():
        title = await s.scalar(select(KnowledgeArticle.title).where(KnowledgeArticle.id == article_id))
        if title is None:
            raise NotFound(f"article {article_id} does not exist")
        await s.execute(delete(KnowledgeArticle).where(KnowledgeArticle.id == article_id))
        await record_audit(s, user_id, "kb.delete", "kb_article", article_id, {"title": title})


async def get_article(db: Database, article_id: int) -> ArticleRecord:
    async with db.read_session() as s:
        row = (await s.execute(select(*_COLUMNS).where(KnowledgeArticle.id == article_id))).mappings().first()
    if row is None:
        raise NotFound(f"article {article_id} does not exist")
    return _row(row)


async def list_articles(db: Database, topic: str | None = None, limit: int = 200) -> list[ArticleRecord]:
    """Articles of one topic (or all when `topic` is None), by title."""
    stmt = select(*_COLUMNS).order_by(KnowledgeArticle.title, KnowledgeArticle.id).limit(limit)
    if topic is not None:
        stmt = stmt.where(KnowledgeArticle.topic == topic)
    async with db.read_session() as s:
        return [_row(r) for r in (await s.execute(stmt)).mappings()]


def _hits(query: Sequence[str], text_words: Sequence[str]) -> tuple[int, int]:
    """(query words found as a word prefix, total prefix hits) in `text_words`."""
    found = total = 0
    for q in query:
        n = sum(1 for w in text_words if w.startswith(q))
        found += n > 0
        total += n
    return found, total


def rank(query: Sequence[str], articles: Iterable[ArticleRecord]) -> list[ArticleRecord]:
    """Title hits above body hits, more hits first, then the most recently updated."""

    def key(a: ArticleRecord) -> tuple[int, int, int, float, int]:
        in_title, title_hits = _hits(query, words(a.title))
        _, all_hits = _hits(query, words(" ".join((a.title, " ".join(a.tags), a.body))))
        return (-in_title, -title_hits, -all_hits, -a.updated_at.timestamp(), a.id)

    return sorted(articles, key=key)


def _search_sync(conn: Connection, query: list[str], topic: str | None) -> list[ArticleRecord]:
    haystack = literal(" ").concat(KnowledgeArticle.search_text)
    stmt = (
        select(*_COLUMNS)
        .where(*(haystack.contains(" " + w, autoescape=True) for w in query))
        .order_by(KnowledgeArticle.updated_at.desc(), KnowledgeArticle.id.desc())
        .limit(CANDIDATES)
    )
    if topic is not None:
        stmt = stmt.where(KnowledgeArticle.topic == topic)
    return [_row(r) for r in conn.execute(stmt).mappings()]


async def search_articles(
    db: Database, query: str, *, topic: str | None = None, limit: int = SEARCH_LIMIT
) -> list[ArticleRecord]:
    """Articles holding every word of `query` as a word prefix (case and ё/е ignored), best first."""
    query_words = list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]
    if not query_words or limit <= 0:
        return []
    found = await db.run_read(lambda conn: _search_sync(conn, query_words, topic))
    return rank(query_words, found)[:limit]


def seed_articles() -> list[dict[str, Any]]:
    """The default articles shipped in kb_seed.json, validated."""
    raw = json.loads(resources.files(__package__).joinpath(SEED_FILE).read_text(encoding="utf-8"))
    articles = []
    for i, item in enumerate(raw):
        try:
            title, body, topic, tags = _clean(item["title"], item["body"], item.get("topic"), item.get("tags", ()))
        except (KeyError, TypeError, InvalidArticle) as e:
            raise InvalidArticle(f"{SEED_FILE}: article #{i + 1}: {e}") from e
        articles.append(dict(title=title, body=body, topic=topic, tags=tags))
    return articles


async def ensure_default_articles(db: Database) -> int:
    """Insert the default articles when the knowledge base is empty; returns how many were inserted."""
    articles = seed_articles()
    async with db.write_session() as s, s.begin():
        if not db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
            await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK})
        if await s.scalar(select(func.count()).select_from(KnowledgeArticle)):
            return 0
        now = utcnow()
        s.add_all(
            KnowledgeArticle(
                title=a["title"],
                body=a["body"],
                topic=a["topic"],
                tags=a["tags"],
                search_text=index_text(a["title"], a["body"], a["tags"]),
                created_at=now,
                updated_at=now,
                updated_by=None,
            )
            for a in articles
        )
        await record_audit(s, None, "kb.seed", "kb_article", "", {"articles": len(articles)})
    return len(articles)


__all__ = [
    "SEARCH_LIMIT",
    "ArticleRecord",
    "InvalidArticle",
    "create_article",
    "delete_article",
    "ensure_default_articles",
    "get_article",
    "index_text",
    "list_articles",
    "rank",
    "search_articles",
    "seed_articles",
    "update_article",
    "words",
]
