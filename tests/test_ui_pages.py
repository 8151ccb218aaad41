"""The web app as a practitioner uses it for an hour, in Debian's Chromium: answers that keep their own sources
and stay in view, notices instead of errors, exports that render, pickers that search, a presenter view, and an
accessibility audit (axe-core) with screenshots at a laptop, a projector and a phone size.

Positions are measured with the elements' bounding boxes; nothing here depends on how long anything takes."""

from __future__ import annotations

import re

import pytest
from test_ui import SHOTS, ask, downloaded, instrument_boxes, launch

from assistant.config import PROJECT_ROOT
from assistant.feedback import FeedbackStore

AXE = PROJECT_ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1280, "height": 720}  # 1920×1080 at 150% zoom: 1280×720 CSS pixels, 1.5 device pixels each
LONG_QUESTION = "What are the elements of the crime against humanity of persecution?"


@pytest.fixture(scope="module")
def feedback_store(tmp_path_factory) -> FeedbackStore:
    return FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite")


@pytest.fixture(scope="module")
def bot(assistant, tmp_path_factory):
    """The real assistant with an uploads folder of its own, empty unless a test adds to it."""
    return assistant.configured(uploads_dir=tmp_path_factory.mktemp("uploads-pages"))


@pytest.fixture(scope="module")
def server(bot, feedback_store):
    app, url = launch(bot, feedback_store)
    yield url
    app.close()


def open_page(browser, url: str, viewport: dict = LAPTOP, scale: float = 1, **options):
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, accept_downloads=True, **options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return context, page


@pytest.fixture
def page(browser, server):
    context, page = open_page(browser, server)
    yield page
    context.close()


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def inside(inner: dict, outer: dict, slack: float = 1.0) -> bool:
    return inner["y"] >= outer["y"] - slack and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack


def chat_viewport(page) -> dict:
    """The visible rectangle of the chat's scrolling area, clipped to the window."""
    return page.evaluate("""() => {
        let node = document.querySelector('#chat .message-row, #chat .message');
        const scrolls = (n) => /(auto|scroll)/.test(getComputedStyle(n).overflowY) && n.scrollHeight > n.clientHeight;
        while (node && !scrolls(node)) node = node.parentElement;
        const r = (node || document.querySelector('#chat')).getBoundingClientRect();
        const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);
        return {x: r.left, y: top, width: r.width, height: bottom - top};
    }""")


def ask_next(page, question: str, turn: int) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_selector(f"#sources-turn-{turn}", state="attached", timeout=60000)


def open_tab(page, name: str) -> None:
    """Click the tab, from the "More tabs" menu when the screen is too narrow for the tab bar."""
    tab = page.get_by_role("tab", name=name)
    if tab.count() == 0:
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()
    else:
        tab.click()


def notice(page, text: str) -> None:
    """A neutral notice with `text` shows, and no error toast."""
    toast = page.locator(".toast-body", has_text=text)
    toast.first.wait_for(timeout=60000)
    assert "error" not in (toast.first.get_attribute("class") or "")
    assert page.locator(".toast-body.error").count() == 0
    assert "Error" not in toast.first.inner_text()


# 1. Each answer keeps its own sources, and a new answer is in view


def test_a_marker_of_an_earlier_answer_opens_that_answers_card_and_marks_it(page):
    ask(page, "What is forced pregnancy under the Rome Statute?")
    ask_next(page, "Does a survivor's silence count as consent at the ICC?", 2)
    assert page.locator("#src-2-1").is_visible() and not page.locator("#src-1-1").is_visible()
    first_answer = page.locator("#chat .message-row.bot-row, #chat .bot-row").nth(0)
    first_answer.locator("a[href='#src-1-1']").click()
    card = page.locator("#src-1-1")
    assert card.is_visible() and "Rome Statute, art. 7(2)(f)" in card.inner_text()
    assert "src-active" in card.get_attribute("class") and card.get_attribute("aria-current") == "true"
    assert inside(card.bounding_box(), box(page, "#sources-panel")), "the card is scrolled out of the panel"
    assert not page.locator("#src-2-1").is_visible()
    assert "Sources of answer 1" in page.locator("#sources-panel").inner_text()
    second_answer = page.locator("#chat .message-row.bot-row, #chat .bot-row").nth(1)
    second_answer.locator("a[href='#src-2-1']").click()
    assert page.locator("#src-2-1").is_visible() and not page.locator("#src-1-1").is_visible()
    assert "src-active" in page.locator("#src-2-1").get_attribute("class")
    page.locator("#chat a[href='#src-1-r1']").first.click()  # a related provision of the first answer
    related = page.locator("#src-1-r1")
    assert related.is_visible() and related.get_attribute("open") is not None


def test_a_new_answer_shows_its_question_and_first_line_after_markers_were_clicked(page):
    page.set_viewport_size(LAPTOP)
    ask(page, LONG_QUESTION)
    for marker in page.locator("#chat a[href^='#src-1-']").all()[:3]:
        marker.click()
    ask_next(page, "What must the prosecution prove for rape as a crime against humanity?", 2)
    page.wait_for_timeout(300)  # the last update is painted
    view = chat_viewport(page)
    question = page.locator("#chat .message-row.user-row, #chat .user-row").last
    answer = page.locator("#chat .message-row.bot-row, #chat .bot-row").last
    first_line = answer.locator("p").first
    assert inside(question.bounding_box(), view), (question.bounding_box(), view)
    first = first_line.bounding_box()
    assert first["y"] >= view["y"] - 1 and first["y"] + 20 <= view["y"] + view["height"], (first, view)
    assert page.locator("#src-2-1").is_visible()


def test_searched_as_shows_under_a_follow_up(page):
    ask(page, "What are the elements of the war crime of rape?")
    ask_next(page, "And in a non-international armed conflict?", 2)
    answer = page.locator("#chat .message-row.bot-row, #chat .bot-row").last
    assert "Searched as:" in answer.inner_text()
    assert "Searched as:" not in page.locator("#chat .message-row.bot-row, #chat .bot-row").first.inner_text()


# 2. Notices, not errors; filters in force in sight


def test_information_and_user_mistakes_are_notices_without_a_traceback(page, capfd):
    page.click("#export")
    notice(page, "Nothing to export yet")
    page.get_by_role("tab", name="Workshop").click()
    page.click("#exercise-to-chat")
    notice(page, "Choose an exercise first.")
    page.get_by_role("tab", name="Ask").click()
    toggle_filters(page)
    boxes = instrument_boxes(page)  # the accordion opens while the notice above still shows
    for i in range(boxes.count()):  # set_checked waits until the box shows it: a click on a busy page can be lost
        boxes.nth(i).locator("input").set_checked(False)
    page.wait_for_function("() => document.querySelector('#filters').innerText.includes('no instrument chosen')")
    page.fill("#question textarea", "What is forced pregnancy?")
    page.press("#question textarea", "Enter")
    notice(page, "Choose at least one instrument")
    assert page.locator("#chat .message-row, #chat .message").count() == 0
    assert page.locator("#question textarea").input_value() == "What is forced pregnancy?"
    page.locator("#doc-filter label", has_text="Your uploaded documents").locator("input").set_checked(True)
    page.wait_for_function("() => document.querySelector('#filters').innerText.includes('only Your uploaded')")
    page.press("#question textarea", "Enter")
    notice(page, "No documents are uploaded yet")
    assert "Searched: ." not in page.locator("body").inner_text()
    err = capfd.readouterr().err
    assert "Traceback" not in err, err[-2000:]


def toggle_filters(page) -> None:
    page.locator("#filters").first.click(position={"x": 30, "y": 15})  # its title, not a box inside it


def test_filters_in_force_show_on_the_closed_accordion_and_new_conversation_resets_them(page):
    closed = page.locator("#filters").first
    assert "all instruments" in closed.inner_text()
    toggle_filters(page)
    page.locator("#doc-filter label", has_text="AP I").first.click()
    toggle_filters(page)  # closed again
    page.wait_for_function("() => document.querySelector('#filters').innerText.includes('searching only')")
    assert not page.locator("#doc-filter").is_visible()
    label = page.locator("#filters").first.inner_text().splitlines()[0]
    assert "Rome Statute" in label and "AP II" in label and not re.search(r"AP I\b", label), label
    assert page.locator("#filters").bounding_box()["y"] < LAPTOP["height"]
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelector('#filters').innerText.includes('all instruments')")
    toggle_filters(page)
    checked = page.locator("#doc-filter input[type=checkbox]")
    assert all(checked.nth(i).is_checked() for i in range(checked.count()))


# 3. Export and copy


def test_exported_transcript_renders_paragraphs_and_lists_every_source(page):
    from markdown_it import MarkdownIt

    ask(page, "What are the elements of the war crime of rape?")
    ask_next(page, "And in a non-international armed conflict?", 2)
    text = downloaded(page, "#export", "#transcript")
    assert re.search(r"^Exported \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$", text, re.M)
    assert "## Corpus" in text and "- Rome Statute: " in text
    assert text.count("*Instruments searched: all.*") == 2
    assert "*Searched as: " in text.split("## 2.")[1]
    rendered = MarkdownIt().render(text)
    paragraphs = re.findall(r"<p>(.*?)</p>", rendered, re.S)
    assert not any("\n" in p and "[1]" in p for p in paragraphs), "answer lines run together in one paragraph"
    for part in text.split("## ")[2:]:  # each answer lists its sources
        markers = set(re.findall(r"\[(\d+)\]", part.split("**Sources**")[0]))
        listed = set(re.findall(r"^- \[(\d+)\] ", part, re.M))
        assert markers and markers <= listed, (markers, listed)
    assert "**Related provisions (not quoted)**" in text


def test_copy_button_copies_the_answer_with_its_sources_and_names_carry_no_markdown(browser, server):
    context, page = open_page(browser, server, permissions=["clipboard-read", "clipboard-write"])
    try:
        ask(page, "What is forced pregnancy under the Rome Statute?")
        answer = page.locator("#chat .message-row.bot-row, #chat .bot-row").last
        answer.hover()
        answer.get_by_role("button", name=re.compile("copy", re.I)).first.click()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert "Sources:" in copied and "[1] Rome Statute, art. 7(2)(f)" in copied
        assert "; PART 2. JURISDICTION, ADMISSIBILITY AND APPLICABLE LAW): “" in copied  # where it sits
        assert "](#src-" not in copied and "\\" not in copied
        names = page.evaluate("() => Array.from(document.querySelectorAll('#chat [aria-label]'))"
                              ".map(e => e.getAttribute('aria-label'))")
        assert any("forcibly made pregnant" in n for n in names)
        assert not [n for n in names if "](#" in n or "\\[" in n or "\\*" in n], names
    finally:
        context.close()


# 4. Pickers and the elements checklist


def test_pickers_open_on_a_loaded_selection(page):
    page.get_by_role("tab", name="Elements checklist").click()
    assert page.locator("#crime-picker input").input_value()
    assert page.locator("#elements label").count() > 0
    page.get_by_role("tab", name="Workshop").click()
    assert page.locator("#scenario-picker input").input_value()
    assert "Facts" in page.locator("#scenario-text").inner_text()


_every_option_contains = """text => {
    const options = [...document.querySelectorAll('[data-testid=dropdown-option]')];
    return options.length > 0 && options.every(o => o.innerText.toLowerCase().includes(text));
}"""


def test_crime_picker_searches_as_one_types_with_crime_names(page):
    page.get_by_role("tab", name="Elements checklist").click()
    page.click("#crime-picker input")
    page.keyboard.type("forced")
    assert page.locator("#crime-picker input").input_value() == "forced"
    options = page.locator("[data-testid=dropdown-option]")
    # the list filters after the keystrokes land; wait for the filtered list, not the first one drawn
    page.wait_for_function(_every_option_contains, arg="forced")
    texts = options.all_inner_texts()
    assert any("forced pregnancy" in t for t in texts) and all("forced" in t.lower() for t in texts)
    page.keyboard.press("Escape")
    page.click("#crime-picker input")
    page.keyboard.type("8(2)(b)(viii)")
    page.wait_for_function(_every_option_contains, arg="8(2)(b)(viii)")
    label = options.first.inner_text()
    # a name, not the Statute's 270-character text that heads it in the Elements; both of its alternatives
    assert label == ("War crime of transferring own population into, or deporting or transferring the population "
                     "of, occupied territory (art. 8(2)(b)(viii))"), label


def test_checklist_lists_each_provision_once_keeps_ticks_per_crime_and_exports(page):
    page.get_by_role("tab", name="Elements checklist").click()

    def choose(text: str, name: str):
        page.click("#crime-picker input")
        page.keyboard.type(text)
        page.get_by_role("option", name=re.compile(name)).first.click()
        page.wait_for_function(f"() => document.querySelector('#checklist-header').innerText.includes({name!r})")

    choose("persecution", "Crime against humanity of persecution")
    titles = page.locator("#checklist-panel .src-card b").all_inner_texts()
    assert "Rome Statute, art. 7(2)(g)" in titles and len(titles) == len(set(titles)), titles
    choose("forced pregnancy", "Crime against humanity of forced pregnancy")
    page.locator("#elements label").first.click()
    page.wait_for_timeout(300)  # the tick reaches the session
    choose("sterilization", "Crime against humanity of enforced sterilization")
    assert not any(page.locator("#elements input").nth(i).is_checked()
                   for i in range(page.locator("#elements input").count()))
    choose("forced pregnancy", "Crime against humanity of forced pregnancy")
    page.wait_for_function("() => document.querySelector('#elements input').checked")
    text = downloaded(page, "#checklist-export", "#checklist-file")
    assert text.startswith("# Crime against humanity of forced pregnancy")
    assert text.count("- [x] ") == 1 and text.count("- [ ] ") == 2
    assert "**Rome Statute, art. 7(2)(f)**" in text
    page.emulate_media(media="print")
    visible = page.evaluate("""() => ['#crime-picker', '#checklist-panel', '#checklist-export', '#question']
        .map(s => { const e = document.querySelector(s);
                    return !!e && getComputedStyle(e).visibility === 'visible' && e.getClientRects().length > 0; })""")
    assert visible == [False, True, False, False], visible
    page.emulate_media(media="screen")


# 5. Workshop presenter view


def test_workshop_presenter_view_hides_trainer_notes_and_asks_at_once(page):
    page.get_by_role("tab", name="Workshop").click()
    facts = page.locator("#scenario-text p")
    assert facts.count() >= 4 and max(len(t) for t in facts.all_inner_texts()) <= 400
    assert not page.locator("#trainer-notes").is_visible()
    page.locator("#exercises label").first.click()
    assert not page.get_by_text("A good answer cites").is_visible()
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#scenario-text p')).fontSize)")
    page.locator("#presenter-toggle label").click()
    page.wait_for_function(f"() => parseFloat(getComputedStyle(document.querySelector('#scenario-text p'))"
                           f".fontSize) >= {size * 1.4}")
    page.locator("#trainer-toggle label").click()
    page.get_by_text("A good answer cites").wait_for()
    shot(page, "workshop-presenter-1366x768")
    page.click("#exercise-to-chat")
    page.wait_for_selector("#src-1-1", timeout=60000)  # asked without pressing Enter
    assert page.locator("#chat .message-row.user-row, #chat .user-row").count() == 1


# 6. Accessibility and layout


def audit(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is."""
    assert AXE.exists(), "axe-core is installed by scripts/setup --test (npm)"
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        const where = (n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ');
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id}: ${v.help} — ` + v.nodes.slice(0, 3).map(where).join(' | '));
    }""")


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


TABS = ["Ask", "Elements checklist", "Workshop", "About the corpus"]
SIZES = {"1366x768": (LAPTOP, 1), "1920x1080-150pct": (PROJECTOR, 1.5), "390x844": (PHONE, 3)}


@pytest.mark.parametrize("size", list(SIZES))
def test_every_tab_passes_axe_and_is_photographed(browser, server, size):
    viewport, scale = SIZES[size]
    context, page = open_page(browser, server, viewport, scale)
    try:
        ask(page, "What is forced pregnancy under the Rome Statute?")
        problems = {}
        for tab in TABS:
            open_tab(page, tab)
            page.wait_for_timeout(300)  # the tab is painted
            slug = tab.lower().replace(" ", "-")
            shot(page, f"{slug}-{size}")
            shot(page, f"{slug}-{size}-screen", full_page=False)
            found = audit(page)
            if found:
                problems[tab] = found
        assert problems == {}, problems
    finally:
        context.close()


def test_on_a_laptop_the_ask_box_and_main_actions_are_above_the_fold(page):
    page.set_viewport_size(LAPTOP)
    ask(page, LONG_QUESTION)
    page.evaluate("() => window.scrollTo(0, 0)")
    for selector in ["#question textarea", "#ask-button", "#new-chat", "#export", "#filters", "#uploads",
                     "#feedback"]:
        b = box(page, selector)
        assert b["y"] + b["height"] <= LAPTOP["height"], (selector, b)


def test_on_a_phone_the_sources_are_one_tap_away_and_the_placeholder_fits(browser, server):
    context, page = open_page(browser, server, PHONE, 3)
    try:
        fits = page.evaluate("""() => { const t = document.querySelector('#question textarea');
            const p = document.querySelector('#chat [class*=placeholder]') || null;
            const saved = t.value; t.value = t.placeholder; const ok = t.scrollHeight <= t.clientHeight + 2
                && t.scrollWidth <= t.clientWidth + 1; t.value = saved; return ok; }""")
        assert fits, "the question box's placeholder is cut"
        ask(page, "What is forced pregnancy under the Rome Statute?")
        page.evaluate("() => window.scrollTo(0, 0)")
        button = page.locator("#to-sources a")
        b = button.bounding_box()
        assert button.is_visible() and b["y"] + b["height"] <= PHONE["height"]
        button.click()
        page.wait_for_timeout(300)  # the scroll is done
        panel = box(page, "#sources-panel")
        assert 0 <= panel["y"] < PHONE["height"] / 2, panel
        page.evaluate("() => window.scrollTo(0, 0)")
        page.locator("#chat a[href='#src-1-1']").first.click()
        page.wait_for_timeout(300)
        card = box(page, "#src-1-1")
        assert -1 <= card["y"] < PHONE["height"], card  # scrolled to its top, give or take a subpixel
    finally:
        context.close()


# 7. Source cards open their document at the provision; an answer about a crime opens its checklist

DOCUMENTS = PROJECT_ROOT / "corpus" / "documents"


def fetch(url: str, path: str, headers: dict | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET sent as written: the path is not normalised on the way."""
    import http.client
    from urllib.parse import urlparse

    where = urlparse(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        connection.request("GET", path, headers=headers or {})
        reply = connection.getresponse()
        return reply.status, reply.getheader("content-type") or "", reply.read()
    finally:
        connection.close()


def test_the_app_serves_corpus_documents_and_uploads_with_their_content_types(server, bot, tmp_path):
    from test_uploads import REPORT_PAGES, make_pdf

    status, kind, body = fetch(server, "/documents/rome-statute")
    assert (status, kind) == (200, "application/pdf") and body == (DOCUMENTS / "rome-statute.pdf").read_bytes()
    status, kind, body = fetch(server, "/documents/geneva-convention-iv")
    assert status == 200 and kind.startswith("text/markdown")
    assert body == (DOCUMENTS / "geneva-convention-iv.md").read_bytes()
    status, kind, body = fetch(server, "/documents/geneva-convention-iv/text")
    assert status == 200 and kind.startswith("text/html")
    assert "<section id='art._27(2)'>" in body.decode() and "especially protected against any attack" in body.decode()
    report = bot.uploads.add_file(make_pdf(tmp_path / "report.pdf", REPORT_PAGES), title="Monitoring report")
    notes = tmp_path / "notes.md"
    notes.write_text("# Field notes\n\n## Interviews\n\nSurvivors <b>chose</b> where to be interviewed.\n")
    field = bot.uploads.add_file(notes)
    try:
        status, kind, body = fetch(server, f"/documents/{report.doc}")
        assert (status, kind) == (200, "application/pdf") and body == (tmp_path / "report.pdf").read_bytes()
        status, kind, body = fetch(server, f"/documents/{field.doc}/text")
        assert status == 200 and "<section id='Interviews'>" in body.decode()
        assert "Survivors &lt;b&gt;chose&lt;/b&gt;" in body.decode()  # an upload's text is shown as text
    finally:
        bot.uploads.remove(report.id)
        bot.uploads.remove(field.id)
    assert fetch(server, f"/documents/{report.doc}")[0] == 404  # removed: no longer served


@pytest.mark.parametrize("path", [
    "/documents/../pyproject.toml", "/documents/..%2Fpyproject.toml", "/documents/..%2F..%2F..%2Fetc%2Fpasswd",
    "/documents/%2e%2e%2fpyproject.toml", "/documents/%2Fetc%2Fpasswd",
    "/documents/rome-statute%2F..%2F..%2Fpyproject.toml",
    "/documents/..", "/documents/rome-statute.pdf", "/documents/no-such-document", "/documents/no-such-document/text",
    "/documents/upload-0123456789abcdef", "/documents/hague-principles",  # in the manifest, not synced nor indexed
])
def test_the_document_routes_serve_no_path_and_no_unknown_document(server, path):
    status, _, body = fetch(server, path)
    assert status in (400, 404), (path, status)
    assert b"[project]" not in body and b"root:" not in body


def test_a_document_path_must_stay_inside_its_folder(tmp_path):
    from assistant.ui.originals import inside

    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "statute.pdf").write_bytes(b"%PDF-1.7")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "link.pdf").symlink_to(tmp_path / "secret.txt")
    assert inside(folder, "statute.pdf") == (folder / "statute.pdf").resolve()
    for name in ["../secret.txt", "link.pdf", str(tmp_path / "secret.txt"), "", ".", "missing.pdf"]:
        assert inside(folder, name) is None, name


def test_the_document_routes_require_a_login_under_auth(bot, feedback_store):
    import http.client
    import urllib.parse

    from test_ui import launch

    from assistant.ui.login import LoginGuard

    app, url = launch(bot, feedback_store, guard=LoginGuard("trainer", "correct-horse", max_failures=5, window=60))
    try:
        for path in ["/documents/rome-statute", "/documents/geneva-convention-iv/text"]:
            status, _, body = fetch(url, path)
            assert status == 401 and b"%PDF" not in body and b"<section" not in body, (path, status)
        where = urllib.parse.urlparse(url)
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
        form = urllib.parse.urlencode({"username": "trainer", "password": "correct-horse"})
        connection.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
        reply = connection.getresponse()
        reply.read()
        cookies = "; ".join(c.split(";", 1)[0] for c in reply.headers.get_all("set-cookie") or [])
        connection.close()
        assert reply.status == 200 and cookies
        status, kind, body = fetch(url, "/documents/rome-statute", headers={"Cookie": cookies})
        assert (status, kind) == (200, "application/pdf") and body.startswith(b"%PDF")
    finally:
        app.close()


def test_a_pdf_source_card_opens_the_pdf_at_its_page(page, server):
    ask(page, "What is forced pregnancy under the Rome Statute?")
    card = page.locator("#src-1-1")
    pdf_page = re.search(r"PDF p\. (\d+)", card.locator("summary").first.inner_text()).group(1)
    link = card.locator("a.open-source")
    assert link.inner_text() == f"Open the PDF at page {pdf_page}"
    href = link.get_attribute("href")
    assert href == f"documents/rome-statute#page={pdf_page}" and link.get_attribute("target") == "_blank"
    with page.context.expect_event("response", lambda r: "/documents/" in r.url) as response, \
            page.context.expect_page() as opened:
        link.click()
    assert response.value.url == f"{server}documents/rome-statute"  # the fragment stays with the viewer
    assert response.value.status == 200 and response.value.header_value("content-type") == "application/pdf"
    assert opened.value.url == f"{server}{href}"
    # the viewer keeps the bytes it shows to itself: fetch them again with the page's session
    assert page.request.get(response.value.url).body() == (DOCUMENTS / "rome-statute.pdf").read_bytes()
    opened.value.close()


def test_a_markdown_source_card_opens_the_text_at_its_article(page, server):
    ask(page, "Are women protected against rape under Geneva Convention IV?")
    card = page.locator("#sources-panel .src-card", has_text="GC IV, art. 27(2)").first
    link = card.locator("a.open-source")
    assert link.inner_text() == "Open the text at art. 27(2)"
    assert link.get_attribute("href") == "documents/geneva-convention-iv/text#art._27(2)"
    with page.context.expect_page() as opened:
        link.click()
    view = opened.value
    view.wait_for_load_state()
    target = view.locator(":target")
    assert "GC IV, art. 27(2)" in target.inner_text()
    assert "especially protected against any attack on their honour, in particular against rape" in target.inner_text()
    top = target.bounding_box()["y"]
    assert 0 <= top < view.viewport_size["height"] / 2, top  # scrolled to the article
    assert view.evaluate("() => document.scripts.length") == 0
    view.close()


def test_the_text_view_passes_axe_and_is_photographed(browser, server):
    for size in ["1366x768", "390x844"]:
        viewport, scale = SIZES[size]
        context = browser.new_context(viewport=viewport, device_scale_factor=scale, bypass_csp=True)  # to inject axe
        try:
            view = context.new_page()
            view.goto(f"{server}documents/geneva-convention-iv/text#art._27(2)")
            view.locator(":target").wait_for()
            shot(view, f"text-view-{size}-screen", full_page=False)
            assert audit(view) == []
        finally:
            context.close()


def test_an_answer_about_a_crime_opens_its_elements_checklist(page):
    ask(page, "What are the elements of the crime against humanity of forced pregnancy?")
    link = page.locator("#chat a[href^='#checklist:']").first
    assert "Crime against humanity of forced pregnancy (art. 7(1)(g)-4)" in link.inner_text()
    assert "Open the elements checklist" in page.locator("#chat .bot-row").last.inner_text()
    assert not page.locator("#elements").is_visible()
    link.click()
    page.wait_for_function("() => document.querySelector('#checklist-header')?.innerText"
                           ".includes('Crime against humanity of forced pregnancy')")
    assert page.get_by_role("tab", name="Elements checklist").get_attribute("aria-selected") == "true"
    assert page.locator("#crime-picker input").input_value().startswith("Crime against humanity of forced pregnancy")
    labels = page.locator("#elements label").all_inner_texts()
    assert len(labels) == 3 and all("Elements of Crimes, art. 7(1)(g)-4, element" in t for t in labels), labels
    assert "Rome Statute, art. 7(2)(f)" in page.locator("#checklist-panel").inner_text()


def test_a_crimes_source_card_opens_its_checklist_and_the_default_crime_is_left_behind(page):
    ask(page, "What are the elements of the crime against humanity of rape?")
    card = page.locator("#sources-panel .src-card", has_text="Elements of Crimes, art. 7(1)(g)-1").first
    page.get_by_role("tab", name="Elements checklist").click()  # first another crime, so that the link must pick one
    page.click("#crime-picker input")
    page.keyboard.type("persecution")
    page.get_by_role("option", name=re.compile("Crime against humanity of persecution")).first.click()
    page.wait_for_function("() => document.querySelector('#checklist-header').innerText.includes('persecution')")
    page.get_by_role("tab", name="Ask").click()
    card.locator("a.open-checklist").click()
    page.wait_for_function("() => document.querySelector('#checklist-header')?.innerText"
                           ".includes('Crime against humanity of rape')")
    labels = page.locator("#elements label").all_inner_texts()
    assert labels and all("art. 7(1)(g)-1" in t for t in labels), labels


def test_answers_offer_the_checklists_of_the_crimes_they_cite_and_only_those(bot):
    from assistant.ui.checklist import crimes_of

    def offered(question: str) -> list[tuple[str, str]]:
        return crimes_of(bot.ask(question), bot.store, bot.sources)

    assert ("art. 7(1)(g)-1", "Crime against humanity of rape") in offered(
        "What are the elements of the crime against humanity of rape?")
    assert offered("What are the elements of persecution on gender grounds?")[0] == (
        "art. 7(1)(h)", "Crime against humanity of persecution")
    assert offered("Does a survivor's silence count as consent at the ICC?") == []


# 8. The browser timing script (a measurement: nothing here depends on the times it prints)

TIMING = PROJECT_ROOT / "scripts" / "browser_timing.py"


def test_browser_timing_measures_answers_and_stops_its_server_and_browser():
    import socket
    import subprocess
    import sys

    from conftest import CHROMIUM

    run = subprocess.run([sys.executable, str(TIMING), "--questions", "2", "--verbose", "--chromium", CHROMIUM],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert sum(bool(re.match(r" ?\d+\. first words \d+\.\d{3} s, complete \d+\.\d{3} s ", line)) for line in lines) == 2
    assert re.search(r"^first streamed words: p50 \d+\.\d{3} s, p95 \d+\.\d{3} s", run.stdout, re.M)
    assert re.search(r"^complete answer: p50 \d+\.\d{3} s, p95 \d+\.\d{3} s", run.stdout, re.M)
    assert re.search(r"^load average before: [\d.]+ [\d.]+ [\d.]+$", run.stdout, re.M)
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/, 2 questions", run.stdout).group(1))
    with socket.socket() as probe:  # the server it started is gone
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    children = subprocess.run(["pgrep", "-f", f"serve --port {port}"], capture_output=True, text=True)
    assert children.stdout == "", children.stdout


def test_browser_timing_refuses_to_time_a_notice_as_an_answer(server, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import CHROMIUM

    dataset = tmp_path / "blank.jsonl"
    dataset.write_text(json.dumps({"question": "   ", "history": []}) + "\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(TIMING), "--url", server, "--dataset", str(dataset), "--questions", "1",
                          "--chromium", CHROMIUM], capture_output=True, text=True, timeout=900)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "got a notice, not an answer" in run.stderr and "question is empty" in run.stderr
    assert "first streamed words" not in run.stdout
