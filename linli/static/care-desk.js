// The alarm desk: polls the station's open alarms every 1.5 s; a new alarm goes to the top, highlighted, and (once the
// operator has turned the sound on — browsers allow audio only after a gesture) beeps. No inline script (CSP).
(function () {
  "use strict";
  var list = document.getElementById("care-alarms");
  if (!list) return;
  var feed = list.getAttribute("data-feed");
  var status = document.getElementById("care-status");
  var seen = {};
  Array.prototype.forEach.call(list.querySelectorAll("[data-id]"), function (li) { seen[li.getAttribute("data-id")] = true; });
  var audio = null;
  var soundButton = document.getElementById("care-sound");
  if (soundButton) soundButton.addEventListener("click", function () {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) { audio = new Ctx(); beep(); }
    soundButton.disabled = true;
  });
  function beep() {
    if (!audio) return;
    var o = audio.createOscillator(), g = audio.createGain();
    o.frequency.value = 880; o.connect(g); g.connect(audio.destination);
    g.gain.value = 0.3; o.start(); o.stop(audio.currentTime + 0.6);
  }
  function item(a, fresh) {
    var li = document.createElement("li");
    li.className = "care-alarm care-" + a.status + (fresh ? " care-fresh" : "");
    li.setAttribute("data-id", a.id);
    var link = document.createElement("a");
    link.href = a.url;
    var strong = document.createElement("strong");
    strong.textContent = a.kind_label;
    link.appendChild(strong);
    link.appendChild(document.createTextNode(" · " + a.name + " "));
    var small = document.createElement("span");
    small.className = "small";
    small.textContent = a.address + (a.waiting_s !== null ? " · " + list.getAttribute("data-waiting") + " " + a.waiting_s + " s" : "");
    link.appendChild(small);
    var badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = fresh ? list.getAttribute("data-new") : a.status_label;
    link.appendChild(document.createTextNode(" "));
    link.appendChild(badge);
    li.appendChild(link);
    return li;
  }
  function render(data) {
    var fresh = false;
    var frag = document.createDocumentFragment();
    data.alarms.forEach(function (a) {
      var isNew = !seen[a.id];
      if (isNew) { seen[a.id] = true; fresh = true; }
      frag.appendChild(item(a, isNew || (a.status === "new" && list.querySelector('[data-id="' + a.id + '"].care-fresh'))));
    });
    if (!data.alarms.length) {
      var empty = document.createElement("li");
      empty.className = "muted care-empty";
      empty.textContent = list.getAttribute("data-empty");
      frag.appendChild(empty);
    }
    list.replaceChildren(frag);
    var open = document.getElementById("care-open"), leftOut = document.getElementById("care-left-out");
    if (open && data.open) {
      open.textContent = open.getAttribute("data-template").replace("{new}", data.open.new).replace("{acknowledged}", data.open.acknowledged);
    }
    if (leftOut) {
      leftOut.hidden = !data.left_out;
      leftOut.textContent = leftOut.getAttribute("data-template").replace("{n}", data.left_out || 0);
    }
    if (fresh) { beep(); document.title = "🔔 " + document.title.replace(/^🔔 /, ""); }
    if (status) status.textContent = new Date().toLocaleTimeString();
  }
  function poll() {
    fetch(feed, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () { if (status) status.textContent = "…"; })
      .finally(function () { window.setTimeout(poll, 1500); });
  }
  window.setTimeout(poll, 1500);
})();
