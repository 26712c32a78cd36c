// Call flows keep their natural size and scroll sideways on a phone. Mermaid draws a flowchart
// centred on its first step, so the box opens on the middle, where the call starts, instead of its
// left edge (often empty for a branching flow). Once per box, after the drawing appears.
(function () {
  "use strict";
  function centre(box) {
    if (box.dataset.kbCentred || box.scrollWidth <= box.clientWidth + 1) return;
    var drawing = box.querySelector("div.mermaid");
    if (!drawing || drawing.getBoundingClientRect().height < 10) return;
    box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2;
    box.dataset.kbCentred = "1";
  }
  function centreAll() {
    document.querySelectorAll(".kb-flow").forEach(centre);
  }
  new MutationObserver(centreAll).observe(document.body, { childList: true, subtree: true });
  window.addEventListener("load", centreAll);
  window.addEventListener("resize", centreAll);
})();
