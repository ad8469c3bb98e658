// A QR code on a machine opens the app as /?asset=PRESS-04. The login redirect drops the query
// string, so keep the asset for a few minutes in a cookie the chat socket sends to the server.
(function () {
  var asset = new URLSearchParams(window.location.search).get("asset");
  if (asset) {
    document.cookie = "maintassist_asset=" + encodeURIComponent(asset) + "; path=/; max-age=900; SameSite=Lax";
  }
})();

// Since 2.11, Chainlit opens the citation side panel by itself whenever an answer with side
// elements arrives (Chainlit/chainlit#2979, fix pending upstream); on a tablet that sheet covers
// the answer being read. Keep the panel to a tap on an [n] link: one that opens without a tap is
// closed again. Remove this block once Chainlit opens side elements on click only.
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
