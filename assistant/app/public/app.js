// maintassist additions to Chainlit's page. Each block says which Chainlit gap it fills; remove a
// block when Chainlit offers the mechanism itself.

// 1. A QR code on a machine opens the app as /?asset=PRESS-04. The login redirect drops the query
// string, so the asset travels in a short-lived cookie with a one-time token: the server scopes
// one chat with it (assistant/app/scope.py), and "New chat" or a fresh page starts unscoped.
(function () {
  var asset = new URLSearchParams(window.location.search).get("asset");
  if (asset) {
    var token = Math.random().toString(36).slice(2) + Date.now().toString(36);
    document.cookie = "maintassist_asset=" + encodeURIComponent(asset + "~" + token) +
      "; path=/; max-age=900; SameSite=Lax";
  }
})();

// 2. Since 2.11, Chainlit opens the citation side panel by itself whenever an answer with side
// elements arrives (Chainlit/chainlit#2979, fix pending upstream); on a tablet that sheet covers
// the answer being read. Keep the panel to a tap on an [n] link: one that opens without a tap is
// closed again.
(function () {
  var lastTap = 0;
  var shown = "";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".element-link")) lastTap = Date.now();
  }, true);
  new MutationObserver(function () {
    var title = document.getElementById("side-view-title");
    var content = document.getElementById("side-view-content");
    var key = title && content ? title.textContent + "|" + content.childElementCount : "";
    if (key === shown) return;
    shown = key;
    if (!key || Date.now() - lastTap < 2000) return;
    var back = title.querySelector("button");
    if (back) {
      back.click();  // the docked panel (landscape) has a back arrow
    } else {          // the sheet (portrait) closes on Escape
      document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
})();

// 3. The message box. Chainlit ignores Enter while an answer runs (the text just stays) and has no
// server call that fills the box. Here a question typed while busy waits visibly and is sent when
// the answer is done, and the server's window messages ({maintassist: "compose"}, sent with
// cl.send_window_message) put a voice transcript or an example question in the box.
(function () {
  var pending = false;
  var waitingSend = false;

  function input() { return document.getElementById("chat-input"); }
  function busy() { return !!document.getElementById("stop-button"); }

  function setText(text) {
    var box = input();
    if (!box) return false;
    var setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value").set;
    setter.call(box, text);  // React's own setter, so the composer's state follows
    box.dispatchEvent(new Event("input", {bubbles: true}));
    box.focus();
    return true;
  }

  function notice(show) {
    var old = document.getElementById("maintassist-pending");
    if (old) old.remove();
    pending = show;
    if (!show) return;
    var composer = document.getElementById("message-composer");
    if (!composer || !composer.parentNode) return;
    var box = document.createElement("div");
    box.id = "maintassist-pending";
    box.setAttribute("role", "status");
    var text = document.createElement("span");
    text.textContent = "⏳ Your question will be sent when the current answer is done.";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.textContent = "Don't send";
    cancel.addEventListener("click", function () { notice(false); });
    box.appendChild(text);
    box.appendChild(cancel);
    composer.parentNode.insertBefore(box, composer);
  }

  function submitWhenFree() {
    if (busy()) { notice(true); return; }
    var submit = document.getElementById("chat-submit");
    if (submit && !submit.disabled) { notice(false); submit.click(); } else { waitingSend = true; }
  }

  document.addEventListener("keydown", function (event) {
    var box = input();
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.target !== box) return;
    if (busy() && box.value.trim()) {
      event.preventDefault();
      event.stopPropagation();
      notice(true);
    }
  }, true);

  new MutationObserver(function () {
    var box = input();
    if (pending && box && !box.value.trim()) { notice(false); return; }
    if ((pending || waitingSend) && !busy()) {
      var submit = document.getElementById("chat-submit");
      if (submit && !submit.disabled) {
        waitingSend = false;
        notice(false);
        submit.click();
      }
    }
  }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"]});

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.source !== window || !data || data.maintassist !== "compose") return;
    if (!setText(String(data.text || ""))) return;
    if (data.send) setTimeout(submitWhenFree, 50);
  });
})();

// 4. Chainlit shows every failed API call as a raw toast; a wrong password gives
// "Unauthorized: credentialssignin" next to the login form's own (translated) message. On the login
// page the form says it in a sentence (translations.json), so that toast is dropped.
(function () {
  new MutationObserver(function () {
    if (!/\/login$/.test(window.location.pathname)) return;
    document.querySelectorAll("[data-sonner-toast]").forEach(function (toast) {
      if (/^Unauthorized/.test(toast.textContent.trim())) toast.style.display = "none";  // sonner owns the node
    });
  }).observe(document.body, {childList: true, subtree: true});
})();

// 5. The microphone's ✕ ends Chainlit's audio stream with "audio_end", which means "send what was
// recorded", and which Chainlit also counts as the chat's first interaction: it opens a thread
// named "audio" and re-mounts the message box, dropping its text. While recording, the ✕ here asks
// the server (cl.on_window_message) to cancel instead; the server switches the recorder off. No
// upstream issue found.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#message-composer button");
    if (!button || !button.querySelector("svg.lucide-x")) return;
    event.preventDefault();
    event.stopPropagation();
    window.postMessage({maintassist: "cancel_recording"}, "*");  // Chainlit forwards window messages
  }, true);
})();
