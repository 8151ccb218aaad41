() => {
  // The page's behaviour that Gradio does not give: each answer's [n] opens that answer's source card,
  // a new question and the start of its answer stay in view, the copy button copies the answer with its
  // sources, screen readers hear the answer's text rather than its Markdown, a picker's old text is
  // selected when it is focused so that typing searches, and "Open the elements checklist" opens that tab on
  // its crime.
  if (window.__gjaReady) return;
  window.__gjaReady = true;

  const CARD = /^#src-(\d+)-(r?\d+)$/;

  function showTurn(turn) {
    const panel = document.getElementById("sources-panel");
    if (!panel) return null;
    const section = panel.querySelector(`#sources-turn-${turn}`);
    if (!section) return null;
    panel.querySelectorAll(".turn-wrap").forEach((wrap) => {
      wrap.hidden = !wrap.contains(section);
    });
    return section;
  }

  function openCard(hash) {
    const match = CARD.exec(hash);
    if (!match) return false;
    const section = showTurn(match[1]);
    const card = document.getElementById(hash.slice(1));
    if (!section || !card) return false;
    document.querySelectorAll("#sources-panel .src-active").forEach((c) => {
      c.classList.remove("src-active");
      c.removeAttribute("aria-current");
    });
    card.open = true;
    card.classList.add("src-active");
    card.setAttribute("aria-current", "true");
    const panel = document.getElementById("sources-panel");
    // the panel scrolls on its own on a wide screen; on a phone the page scrolls to the card
    panel.scrollTop += card.getBoundingClientRect().top - panel.getBoundingClientRect().top - 8;
    const box = card.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight - 40) card.scrollIntoView({ block: "start" });
    history.replaceState(null, "", hash);
    return true;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#src-']");
    if (link && openCard(link.getAttribute("href"))) event.preventDefault();
  }, true);

  // A link #checklist:<locator> opens the Elements checklist tab on that crime: the locator goes into a hidden
  // box and a hidden button asks the server to switch tabs and pick the crime (tabs/checklist.py).
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#checklist:']");
    if (!link) return;
    event.preventDefault();
    const box = document.querySelector("#checklist-request textarea, #checklist-request input");
    const button = document.querySelector("button#checklist-open, #checklist-open button");
    if (!box || !button) return;
    box.value = decodeURIComponent(link.getAttribute("href").slice("#checklist:".length));
    box.dispatchEvent(new Event("input", { bubbles: true }));
    button.click();
    window.scrollTo({ top: 0 });
  }, true);

  // The copy button of an answer copies the answer and its sources as plain text.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("#chat button");
    if (!button || !/copy/i.test(button.getAttribute("aria-label") || button.title || "")) return;
    const answers = Array.from(document.querySelectorAll("#chat .message-row.bot-row, #chat .bot-row"));
    const row = button.closest(".message-row, .bot-row");
    const turn = answers.indexOf(row) + 1;
    const text = turn > 0 && document.querySelector(`#sources-turn-${turn} .copy-text`);
    if (!text) return;  // still being written: Gradio copies what is there
    event.preventDefault();
    event.stopImmediatePropagation();
    navigator.clipboard.writeText(text.textContent).catch(() => {});
    button.setAttribute("data-copied", "true");
  }, true);

  // A new question is scrolled to the top of the chat, so that it and the start of its answer show.
  let questions = 0;
  function chatScroller(chat) {
    let node = chat.querySelector(".message-row, .message");
    while (node && node !== chat.parentElement) {
      const style = getComputedStyle(node);
      if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight) return node;
      node = node.parentElement;
    }
    return null;
  }
  function readable(message) {
    // Screen readers hear the text of a message, not its Markdown (links, escapes, emphasis).
    const text = message.innerText.replace(/\s+/g, " ").trim();
    const label = (message.getAttribute("aria-label") || "").split(":")[0];
    const wanted = `${label}: ${text}`;
    if (text && message.getAttribute("aria-label") !== wanted) message.setAttribute("aria-label", wanted);
  }
  function onChatChange() {
    const chat = document.getElementById("chat");
    if (!chat) return;
    chat.querySelectorAll("[aria-label*=\"'s message\"]").forEach(readable);
    const asked = chat.querySelectorAll(".message-row.user-row, .user-row");
    if (asked.length === questions) return;
    const grew = asked.length > questions;
    questions = asked.length;
    if (!grew) return;
    const last = asked[asked.length - 1];
    const scroller = chatScroller(chat);
    if (scroller) {
      scroller.scrollTop += last.getBoundingClientRect().top - scroller.getBoundingClientRect().top - 4;
    }
  }
  new MutationObserver(onChatChange).observe(document.body, { childList: true, subtree: true, characterData: true });

  // Focusing a picker selects its text, so typing replaces the current choice's name and searches.
  const isPicker = (node) => node.matches && node.matches(".searchable-picker input");
  document.addEventListener("focusin", (event) => {  // by keyboard: after the browser places the caret
    if (isPicker(event.target)) setTimeout(() => event.target.select(), 0);
  });
  document.addEventListener("click", (event) => {  // by mouse: the caret is placed by now
    if (isPicker(event.target)) event.target.select();
  });
}
