/* Start here progress: which pages of the reading path this reader has opened, kept in this
   browser only (localStorage), marked on the Start here list. Works from file:// too. */
(function () {
  "use strict";
  var KEY = "kbtool.path.read";

  function load() {
    var list = kbkit.storage.getJSON(KEY, []);
    return Array.isArray(list) ? list : [];
  }

  function save(list) {
    // Refused (private mode, quota): progress is a nicety, the page still works.
    kbkit.storage.setJSON(KEY, list);
  }

  function where(href) {
    return new URL(href, window.location.href).pathname;
  }

  var read = load();
  if (document.querySelector("nav.kb-pathnav")) {
    var here = where(window.location.href);
    if (read.indexOf(here) < 0) {
      read.push(here);
      save(read);
    }
  }
  var links = document.querySelectorAll("ol.kb-path > li.kb-path-entry > a");
  if (!links.length) return;
  var done = 0;
  Array.prototype.forEach.call(links, function (link) {
    if (read.indexOf(where(link.href)) < 0) return;
    done += 1;
    var item = link.parentNode;
    item.classList.add("kb-done");
    link.insertAdjacentElement("afterend", kbkit.el("span", { class: "kb-badge kb-read", text: "read" }));
    link.insertAdjacentText("afterend", " ");
  });
  var list = links[0].closest("ol");
  var note = kbkit.el("p", { class: "kb-progress", role: "status",
    text: done ? "You have opened " + done + " of " + links.length + " pages on this path (kept in this browser)."
      : "Pages you open from this list are marked as read here (kept in this browser)." });
  list.parentNode.insertBefore(note, list);
})();
