"""The web app, driven in Debian's Chromium through Playwright and called through gradio_client.

Screenshots are saved in artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assistant.config import PROJECT_ROOT
from assistant.feedback import FeedbackStore

SHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def feedback_store(tmp_path_factory) -> FeedbackStore:
    return FeedbackStore(tmp_path_factory.mktemp("feedback") / "feedback.sqlite")


def launch(bot, feedback_store, guard=None):
    """The app for `bot` on a free loopback port, as `serve()` configures it (`guard`: a LoginGuard for
    --auth): (app, url)."""
    from assistant.ui.app import build_app, launch_options

    app = build_app(bot, feedback_store)
    app.queue(default_concurrency_limit=8)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
               **launch_options(bot, guard), footer_links=[], ssr_mode=False)
    return app, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def server(assistant, feedback_store):
    app, url = launch(assistant, feedback_store)
    yield url
    app.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server)
    page.wait_for_selector("#question textarea")
    page.outside_requests = requests  # checked by the offline test
    yield page
    context.close()


def ask(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "() => { const c = document.querySelector('#sources-panel');"
        " return c && c.querySelector('.src-card, .sources-declined'); }",
        timeout=30000,
    )


def downloaded(page, button: str, files: str) -> str:
    """Click a button that offers a file, download the file it offers, and return its text."""
    page.click(button)
    link = page.locator(f"{files} a").first
    link.wait_for(timeout=15000)
    with page.expect_download() as download:
        link.click()
    return Path(download.value.path()).read_text(encoding="utf-8")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_question_gets_an_answer_with_a_marker_and_its_sources(page, server):
    ask(page, "What is forced pregnancy under the Rome Statute?")
    chat = page.locator("#chat")
    assert "[1]" in chat.inner_text()
    assert "unlawful confinement of a woman forcibly made pregnant" in chat.inner_text()
    card = page.locator("#src-1-1")
    assert "Rome Statute, art. 7(2)(f)" in card.inner_text()
    shot(page, "chat-desktop")
    assert not [u for u in page.outside_requests if not u.startswith(server)], "the page fetched from outside"


def test_related_provisions_are_links_to_closed_cards_not_quotes(page):
    ask(page, "What is forced pregnancy under the Rome Statute?")
    chat = page.locator("#chat")
    assert "Related provisions (not quoted):" in chat.inner_text()
    link = chat.locator("a[href='#src-1-r1']")
    label = link.inner_text()
    card = page.locator("#src-1-r1")
    assert label in card.inner_text() and card.get_attribute("open") is None
    card.locator("summary").click()
    assert card.locator(".src-text").is_visible()


def test_a_source_card_says_which_chapter_and_section_its_provision_sits_in(page):
    ask(page, "Is there a limitation period for prosecuting offences against the administration of justice?")
    card = page.locator(".src-card", has_text="ICC RPE, rule 164(2)").first
    assert card.locator(".src-division").inner_text() == (
        "Chapter 9. Offences and misconduct against the Court — Section I. Offences against the administration of "
        "justice under article 70")


def test_a_decline_says_why_in_plain_words_and_lists_the_closest_provisions(page):
    ask(page, "What did the Ongwen judgment decide about forced pregnancy?")
    text = page.locator("#chat").inner_text()
    assert "The corpus holds legal instruments, not case law" in text
    assert "Closest provisions (they do not answer it):" in text and "art. 7(2)(f)" in text
    assert "threshold" not in text and "similarity" not in text


def test_clicking_a_marker_opens_the_source_with_the_quote_highlighted(page):
    ask(page, "Does a survivor's silence count as consent at the ICC?")
    page.locator("#chat a", has_text="[1]").first.click()
    card = page.locator("#src-1-1")
    assert card.is_visible()
    highlighted = card.locator("mark").inner_text()
    assert "Consent cannot be inferred by reason of the silence of" in highlighted


def test_a_source_card_opens_the_definition_its_provision_refers_to(page):
    ask(page, "Is forced pregnancy a war crime in an international armed conflict?")
    card = page.locator(".src-card", has_text="Rome Statute, art. 8(2)(b)(xxii)").first
    definition = card.locator(".src-link", has_text="Rome Statute, art. 7(2)(f)").first
    definition.locator("summary").click()
    assert "“Forced pregnancy” means the unlawful confinement" in definition.inner_text()


def instrument_boxes(page):
    """The instrument boxes of the open filter accordion, once drawn: count() does not wait, and with none drawn
    yet a loop over them would tick or untick nothing."""
    boxes = page.locator("#doc-filter label")
    boxes.first.wait_for()
    return boxes


def test_filter_limits_the_answer_to_the_chosen_instrument(page):
    page.click("#filters")
    boxes = instrument_boxes(page)
    for i in range(boxes.count()):
        label = boxes.nth(i)
        # check()/uncheck() wait until the box shows the state asked for: a click on a busy page can be lost
        label.locator("input").set_checked(label.inner_text().strip() == "AP I")
    ask(page, "Which protection against rape does the law give women?")
    sources = page.locator("#sources-panel").inner_text()
    assert "AP I, art. 76(1)" in sources
    assert "Rome Statute" not in sources


def test_follow_up_question_uses_the_conversation(page):
    ask(page, "What are the elements of the war crime of rape?")
    page.fill("#question textarea", "And what about in a non-international armed conflict?")
    page.press("#question textarea", "Enter")
    page.wait_for_selector("#src-2-1", timeout=30000)
    assert "art. 8(2)(e)(vi)" in page.locator("#sources-panel").inner_text()


def test_out_of_scope_question_is_declined_in_the_chat(page):
    ask(page, "Give me a vegetarian lasagne recipe for eight people.")
    assert "No provision of the instruments searched is close enough" in page.locator("#chat").inner_text()
    assert "No sources: the question was declined." in page.locator("#sources-panel").inner_text()


def test_workshop_exercise_is_asked_in_the_chat(page):
    page.get_by_role("tab", name="Workshop").click()
    page.locator("#scenario-picker input").fill("Sexual violence in detention")
    page.get_by_role("option", name="Sexual violence in detention").click()
    page.wait_for_selector("#exercises label")
    assert "Facts" in page.locator("#scenario-text").inner_text()
    page.locator("#exercises label").first.click()
    page.click("#exercise-to-chat")  # asks at once
    page.wait_for_selector("#src-1-1", timeout=30000)
    shot(page, "workshop-exercise-answered")


def test_elements_checklist_links_elements_to_statute_and_rules(page):
    page.get_by_role("tab", name="Elements checklist").click()
    page.locator("#crime-picker input").fill("forced pregnancy")
    page.get_by_role("option", name=re.compile(r"Crime against humanity of forced pregnancy")).click()
    page.wait_for_function("() => document.querySelector('#checklist-header').innerText.includes('forced pregnancy')")
    labels = page.locator("#elements label").all_inner_texts()
    assert len(labels) == 3
    assert labels[0].startswith("1. The perpetrator confined one or more women forcibly made pregnant")
    assert "Elements of Crimes, art. 7(1)(g)-4, element 1" in labels[0]
    panel = page.locator("#checklist-panel").inner_text()
    assert "Rome Statute, art. 7(2)(f)" in panel and "ICC RPE, rule 70(c)" in panel and "ICC RPE, rule 63(4)" in panel
    page.locator("#elements label").first.click()
    shot(page, "elements-checklist")


def test_transcript_is_exported_with_citations_and_quotes(page):
    ask(page, "Is corroboration needed to prove rape?")
    text = downloaded(page, "#export", "#transcript")
    assert text.startswith("# Gender Justice Assistant — transcript")
    assert "## 1. Is corroboration needed to prove rape?" in text
    assert "ICC RPE, rule 63(4)" in text and "**Sources**" in text


def test_feedback_is_stored_locally(page, feedback_store):
    before = len(feedback_store.rows())
    ask(page, "What is forced pregnancy?")
    page.click("#feedback")
    page.get_by_label("wrong or missing citation").check()
    page.get_by_placeholder("Optional comment").fill("Should also cite the Elements.")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_selector("text=saved on this machine")
    rows = feedback_store.rows()
    assert len(rows) == before + 1
    assert rows[-1]["rating"] == "wrong or missing citation" and rows[-1]["question"] == "What is forced pregnancy?"


def test_about_page_lists_documents_and_says_legal_information_not_advice(page):
    page.get_by_role("tab", name="About the corpus").click()
    about = page.locator("#about").inner_text()
    assert "legal information, not legal advice" in about
    assert "Hague Principles" in about and "not available" in about


def test_page_reads_well_on_a_narrow_screen(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("#question textarea")
    ask(page, "How does the Rome Statute define gender?")
    box = page.locator("#question textarea").bounding_box()
    assert box["width"] <= 390
    shot(page, "chat-narrow")
    context.close()


def test_gradio_client_gets_an_answer_as_json(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    answer = client.predict("What is forced pregnancy?", "", api_name="/ask")
    assert answer["citations"][0]["unit"] == "art. 7(2)(f)"
    assert {"question", "answer", "declined", "reason", "citations", "sentences"} <= set(answer)


def test_http_api_returns_a_clear_error_for_bad_input(server):
    from gradio_client import Client

    answer = Client(server, verbose=False).predict("   ", "", api_name="/ask")
    assert answer == {"error": "the question is empty: type a question about the corpus"}


def test_gradio_client_chat_answer_is_streamed(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    job = client.submit("Does a survivor's silence count as consent?", [], ["rules-of-procedure-and-evidence"],
                        api_name="/ask_chat")
    job.result(timeout=60)
    texts = [str(output[1][-1]["content"]) for output in job.outputs() if output[1]]
    assert len(texts) >= 3
    assert len(set(texts)) >= 3  # the answer grows update by update
    assert "rule 70(c)" in texts[-1]


def test_non_local_host_requires_credentials(settings):
    from assistant.errors import AssistantError
    from assistant.ui.app import serve

    with pytest.raises(AssistantError, match="--auth user:password"):
        serve(settings, host="0.0.0.0", port=_free_port(), block=False)


def assert_inert(page, where: str, images: str) -> None:
    """Nothing hostile became live inside `where`: no such image, no javascript: link, no script ran."""
    area = page.locator(where)
    assert area.locator(images).count() == 0
    for link in area.locator("a").all():
        assert not (link.get_attribute("href") or "").startswith("javascript:")
    assert page.evaluate("() => window.__pwned") is None


def test_html_and_script_in_a_question_are_shown_as_text_and_never_run(page):
    hostile = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> '
               '[click me](javascript:window.__pwned=3) What is forced pregnancy?')
    ask(page, hostile)
    chat = page.locator("#chat")
    assert "<script>window.__pwned = 1</script>" in chat.inner_text()
    assert_inert(page, "#chat", "img[src='x']")


def upload(page, path, expect: str, where: str = "#uploads-list") -> None:
    """Open "Your documents", add the file, and wait until `expect` shows in `where`."""
    page.click("#uploads")
    page.set_input_files("#upload-file input[type=file]", str(path))
    page.wait_for_timeout(500)  # the file reaches the server before the button is pressed
    page.click("#upload-button")
    page.wait_for_function(f"() => document.querySelector('{where}').innerText.includes({expect!r})", timeout=60000)


def test_uploaded_document_is_added_asked_about_and_removed_in_the_browser(page, tmp_path):
    guide = tmp_path / "guidelines.md"
    guide.write_text("# Field guidelines\n\n## Interviews\n\nSurvivors may be accompanied by a trusted support "
                     "person of their choosing during every interview.\n", encoding="utf-8")
    upload(page, guide, "Field guidelines")
    ask(page, "May a survivor bring a trusted support person to the interview?")
    assert "uploaded: Field guidelines, Interviews" in page.locator("#sources-panel").inner_text()
    shot(page, "upload-cited")
    page.click("#upload-choice input")
    page.locator("[data-testid=dropdown-option]", has_text="Field guidelines").first.click()
    page.click("#remove-upload")
    page.wait_for_function("() => document.querySelector('#upload-status').innerText.includes('Removed')",
                           timeout=30000)
    assert "Field guidelines" not in page.locator("#uploads-list").inner_text()


def test_an_upload_shows_its_progress_while_questions_are_answered(page, assistant, tmp_path):
    """Embedding a large upload takes a while: the panel says how far it has got, and the chat answers
    meanwhile."""
    notes = tmp_path / "harvest-notes.txt"
    notes.write_text("\n\n".join(f"Paragraph {n} of the harvest notes: witnesses described the harvest in the "
                                 f"district of site {n}, and the monitors recorded each account separately."
                                 for n in range(1500)), encoding="utf-8")
    try:
        page.click("#uploads")
        page.wait_for_selector("#upload-status", state="attached")  # rendered once the section is open
        page.evaluate("""() => { const status = document.querySelector('#upload-status'); window.statuses = [];
            new MutationObserver(() => window.statuses.push(status.innerText))
                .observe(status, {subtree: true, childList: true, characterData: true}); }""")
        page.set_input_files("#upload-file input[type=file]", str(notes))
        page.wait_for_timeout(500)  # the file reaches the server before the button is pressed
        page.click("#upload-button")
        page.wait_for_function("() => document.querySelector('#upload-status').innerText.includes('Embedding')",
                               timeout=120000)
        ask(page, "What is forced pregnancy?")
        still_embedding = "Embedding" in page.locator("#upload-status").inner_text()
        shot(page, "upload-progress")
        page.wait_for_function("() => document.querySelector('#upload-status').innerText.includes('Added')",
                               timeout=900000)
    finally:  # the other tests search the same uploads folder
        for document in assistant.uploads.list():
            if document.original_name == notes.name:
                assistant.uploads.remove(document.id)
    assert "Rome Statute, art. 7(2)(f)" in page.locator("#sources-panel").inner_text()
    assert still_embedding, "the question waited for the upload"
    shown = [re.search(r"Embedding ([\d,]+) of ([\d,]+) passages", text) for text in page.evaluate("window.statuses")]
    done = [int(m.group(1).replace(",", "")) for m in shown if m]
    totals = {int(m.group(2).replace(",", "")) for m in shown if m}
    assert len(set(done)) >= 2 and done == sorted(done), done  # it moves forward
    assert len(totals) == 1 and 1500 <= totals.pop()  # a passage or more for each paragraph
    assert "Added “harvest-notes”" in page.locator("#upload-status").inner_text()


def test_a_corrupt_upload_is_refused_with_a_message(page, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really a pdf")
    upload(page, broken, "damaged or not a PDF", where="#upload-status")


def test_html_in_an_uploaded_document_is_shown_as_text_and_never_runs(page, tmp_path):
    hostile = tmp_path / "hostile.md"
    hostile.write_text("# <img src=x onerror='window.__pwned=7'>Witness notes\n\n## <script>window.__pwned=8</script>"
                       "Detention\n\nWomen detained in the barracks were raped by guards at night. "
                       "<img src=y onerror='window.__pwned=9'> [details](javascript:window.__pwned=10)\n",
                       encoding="utf-8")
    upload(page, hostile, "Witness notes")
    ask(page, "Were women detained in the barracks raped by guards?")
    panel = page.locator("#sources-panel")
    assert "<script>window.__pwned=8</script>" in panel.inner_text()
    assert_inert(page, "body", "img[src='x'], img[src='y']")


@pytest.fixture(scope="module")
def llm_app(assistant, feedback_store):
    """The app with the openai-compatible backend, talking to a scripted server that writes hostile output."""
    from llm_server import ScriptedLLM, Text

    hostile = ("<img src=x onerror='window.__pwned=4'> <script>window.__pwned=5</script> "
               "[read more](javascript:window.__pwned=6)\nForced pregnancy means “the unlawful confinement of a "
               "woman forcibly made pregnant” [1]. The confinement must be unlawful [1].")
    llm = ScriptedLLM(lambda request: Text(hostile)).start()
    bot = assistant.configured(llm_backend="openai-compatible", llm_base_url=llm.url, llm_model="m", llm_timeout=5.0)
    app, url = launch(bot, feedback_store)
    yield url
    app.close()
    llm.stop()


def test_html_and_script_in_model_output_are_shown_as_text_and_never_run(browser, llm_app):
    context = browser.new_context()
    page = context.new_page()
    page.goto(llm_app)
    page.wait_for_selector("#question textarea")
    ask(page, "What is forced pregnancy under the Rome Statute?")
    chat = page.locator("#chat")
    assert "unlawful confinement of a woman forcibly made pregnant" in chat.inner_text()
    assert "<script>window.__pwned=5</script>" in chat.inner_text()  # shown as text, flagged as uncited
    assert "⚠ unverified: no citation" in chat.inner_text()
    assert_inert(page, "#chat", "img[src='x']")
    shot(page, "llm-answer-flagged")
    context.close()


@pytest.fixture(scope="module")
def api_client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def test_api_lists_the_documented_endpoints_and_the_ask_parameters(api_client):
    endpoints = api_client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert set(endpoints) == {"/ask", "/ask_chat", "/export", "/checklist"}
    parameters = [(p["parameter_name"], p["parameter_has_default"]) for p in endpoints["/ask"]["parameters"]]
    assert parameters == [("question", False), ("doc", True)]
    assert endpoints["/ask"]["returns"][0]["type"]["type"] == "object"


ANY_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["", " ", "\x00\x01\x1b[31m", "\u202e\u200b", "x" * 4001, "What is rape? " * 400,
                     "<script>alert(1)</script>", "art. 999(9)(z)", "rule 70" + "\t" * 50]),
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ANY_TEXT)
def test_http_api_gives_an_answer_or_a_clear_error_for_any_text(api_client, text):
    result = api_client.predict(text, "", api_name="/ask")
    if "error" in result:
        assert set(result) == {"error"} and result["error"].startswith("the question ")
    else:
        assert isinstance(result["answer"], str) and result["answer"].strip()
        assert result["declined"] or result["citations"]


@pytest.fixture
def served(assistant, tmp_path):
    """`assistant serve` as a user starts it, in a process of its own with its own temporary folder (TMPDIR)
    and data folders; stopped with SIGTERM (as `kill` does) and waited for, whatever the test did."""
    import os
    import subprocess
    import time
    import urllib.request

    temp = tmp_path / "tmp"
    temp.mkdir()
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(temp), "ASSISTANT_UPLOADS_DIR": str(tmp_path / "uploads"),
           "ASSISTANT_FEEDBACK_DB": str(tmp_path / "feedback" / "feedback.sqlite"), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("GRADIO_TEMP_DIR", None)
    leftover = temp / f"gender-justice-assistant-{os.getuid()}" / "server-killed"
    leftover.mkdir(parents=True)
    (leftover / "statement.md").write_text("A survivor's statement left by a server that was killed.")
    process = subprocess.Popen([str(PROJECT_ROOT / ".venv" / "bin" / "assistant"), "serve", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                assert process.poll() is None, "assistant serve exited"
                time.sleep(0.5)
        process.temp, process.leftover, process.url = temp, leftover, url
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=60)


def test_web_app_keeps_no_posted_file_and_removes_its_temporary_folder_at_stop(served, browser, tmp_path):
    """Posted files stayed in Gradio's temporary folder (refused ones too), transcripts in folders any local
    user could read, after Remove and after the server stopped."""
    import signal

    assert not served.leftover.exists()  # swept at start
    (server_folder,) = served.leftover.parent.glob("server-*")
    assert server_folder.stat().st_mode & 0o777 == 0o700
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(served.url)
    page.wait_for_selector("#question textarea")
    notes = tmp_path / "posted-notes.md"
    notes.write_text("# Posted notes\n\n## Interviews\n\nSurvivors chose where to be interviewed.\n", encoding="utf-8")
    upload(page, notes, "Posted notes")
    broken = tmp_path / "posted-broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really a pdf")
    upload(page, broken, "damaged or not a PDF", where="#upload-status")
    ask(page, "Where were survivors interviewed?")
    page.click("#export")
    page.locator("#transcript a").first.wait_for(timeout=15000)
    context.close()
    kept = sorted(p.name for p in served.temp.rglob("*") if p.is_file())
    assert "posted-notes.md" not in kept and "posted-broken.pdf" not in kept, kept
    transcripts = list(served.temp.rglob("gender-justice-assistant-transcript.md"))
    assert len(transcripts) == 1 and transcripts[0].is_relative_to(server_folder)
    assert transcripts[0].stat().st_mode & 0o777 == 0o600
    served.send_signal(signal.SIGTERM)
    served.wait(timeout=60)
    assert not server_folder.exists()
    assert [p for p in served.temp.rglob("*") if p.is_file()] == [], "files outlived the server"


def test_failed_logins_are_limited_per_address_and_logged_without_the_password(assistant, tmp_path):
    """With --auth, 50 wrong logins took 0.56 s and none was logged."""
    import os
    import subprocess
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    port = _free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path), "ASSISTANT_LOGIN_MAX_FAILURES": "3",
           "ASSISTANT_UPLOADS_DIR": str(tmp_path / "uploads")}
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen([str(PROJECT_ROOT / ".venv" / "bin" / "assistant"), "serve", "--port", str(port),
                                "--auth", "trainer:correct-horse"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def login(password: str) -> int:
        form = urllib.parse.urlencode({"username": "trainer", "password": password}).encode()
        try:
            with urllib.request.urlopen(urllib.request.Request(f"{url}/login", data=form), timeout=30) as reply:
                return reply.status
        except urllib.error.HTTPError as exc:
            return exc.code

    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except urllib.error.HTTPError:
                break  # up, asking for a login
            except OSError:
                assert process.poll() is None, "assistant serve exited"
                time.sleep(0.5)
        assert login("correct-horse") == 200
        statuses = [login(f"guess-{n}") for n in range(5)]
        assert statuses == [400, 400, 400, 429, 429]
        assert login("correct-horse") == 429  # blocked for this address until its failures are old enough
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
    logged = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert logged.count("failed login: user 'trainer' from 127.0.0.1") == 3
    assert "login refused: 127.0.0.1" in logged
    assert "guess-" not in logged and "correct-horse" not in logged
