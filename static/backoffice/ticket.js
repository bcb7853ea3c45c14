// The ticket page: canned-response preview, and the collision notice (who else has the ticket
// open or is typing, and whether someone wrote meanwhile), by polling; no inline script.
"use strict";

(function () {
  const page = document.querySelector(".bo-ticket");
  if (!page) return;
  const form = page.closest("form");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const body = form.querySelector("textarea[name=reply_body]");
  const seen = form.querySelector("input[name=last_seen_message]");
  const notice = document.getElementById("bo-presence");
  const fmt = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);

  // Canned responses: show the filled-in text, insert it on request.
  const macro = form.querySelector("select[name=macro]");
  const preview = document.getElementById("bo-macro-preview");
  if (macro && preview) {
    const text = preview.querySelector(".bo-macro-text");
    let current = "";
    macro.addEventListener("change", async () => {
      if (!macro.value) { preview.hidden = true; return; }
      const url = page.dataset.previewUrl + "?macro=" + encodeURIComponent(macro.value);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      current = data.text;
      text.innerHTML = data.html;  // sanitised server-side by portal/markdown.py
      preview.hidden = false;
    });
    document.getElementById("bo-macro-insert").addEventListener("click", () => {
      body.value = current + (body.value ? "\n\n" + body.value : "");
      macro.value = "";
      preview.hidden = true;
      body.focus();
    });
  }

  // Presence: poll every 10 s; report typing while keys were pressed in the last 10 s.
  let lastKey = 0;
  body.addEventListener("input", () => { lastKey = Date.now(); });
  let warned = 0;

  async function poll() {
    const data = new FormData();
    data.append("typing", Date.now() - lastKey < 10000 ? "1" : "0");
    data.append("seen", seen ? seen.value : "0");
    let response;
    try {
      response = await fetch(page.dataset.presenceUrl, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": token },
      });
    } catch (error) {
      return;
    }
    if (!response.ok) return;
    const state = await response.json();
    const parts = state.others.map((other) => fmt(
      other.typing ? page.dataset.textTyping : page.dataset.textOpen,
      { name: other.name },
    ));
    if (state.new_messages.length) {
      const names = [...new Set(state.new_messages.map((m) => m.author))].join(", ");
      parts.push(fmt(page.dataset.textWrote, { names: names }));
      if (state.new_messages.length > warned) {
        warned = state.new_messages.length;
        notice.classList.add("bo-presence-alert");
      }
    }
    notice.textContent = parts.join(" · ");
    notice.hidden = parts.length === 0;
  }

  poll();
  setInterval(poll, 10000);
})();
