/* kbtool: run Material's search worker in a hidden iframe when the site is opened from disk.
   Browsers refuse `new Worker(file:...)`, and Material's offline plugin loads a shim for that
   from unpkg.com, which a desk without internet cannot reach; this is the same idea, bundled. */
(function () {
  "use strict";
  if (location.protocol !== "file:" || typeof EventTarget === "undefined") return;

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      this.onmessage = null;
      this.onerror = null;
      this._queue = [];
      this._loaded = false;
      const iframe = document.createElement("iframe");
      iframe.hidden = true;
      iframe.setAttribute("aria-hidden", "true");
      (document.body || document.documentElement).appendChild(iframe);
      this._iframe = iframe;
      const win = iframe.contentWindow;
      const worker = this;
      // What the worker script sends with postMessage arrives here as a "message" event.
      win.postMessage = function (data) {
        worker._emit(new MessageEvent("message", { data: data }));
      };
      win.importScripts = function () {
        for (const src of arguments) {
          const extra = win.document.createElement("script");
          extra.src = new URL(src, location.href).href;
          win.document.body.appendChild(extra);
        }
      };
      const script = win.document.createElement("script");
      script.src = new URL(url, location.href).href;
      script.onload = function () {
        worker._loaded = true;
        worker._queue.splice(0).forEach(function (data) { worker.postMessage(data); });
      };
      script.onerror = function (event) {
        if (typeof worker.onerror === "function") worker.onerror(event);
        worker.dispatchEvent(new Event("error"));
      };
      win.document.body.appendChild(script);
      this._window = win;
    }

    _emit(event) {
      if (typeof this.onmessage === "function") this.onmessage(event);
      this.dispatchEvent(event);
    }

    postMessage(data) {
      if (!this._loaded) {
        this._queue.push(data);
        return;
      }
      const win = this._window;
      win.dispatchEvent(new win.MessageEvent("message", { data: data }));
    }

    terminate() {
      this._iframe.remove();
    }
  }

  window.Worker = IFrameWorker;
})();
