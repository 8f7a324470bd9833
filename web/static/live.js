// hanchot dashboard helpers, loaded as a file (the CSP allows scripts from 'self' only).
// 1. Tables marked "cards" label each cell with its column header, so a phone can show
//    one card per row (see style.css).
// 2. Fragments polled by htmx keep the scroll position of their inner boxes ([data-keep-scroll])
//    across a swap: the matrix does not jump back to its first column every refresh.
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll("table.cards").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (td, i) {
          if (heads[i]) { td.setAttribute("data-label", heads[i]); }
        });
      });
    });
  }
  // 3. No polling from a tab nobody looks at (htmx's trigger filters need eval, which
  //    the CSP-minded config turns off).
  document.addEventListener("htmx:beforeRequest", function (e) {
    var trigger = e.detail.elt.getAttribute("hx-trigger") || "";
    if (document.hidden && trigger.indexOf("every") === 0) { e.preventDefault(); }
  });
  var kept = {};
  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:beforeSwap", function () {
    kept = {};
    document.querySelectorAll("[data-keep-scroll][id]").forEach(function (box) {
      kept[box.id] = [box.scrollLeft, box.scrollTop];
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    label(document);
    Object.keys(kept).forEach(function (id) {
      var box = document.getElementById(id);
      if (box) { box.scrollLeft = kept[id][0]; box.scrollTop = kept[id][1]; }
    });
  });
})();
