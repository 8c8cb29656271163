// miniauth console: small progressive enhancements on top of htmx. The console works
// without this file; no page carries inline script (the CSP forbids it).
(function () {
  "use strict";

  // When a boosted request cannot reach the server at all, htmx swaps nothing and the
  // operator would see no reaction: show the page's network-error text instead.
  function showNetworkError() {
    var body = document.body;
    var text = body.getAttribute("data-msg-network") || "Network error";
    var box = document.getElementById("net-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "net-error";
      box.className = "flash flash-error net-error";
      box.setAttribute("role", "alert");
      body.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
  }

  function hideNetworkError() {
    var box = document.getElementById("net-error");
    if (box) {
      box.hidden = true;
    }
  }

  document.addEventListener("htmx:sendError", showNetworkError);
  document.addEventListener("htmx:timeout", showNetworkError);
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail && evt.detail.successful) {
      hideNetworkError();
    }
  });
})();
