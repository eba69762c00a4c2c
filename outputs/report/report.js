// Document page: clicking a highlighted finding or a list item shows its detail box.
// Detail contents are rendered (escaped) by Python; this script only toggles `hidden`.
(function () {
  "use strict";
  var box = document.getElementById("detail-box");
  if (!box) { return; }
  var details = box.querySelectorAll(".detail");

  function show(ids) {
    details.forEach(function (d) { d.hidden = ids.indexOf(d.dataset.finding) < 0; });
    box.hidden = false;
    document.querySelectorAll("mark.finding.active").forEach(function (m) {
      m.classList.remove("active");
    });
    ids.forEach(function (id) {
      document.querySelectorAll('mark.finding[data-findings~="' + id + '"]').forEach(function (m) {
        m.classList.add("active");
      });
    });
  }

  function ids(el) { return el.dataset.findings.split(" ").filter(Boolean); }

  document.addEventListener("click", function (ev) {
    var el = ev.target.closest("[data-findings]");
    if (el) { show(ids(el)); }
  });
  document.addEventListener("keydown", function (ev) {
    var el = ev.target.closest && ev.target.closest("mark[data-findings]");
    if (el && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); show(ids(el)); }
  });
  var m = /^#f-(\d+)$/.exec(location.hash);
  if (m) { show([m[1]]); }
})();
