// The audit page: filters in the query string, rows as cards, a tap on a conversation id opens its
// transcript; [n] in an answer opens the source it cites. All text goes in through textContent.
(function () {
  "use strict";
  var base = "/maintassist/audit";
  var form = document.getElementById("filters");
  var KINDS = {rag: "answer", abstain: "declined", procedure: "procedure", history: "work-order count",
               sensor: "sensor figure"};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value) params.set(key, value); });
    return params;
  }

  function fill(params) {
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) return;
      if (input.type === "checkbox") input.checked = params.get(input.name) === "1";
      else input.value = params.get(input.name) || "";
    });
  }

  function when(ts) { return (ts || "").replace("T", " ").slice(0, 16); }

  // Answers are stored as the chat's Markdown; the audit view shows their words.
  function plain(text) {
    return (text || "").replace(/^#+\s*/gm, "").replace(/^\s*- \[[ x]\] /gm, "• ").replace(/\*\*|__/g, "")
      .replace(/(^|\s)_([^_\n]+)_(?=[\s.,;:!?]|$)/g, "$1$2").replace(/`/g, "");
  }

  function showError(message) {
    var box = document.getElementById("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function load(params) {
    var qs = params.toString();
    history.replaceState(null, "", base + (qs ? "?" + qs : ""));
    document.getElementById("csv").href = base + "/export.csv" + (qs ? "?" + qs : "");
    document.getElementById("jsonl").href = base + "/export.jsonl" + (qs ? "?" + qs : "");
    var response = await fetch(base + "/rows" + (qs ? "?" + qs : ""), {credentials: "same-origin"});
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      showError(data.detail || ("The audit view answered " + response.status));
      document.getElementById("rows").replaceChildren();
      document.getElementById("summary").textContent = "";
      return;
    }
    showError("");
    machines(data.machines || []);
    fill(params);
    var chain = document.getElementById("chain");
    chain.textContent = data.chain_ok ? "✓ audit chain intact" : "✗ audit chain broken at event " + data.chain_broken_at;
    chain.className = "badge " + (data.chain_ok ? "ok" : "bad");
    var s = data.summary;
    function n(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }
    document.getElementById("summary").textContent = n(s.total, "exchange") + " · " + n(s.procedures, "procedure") +
      " · " + s.declined + " declined · " + s.down + " 👎 · " + n(s.comments, "comment");
    document.getElementById("rows").replaceChildren.apply(document.getElementById("rows"), data.rows.map(card));
  }

  function machines(list) {
    var select = form.elements.machine;
    if (select.options.length > 1) return;
    list.forEach(function (id) { select.appendChild(new Option(id, id)); });
  }

  function card(r) {
    var row = el("article", "row");
    row.dataset.event = r.event_id;
    var head = el("div", "head");
    head.append(el("span", "when", when(r.ts)), el("span", "who", r.user), el("span", "machine", r.asset || "any machine"));
    var body = el("div", "body");
    body.append(el("div", "q", r.question || ""));
    if (r.answer) body.append(el("div", "a", plain(r.answer)));
    var side = el("div", "side");
    side.append(el("span", "kind " + r.route, KINDS[r.route] || r.route));
    var kinds = {};
    (r.flags || []).forEach(function (f) { if (f.kind !== "abstained") kinds[f.kind.replace(/_/g, " ")] = 1; });
    Object.keys(kinds).forEach(function (k) { side.append(el("span", "flag", "⚠ " + k)); });
    if (r.feedback) {
      var fb = el("span", "fb" + (r.feedback === -1 ? " down" : ""), r.feedback === 1 ? "👍" : "👎");
      if (r.feedback_comment) fb.textContent += " “" + r.feedback_comment + "”";
      side.append(fb);
    }
    if (r.thread_id) {
      var open = el("button", "open quiet", r.short_id);
      open.type = "button";
      open.title = "Open conversation " + r.thread_id;
      open.dataset.thread = r.thread_id;
      open.addEventListener("click", function () { openThread(r.thread_id); });
      side.append(open);
    }
    row.append(head, body, side);
    return row;
  }

  function withCites(text, sources) {
    var box = el("div", "text");
    var byN = {};
    sources.forEach(function (s) { byN[s.n] = s; });
    var holder = el("div");
    plain(text).split(/(\[\d+\])/).forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (!m || !byN[m[1]]) { box.append(document.createTextNode(part)); return; }
      var s = byN[m[1]];
      var cite = el("button", "cite", part);
      cite.type = "button";
      cite.setAttribute("aria-expanded", "false");
      cite.addEventListener("click", function () {
        var shown = holder.querySelector('[data-n="' + s.n + '"]');
        if (shown) { shown.remove(); cite.setAttribute("aria-expanded", "false"); return; }
        var src = el("div", "source");
        src.dataset.n = s.n;
        src.append(el("b", "", "[" + s.n + "] " + s.label), el("span", "meta", s.where), el("div", "", s.excerpt));
        holder.append(src);
        cite.setAttribute("aria-expanded", "true");
      });
      box.append(cite);
    });
    var wrap = el("div");
    wrap.append(box, holder);
    return wrap;
  }

  async function openThread(id) {
    var response = await fetch(base + "/thread/" + encodeURIComponent(id), {credentials: "same-origin"});
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) { showError(data.detail || "Could not open " + id); return; }
    var t = data.thread;
    document.getElementById("thread-title").textContent = t.title;
    document.getElementById("thread-meta").textContent = t.short + " · " + t.owner + " · " +
      (t.asset || "any machine") + " · " + when(t.created) + " · read-only";
    var turns = data.turns.map(function (turn) {
      var node = el("div", "turn");
      node.dataset.role = turn.role;
      node.append(el("div", "who", (turn.role === "user_message" ? "🧑‍🔧 " + t.owner : "🤖 assistant") + " · " + when(turn.created)));
      node.append(withCites(turn.text, turn.sources || []));
      if (turn.checklist) {
        node.append(el("div", "who", "Checklist: " + turn.checklist.done + " of " + turn.checklist.total + " ticked"));
        var list = el("ul", "checklist");
        turn.checklist.items.forEach(function (item) { list.append(el("li", "", (item[1] ? "☑ " : "☐ ") + item[0])); });
        node.append(list);
      }
      if (turn.feedback) {
        var fb = el("div", "fb" + (turn.feedback.value === -1 ? " down" : ""), turn.feedback.value === 1 ? "👍" : "👎");
        if (turn.feedback.comment) fb.textContent += " “" + turn.feedback.comment + "”";
        node.append(fb);
      }
      return node;
    });
    document.getElementById("turns").replaceChildren.apply(document.getElementById("turns"), turns);
    document.getElementById("thread").hidden = false;
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); load(query()); });
  document.getElementById("clear").addEventListener("click", function () { fill(new URLSearchParams()); load(new URLSearchParams()); });
  document.getElementById("close").addEventListener("click", function () { document.getElementById("thread").hidden = true; });
  var start = new URLSearchParams(location.search);
  var threadRef = start.get("thread");  // /audit links may open one conversation directly
  start.delete("thread");
  load(start).then(function () { if (threadRef) openThread(threadRef); });
})();
