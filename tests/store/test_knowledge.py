import pytest

from crm_store import knowledge as kb
from crm_store.audit import audit_trail
from crm_store.errors import Conflict, NotFound


async def _article(db, title: str, body: str = "", topic: str | None = None, tags=()) -> kb.ArticleRecord:
    return await kb.create_article(db, title=title, body=body, topic=topic, tags=list(tags), user_id=None)


async def test_created_article_is_stored_and_audited_with_the_user(db) -> None:
    created = await kb.create_article(
        db,
        title="  Оплата картой ",
        body="Без комиссии.",
        topic="payment",
        tags=["карта", "карта", " "],
        user_id=None,
    )
    stored = await kb.get_article(db, created.id)
    assert stored == created
    assert (stored.title, stored.body, stored.topic, stored.tags) == (
        "Оплата картой",
        "Без комиссии.",
        "payment",
        ("карта",),
    )
    assert stored.to_json()["created_at"] == stored.created_at.isoformat()
    (entry,) = await audit_trail(db, "kb_article", created.id)
    assert entry["action"] == "kb.create" and entry["details"]["title"] == "Оплата картой"


async def test_update_replaces_content_reindexes_and_audits_old_and_new(db) -> None:
    a = await _article(db, "Пени", "Старый текст", "debt")
    updated = await kb.update_article(
        db,
        a.id,
        title="Пени за просрочку",
        body="Новый текст про неустойку",
        topic="debt",
        tags=["пени"],
        user_id=None,
        expected_updated_at=a.updated_at,
    )
    assert updated.title == "Пени за просрочку" and updated.tags == ("пени",) and updated.updated_at > a.updated_at
    assert [x.id for x in await kb.search_articles(db, "неустойк")] == [a.id]
    assert await kb.search_articles(db, "старый") == []
    entry = (await audit_trail(db, "kb_article", a.id))[0]
    assert entry["action"] == "kb.update"
    assert entry["details"] == {
        "title": ["Пени", "Пени за просрочку"],
        "tags": [[], ["пени"]],
        "body_length": [12, 25],
    }


async def test_an_edit_based_on_a_stale_copy_is_a_conflict(db) -> None:
    a = await _article(db, "Тарифы")
    await kb.update_article(db, a.id, title="Тарифы 2027", body="", topic=None, tags=[], user_id=None)
    with pytest.raises(Conflict):
        await kb.update_article(
            db,
            a.id,
            title="Тарифы 2026",
            body="",
            topic=None,
            tags=[],
            user_id=None,
            expected_updated_at=a.updated_at,
        )
    assert (await kb.get_article(db, a.id)).title == "Тарифы 2027"


async def test_delete_removes_the_article_and_audits_its_title(db) -> None:
    a = await _article(db, "Устаревшая статья")
    await kb.delete_article(db, a.id, user_id=None)
    with pytest.raises(NotFound):
        await kb.get_article(db, a.id)
    with pytest.raises(NotFound):
        await kb.delete_article(db, a.id, user_id=None)
    assert (await audit_trail(db, "kb_article", a.id))[0]["details"] == {"title": "Устаревшая статья"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(title=" "), "title"),
        (dict(title="x" * 301), "title"),
        (dict(title="ok", topic="weather"), "unknown topic"),
        (dict(title="ok", tags="одна строка"), "tags"),
        (dict(title="ok", tags=[f"t{i}" for i in range(21)]), "tags"),
    ],
)
async def test_invalid_articles_are_refused(db, fields, message) -> None:
    with pytest.raises(kb.InvalidArticle, match=message):
        await kb.create_article(db, **{"body": "", "user_id": None, **fields})
    with pytest.raises(ValueError):  # the web layer may map it like any bad input
        await kb.create_article(db, **{"body": "", "user_id": None, **fields})
    assert await kb.list_articles(db) == []


async def test_list_by_topic_is_sorted_by_title(db) -> None:
    await _article(db, "Б оплата", topic="payment")
    await _article(db, "А оплата", topic="payment")
    await _article(db, "Авария", topic="outage")
    assert [a.title for a in await kb.list_articles(db, "payment")] == ["А оплата", "Б оплата"]
    assert len(await kb.list_articles(db)) == 3


@pytest.mark.postgres
async def test_search_ignores_case_and_yo_and_needs_every_word_as_a_prefix(db) -> None:
    meter = await _article(db, "Показания счётчика", "Передать с 15-го по 25-е число.")
    await _article(db, "Оплата", "Счёт можно оплатить картой.")
    assert [a.id for a in await kb.search_articles(db, "СЧЕТЧ")] == [meter.id]
    assert [a.id for a in await kb.search_articles(db, "показ счётч")] == [meter.id]
    assert [a.id for a in await kb.search_articles(db, "  показания,  25-е ")] == [meter.id]
    assert await kb.search_articles(db, "показ оплат") == []  # every word must match
    assert await kb.search_articles(db, "етчик") == []  # prefix of a word, not the middle
    assert await kb.search_articles(db, "") == [] and await kb.search_articles(db, " ,.; ") == []


@pytest.mark.postgres
async def test_search_treats_like_wildcards_as_text(db) -> None:
    await _article(db, "Скидка 100 процентов")
    assert await kb.search_articles(db, "%") == []
    assert await kb.search_articles(db, "1_0") == []
    assert len(await kb.search_articles(db, "10")) == 1


async def test_search_ranks_title_hits_above_body_hits_and_more_hits_first(db) -> None:
    body_once = await _article(db, "Общие вопросы", "Про пени и сроки.")
    body_twice = await _article(db, "Сроки оплаты", "Пени начисляются с 31-го дня. Пени можно оспорить.")
    title = await _article(db, "Пени", "Как считаются.")
    tagged = await _article(db, "Неустойка", "Коротко.", tags=["пени"])
    found = await kb.search_articles(db, "пени")
    assert [a.id for a in found] == [title.id, body_twice.id, tagged.id, body_once.id]
    assert [a.id for a in await kb.search_articles(db, "пени", limit=2)] == [title.id, body_twice.id]
    both_in_title = await _article(db, "Пени и сроки", "")
    found = await kb.search_articles(db, "пени сроки")
    assert [a.id for a in found] == [both_in_title.id, body_twice.id, body_once.id]  # 2, 1, 0 title words


async def test_search_by_topic_and_tags(db) -> None:
    a = await _article(db, "Автоплатёж", "Списание с карты.", topic="payment", tags=["автоплатеж"])
    await _article(db, "Карта отключений", "Аварии на карте.", topic="outage")
    assert [x.id for x in await kb.search_articles(db, "карт", topic="payment")] == [a.id]
    assert [x.id for x in await kb.search_articles(db, "автоплат")] == [a.id]


async def test_equal_hits_rank_the_most_recently_updated_first(db) -> None:
    old = await _article(db, "Квитанция", "Электронная.")
    new = await _article(db, "Квитанция по почте", "Электронная.")
    await kb.update_article(db, old.id, title="Квитанция", body="Электронная!", topic=None, tags=[], user_id=None)
    assert [a.id for a in await kb.search_articles(db, "электрон")] == [old.id, new.id]


@pytest.mark.postgres
async def test_default_articles_are_seeded_once_and_only_into_an_empty_base(db) -> None:
    seeded = await kb.ensure_default_articles(db)
    assert seeded >= 12
    assert await kb.ensure_default_articles(db) == 0
    articles = await kb.list_articles(db)
    assert len(articles) == seeded
    assert {a.topic for a in articles} >= {"meter_reading", "payment", "debt", "reconnection", "outage", "complaint"}
    titles = [a.title for a in await kb.search_articles(db, "показания счетчика")]
    assert titles[0] == "Как передать показания счётчика"
    assert "Рассрочка погашения задолженности: условия" in [a.title for a in await kb.search_articles(db, "рассрочк")]


async def test_no_seeding_when_supervisors_already_wrote_articles(db) -> None:
    await _article(db, "Своя статья")
    assert await kb.ensure_default_articles(db) == 0
    assert [a.title for a in await kb.list_articles(db)] == ["Своя статья"]
