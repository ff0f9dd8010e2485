"""The web layer's logic without a browser: sessions, banners, the login gate, the safety plan."""

from __future__ import annotations

import time
from datetime import date

import pytest
from fastapi.testclient import TestClient
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from companion.prompts import LOCALES, load_hotlines
from companion.queue import HotlineQueue
from companion.risk.levels import Level
from companion.service import Companion
from companion.settings import PROJECT_ROOT, load_settings
from companion.store import open_store
from companion.transcripts import Transcripts
from companion.web import accounts_for, create_app
from companion.web.auth import COOKIE, Sessions, load_secret, same_origin
from companion.web.safety_plan import MAX_FIELD_CHARS, clean_plan, render_plan
from companion.web.texts import guess_language, guess_locale, load_web_texts
from companion.web.youth import ChatState, YouthChat, clean_text, crisis_banner

PROMPTS = PROJECT_ROOT / "prompts"
PASSWORD = "a long enough password"


@pytest.fixture
def web(tmp_path):
    """The app on a real SQLite store, with a fake chat model (the console needs no model)."""
    settings = load_settings(data_dir=tmp_path / "data")
    store = open_store(settings.database)
    companion = Companion(
        settings, None, FakeListChatModel(responses=["ok"]), None, HotlineQueue(store, settings), Transcripts(store)
    )
    accounts = accounts_for(companion, settings)
    accounts.create("sam", PASSWORD, role="counsellor")
    app = create_app(settings, companion)
    client = TestClient(app, base_url="http://127.0.0.1:7860", follow_redirects=False)
    return client, app, accounts, settings


def login(client, username="sam", password=PASSWORD):
    return client.post(
        "/login", data={"username": username, "password": password}, headers={"origin": "http://127.0.0.1:7860"}
    )


def test_conversation_ids_are_unguessable_and_kept_server_side(web):
    _, app, _, _ = web
    chat: YouthChat = app.state.youth
    ids = {chat.start(ChatState()).id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) >= 24 for i in ids)  # 18 random bytes: 144 bits
    state = ChatState()
    conversation = chat.start(state)
    assert state.conversation_id == conversation.id
    assert chat.conversation(ChatState()) is None  # a fresh page has no conversation to open


def test_console_refuses_anonymous_and_forged_requests(web):
    client, *_ = web
    assert client.get("/console/").status_code == 303
    assert client.get("/console/").headers["location"] == "/login"
    for path in ("/console/config", "/console/gradio_api/info"):
        assert client.get(path).status_code == 401
    assert client.post("/console/gradio_api/queue/join", json={"fn_index": 0, "data": []}).status_code == 401
    forged = Sessions(b"not the app's secret, long enough").issue("sam", "supervisor")
    client.cookies.set(COOKIE, forged)
    assert client.get("/console/config").status_code == 401


def test_login_opens_the_console_until_logout_or_the_account_is_disabled(web):
    client, _, accounts, _ = web
    assert login(client, password="wrong password").status_code == 401
    assert COOKIE not in client.cookies
    response = login(client)
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    assert client.get("/console/config").status_code == 200
    accounts.set_active("sam", False)
    assert client.get("/console/config").status_code == 401
    accounts.set_active("sam", True)
    assert client.get("/console/config").status_code == 200
    token = client.cookies[COOKIE]
    client.get("/logout")
    client.cookies.set(COOKIE, token)  # a copied cookie is dead after logout
    assert client.get("/console/config").status_code == 401


def test_login_from_another_site_is_refused(web):
    client, *_ = web
    response = client.post(
        "/login", data={"username": "sam", "password": PASSWORD}, headers={"origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert not same_origin({"origin": "null", "host": "127.0.0.1:7860"})
    assert same_origin({"origin": "http://127.0.0.1:7860", "host": "127.0.0.1:7860"})


def test_session_tokens_are_signed_expire_and_are_secret_per_install(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    secret = load_secret(settings)
    assert secret == load_secret(settings)  # created once, then read back
    assert (tmp_path / "web_secret.key").stat().st_mode & 0o077 == 0
    sessions = Sessions(secret)
    token = sessions.issue("sam", "counsellor")
    assert sessions.read(token).username == "sam"
    body, signature = token.split(".")
    assert sessions.read(body + "." + signature[::-1]) is None
    assert sessions.read(None) is None and sessions.read("garbage") is None
    short = Sessions(secret, max_age_s=-1)
    assert short.read(short.issue("sam", "counsellor")) is None


@pytest.mark.parametrize("locale", LOCALES)
def test_banner_shows_the_locales_numbers_from_moderate(locale):
    numbers = load_hotlines(PROMPTS)[locale]
    for language in ("en", "zh"):
        texts = load_web_texts(PROMPTS, language)
        assert crisis_banner(Level.LOW, locale, language, texts, PROMPTS) == ""
        for level in (Level.MODERATE, Level.HIGH, Level.IMMINENT):
            banner = crisis_banner(level, locale, language, texts, PROMPTS)
            for entry in numbers["hotlines"] + numbers["emergency"]:
                assert entry["number"] in banner
            assert f'data-level="{level.label}"' in banner and 'role="alert"' in banner
        imminent = crisis_banner(Level.IMMINENT, locale, language, texts, PROMPTS)
        first_emergency = imminent.index(numbers["emergency"][0]["number"])
        assert first_emergency < imminent.index(numbers["hotlines"][0]["number"])  # emergency first


def test_banner_escapes_and_falls_back_to_the_languages_locale():
    texts = load_web_texts(PROMPTS, "zh")
    banner = crisis_banner(Level.HIGH, "nowhere", "zh", texts, PROMPTS)
    assert "12356" in banner and "<script" not in banner


def test_safety_plan_download_has_every_section_and_the_locales_numbers():
    texts = load_web_texts(PROMPTS, "en")
    plan = {"warning_signs": "Not sleeping\nSkipping meals", "people": "My sister Ana", "evil": "x"}
    text = render_plan(plan, texts, "uk", PROMPTS, today=date(2026, 5, 1))
    assert text.startswith("My safety plan (2026-05-01)")
    assert "  Not sleeping\n  Skipping meals" in text and "My sister Ana" in text
    assert text.count(texts["plan_empty_section"]) == 2  # coping and professionals left blank
    assert "116 123" in text and "0800 1111" in text and "999 / 112" in text
    assert "evil" not in text
    zh = render_plan({"coping": "听音乐"}, load_web_texts(PROMPTS, "zh"), "cn", PROMPTS)
    assert "我的安全计划" in zh and "听音乐" in zh and "12356" in zh


def test_safety_plan_is_cleaned_and_bounded():
    plan = clean_plan({"coping": "walk\x00\x1b[31m" + "a" * 5000, "people": 42})
    assert "\x00" not in plan["coping"] and "\x1b" not in plan["coping"]
    assert len(plan["coping"]) == MAX_FIELD_CHARS and plan["people"] == ""
    assert clean_plan(None) == clean_plan("not a dict") == dict.fromkeys(plan, "")


def test_invisible_characters_cannot_split_a_risky_word():
    assert clean_text("I want to k\u200bill my\u00adself\u202e") == "I want to kill myself"
    assert clean_text("line one\nline two\tand\x07 a bell") == "line one\nline two\tand a bell"
    assert clean_text(None) == "" and clean_text(b"bytes") == ""


def test_language_and_hotline_region_follow_the_browser():
    assert guess_language("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert guess_language("en-GB,en;q=0.9") == "en"
    assert guess_language("fr-FR") == "en" and guess_language(None) == "en"
    assert guess_locale("zh-HK,zh;q=0.9", "zh") == "hk"
    assert guess_locale("zh-TW", "zh") == "tw"
    assert guess_locale("en-GB,en;q=0.9", "en") == "uk"
    assert guess_locale("zh", "zh") == "cn" and guess_locale("en", "en") == "us"


def test_person_button_queues_at_any_level(web):
    _, app, _, _ = web
    chat: YouthChat = app.state.youth
    state = ChatState()
    notice = chat.request_person(state)
    assert "counsellor" in notice and "988" in notice
    entry = app.state.companion.queue.open_entry(state.conversation_id)
    assert entry is not None and entry.reason == "requested" and entry.tier == Level.MODERATE
    assert state.mode == "waiting"
    started = time.time()
    assert chat.updates(state)[0] == "waiting" and time.time() - started < 1


def test_empty_or_huge_messages_get_one_friendly_line(web):
    _, app, _, _ = web
    chat: YouthChat = app.state.youth
    empty = chat.triage(ChatState(), "   \u200b\x00 ")
    assert empty.turn is None and empty.note == "Type a message first."
    huge = chat.triage(ChatState(ui_language="zh"), "x" * 5000)
    assert huge.turn is None and "太长" in huge.note
