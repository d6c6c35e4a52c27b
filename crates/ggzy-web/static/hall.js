// The auction hall: live bids over Server-Sent Events (the browser resumes with Last-Event-ID
// after a drop), a countdown against the server's clock, and bids sent with an idempotency key
// that a retry reuses, so a bid is never placed twice.
(function () {
  "use strict";
  var root = document.getElementById("hall");
  if (!root) return;
  var d = root.dataset;
  var en = d.en === "1";
  var t = function (zh, e) { return en ? e : zh; };
  var id = d.auction;
  var skew = Date.parse(d.now) - Date.now();
  var ends = Date.parse(d.ends);
  var opens = Date.parse(d.opens);
  var free = Date.parse(d.free);
  var increment = Number(d.increment);
  var minNext = Number(d.min);
  var seen = {};
  var tbody = document.querySelector("#bids tbody");
  var yuan = function (fen) {
    var s = (fen / 100).toFixed(2).split(".");
    return "¥" + s[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + s[1];
  };
  var plain = function (fen) { return (fen / 100).toFixed(2); };
  var time = function (iso) {
    var x = new Date(Date.parse(iso) + 8 * 3600 * 1000);
    return x.toISOString().slice(11, 19);
  };
  var set = function (sel, text) { var e = document.getElementById(sel); if (e) e.textContent = text; };
  var now = function () { return Date.now() + skew; };

  function phase() {
    var n = now();
    if (n < opens) return ["not_open", t("尚未开始", "Not open yet")];
    if (n >= ends) return ["ended", t("已结束", "Ended")];
    if (n < free) return ["free", t("自由竞价", "Free bidding")];
    return ["timed", t("限时竞价", "Timed bidding")];
  }

  function addBid(b) {
    if (seen[b.seq]) return;
    seen[b.seq] = true;
    var tr = document.createElement("tr");
    tr.dataset.seq = b.seq;
    [b.seq, b.paddle, yuan(b.amount), time(b.accepted_at)].forEach(function (v) {
      var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    });
    tbody.insertBefore(tr, tbody.firstChild);
    document.getElementById("no-bids").hidden = true;
    set("current", yuan(b.amount));
    set("current-label", t("当前最高价", "Current price"));
    set("leader", String(b.paddle));
    ends = Date.parse(b.ends_at);
    set("ends", new Date(ends + 8 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " "));
    minNext = b.amount + increment;
    var amount = document.getElementById("amount");
    if (amount && document.activeElement !== amount) amount.value = plain(minNext);
  }

  var finished = false;
  function finish() {
    if (finished) return;
    finished = true;
    // The server decides; ask it for the outcome and the reserve it now shows.
    fetch("/api/v1/auctions/" + id, { headers: { accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (v) {
        var o = document.getElementById("outcome");
        var msg = t("竞价已结束", "Bidding has ended");
        if (v.outcome && v.outcome.kind === "deal") msg += t("：成交，竞买号 ", ": deal to paddle ") + v.outcome.paddle + t("，成交价 ", " at ") + yuan(v.outcome.price);
        else if (v.outcome) msg += t("：未成交", ": no deal");
        if (v.reserve != null) msg += t("（底价 ", " (reserve ") + yuan(v.reserve) + t("）", ")");
        o.textContent = msg;
        o.hidden = false;
        var f = document.getElementById("bid-form");
        if (f) f.querySelectorAll("input,button").forEach(function (e) { e.disabled = true; });
      })
      .catch(function () { finished = false; });
  }

  function tick() {
    var p = phase();
    var ph = document.getElementById("phase");
    ph.textContent = p[1];
    ph.dataset.phase = p[0];
    var left = Math.max(0, ends - now());
    var s = Math.floor(left / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    set("countdown", (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0"));
    if (p[0] === "ended") finish();
  }
  setInterval(tick, 250);
  tick();

  var live = document.getElementById("live");
  function connect() {
    var es = new EventSource("/api/v1/auctions/" + id + "/events");
    es.addEventListener("open", function () { live.textContent = t("实时竞价已连接", "Live"); live.dataset.state = "live"; });
    es.addEventListener("bid", function (e) { addBid(JSON.parse(e.data)); });
    es.addEventListener("error", function () { live.textContent = t("连接中断，正在重连并补齐报价…", "Reconnecting and catching up…"); live.dataset.state = "reconnecting"; });
  }
  connect();

  var form = document.getElementById("bid-form");
  if (!form) return;
  var msg = document.getElementById("bid-msg");
  var pending = null; // { amount, key }: a retry of the same amount reuses its key
  document.getElementById("plus").addEventListener("click", function () {
    var a = document.getElementById("amount");
    var cur = Math.round(Number(a.value.replace(/[,¥\s]/g, "")) * 100) || minNext;
    a.value = plain(Math.max(cur, minNext - increment) + increment);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var amount = document.getElementById("amount").value.replace(/[,¥\s]/g, "");
    if (!pending || pending.amount !== amount) {
      pending = { amount: amount, key: (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random() };
    }
    var btn = document.getElementById("bid");
    btn.disabled = true;
    msg.textContent = t("正在提交…", "Sending…");
    fetch("/api/v1/auctions/" + id + "/bids", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": d.csrf, accept: "application/json" },
      body: JSON.stringify({ amount: amount, idempotency_key: pending.key })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (r) {
      if (r.ok) {
        pending = null;
        msg.textContent = t("报价已受理（第 ", "Accepted (bid #") + r.body.seq + t(" 笔）", ")");
        addBid({ seq: r.body.seq, paddle: r.body.paddle, amount: r.body.amount, accepted_at: r.body.accepted_at, ends_at: r.body.ends_at });
      } else {
        pending = null;
        var f = (r.body.fields && r.body.fields[0]) || r.body;
        msg.textContent = (en ? (f.message_en || r.body.message_en) : (f.message_zh || r.body.message_zh)) || t("报价未受理", "Not accepted");
      }
    }).catch(function () {
      // Network trouble: the bid may or may not have landed; sending again reuses the key.
      msg.textContent = t("网络异常，请再次点击报价（不会重复报价）", "Network trouble: press Bid again (it will not bid twice)");
    }).then(function () { btn.disabled = false; });
  });
})();
