/* kbkit: the helpers every kbtool page script shares (the search box, practice drills, the review
 * pages, the reading path). Pages load it before any of them (kbtool.browser.TOOLKIT).
 *
 * Generated pages pass an allowlist sanitiser, so the scripts build their own DOM: one element
 * helper keeps every content text a text node, never markup. Sites are opened from file:// and in
 * private windows, where the clipboard API and localStorage may be missing or throw: the helpers
 * here absorb that, so a page degrades (copy by hand, progress kept until the page closes)
 * instead of stopping.
 */
(function () {
  "use strict";

  /* An element: attrs become attributes, except `text`, its text content; null or undefined ones
   * are left out, so callers can pass optional values as they are. Children are nodes or strings
   * (as text nodes); empty ones are skipped. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined) return;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false || child === "") return;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  /* A button that only runs `onClick`: type "button" never submits a form a team's template puts around it. */
  function button(attrs, onClick) {
    var b = el("button", Object.assign({ type: "button" }, attrs));
    b.addEventListener("click", onClick);
    return b;
  }

  /* Copies `text`; resolves to whether it reached the clipboard. The clipboard API exists only in
   * secure contexts (not on a site served over plain http) and may refuse without a permission or
   * focus, so a hidden textarea and execCommand follow. The fallback runs at once, inside the click or key press that
   * asked (execCommand needs it), and selecting the textarea takes the focus: it goes back to
   * `refocus`, or to whatever had it. */
  function copy(text, refocus) {
    function fallback() {
      var back = refocus || document.activeElement;
      var area = el("textarea", { readonly: "", "aria-hidden": "true", tabindex: "-1" });
      area.value = text;
      // Off-screen without a stylesheet; fixed, so selecting it does not scroll the page.
      area.style.position = "fixed";
      area.style.left = "-9999px";
      area.style.top = "0";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (back && back !== document.body && typeof back.focus === "function") back.focus({ preventScroll: true });
      return ok;
    }
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, fallback);
    }
    return Promise.resolve(fallback());
  }

  /* Saves `text` as a file named `name`. A Blob URL is the page's own: nothing leaves the
   * browser, and it works from file:// too. */
  function download(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = el("a", { href: url, download: name });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  /* Whether a key press goes into a text field: a page's one-key shortcuts leave those alone. */
  function isTyping(event) {
    var target = event.target;
    return !!target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  /* localStorage that never throws. Even reading window.localStorage throws where storage is
   * blocked (some browsers on file://, locked-down desks, sandboxed frames), and setItem throws
   * when full; progress and preferences are niceties, so a failure gives the fallback (or false)
   * and the page goes on. */
  function withStorage(use, fallback) {
    try { return use(window.localStorage); } catch (e) { return fallback; }
  }

  var storage = {
    get: function (key, fallback) {
      return withStorage(function (ls) {
        var value = ls.getItem(key);
        return value === null ? fallback : value;
      }, fallback);
    },
    set: function (key, value) {
      return withStorage(function (ls) { ls.setItem(key, value); return true; }, false);
    },
    /* The value stored as JSON under `key`; the fallback when there is none or it does not parse. */
    getJSON: function (key, fallback) {
      return withStorage(function (ls) {
        var text = ls.getItem(key);
        return text === null || text === "" ? fallback : JSON.parse(text);
      }, fallback);
    },
    setJSON: function (key, value) {
      return withStorage(function (ls) { ls.setItem(key, JSON.stringify(value)); return true; }, false);
    },
    /* Whether what is written now is kept: some browsers expose a localStorage that refuses every write. */
    works: function () {
      return withStorage(function (ls) { ls.setItem("kbkit:probe", "1"); ls.removeItem("kbkit:probe"); return true; }, false);
    }
  };

  window.kbkit = { el: el, button: button, copy: copy, download: download, isTyping: isTyping, storage: storage };
})();
