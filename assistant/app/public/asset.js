// A QR code on a machine opens the app as /?asset=PRESS-04. The login redirect drops the query
// string, so keep the asset for a few minutes in a cookie the chat socket sends to the server.
(function () {
  var asset = new URLSearchParams(window.location.search).get("asset");
  if (asset) {
    document.cookie = "maintassist_asset=" + encodeURIComponent(asset) + "; path=/; max-age=900; SameSite=Lax";
  }
})();
