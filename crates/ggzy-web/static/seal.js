// ggzy in-page sealing: the bid form and files are packed, encrypted with SM4-GCM under a fresh key,
// the key wrapped with SM2 to the lot's opening key and the whole signed with the bidder's SM2 key —
// all on this machine, before anything is sent. The format is docs/SEALED_BIDS.md, version 1.
// Custodians use the same page code to decrypt their share locally.
(function () {
  "use strict";
  var sm = window.smCrypto;
  if (!sm) return;
  var enc = new TextEncoder();

  function hex(u8) {
    return Array.from(u8, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function unhex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function be(n, bytes) {
    var b = new Uint8Array(bytes);
    for (var i = bytes - 1; i >= 0; i--) { b[i] = n % 256; n = Math.floor(n / 256); }
    return b;
  }
  function concat(parts) {
    var len = parts.reduce(function (a, p) { return a + p.length; }, 0);
    var out = new Uint8Array(len), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function pack(files) {
    var parts = [enc.encode("GGZYPKG1"), be(files.length, 4)];
    files.forEach(function (f) {
      var name = enc.encode(f[0]);
      parts.push(be(name.length, 2), name, be(f[1].length, 8), f[1]);
    });
    return concat(parts);
  }
  async function readKeyFile(input) {
    if (!input.files.length) throw new Error("请选择密钥文件 / choose your key file");
    var k = JSON.parse(await input.files[0].text());
    if (k.kind !== "ggzy-sm2-key-v1" || !/^[0-9a-f]{64}$/i.test(k.secret)) {
      throw new Error("不是 ggzy 密钥文件 / not a ggzy key file");
    }
    return k;
  }
  function say(el, text, bad) {
    if (!el) return;
    el.textContent = text;
    el.className = bad ? "alert" : "muted";
  }
  function fingerprint() {
    var facts = [navigator.userAgent, navigator.language, screen.width + "x" + screen.height,
      Intl.DateTimeFormat().resolvedOptions().timeZone, navigator.hardwareConcurrency || ""].join("\n");
    return JSON.stringify({ browser: sm.sm3(facts) });
  }

  async function sealBid(form) {
    var d = form.dataset;
    var key = await readKeyFile(form.querySelector("[name=keyfile]"));
    var v = function (n) { return form.querySelector("[name=" + n + "]").value.trim(); };
    var bidForm = {
      price: v("price"), price_in_words: v("price_in_words"), lines: [],
      duration_days: parseInt(v("duration_days"), 10) || 0, quality: v("quality"),
      project_manager: v("project_manager"), bond: v("bond")
    };
    var fp = fingerprint();
    var files = [["bid_form.json", enc.encode(JSON.stringify(bidForm))]];
    var chosen = form.querySelector("[name=files]").files;
    for (var i = 0; i < chosen.length; i++) {
      files.push([chosen[i].name, new Uint8Array(await chosen[i].arrayBuffer())]);
    }
    files.push(["fingerprint.json", enc.encode(fp)]);
    var plain = pack(files);
    var contentKey = crypto.getRandomValues(new Uint8Array(16));
    var nonce = crypto.getRandomValues(new Uint8Array(12));
    var header = enc.encode(JSON.stringify({
      v: 1, lot: d.lot, bidder: d.bidder, opening_key: d.openingKey, signer_key: key.public,
      wrapped_key: sm.sm2.doEncrypt(contentKey, d.openingKey, 1, { asn1: true }),
      nonce: hex(nonce), bond: bidForm.bond, sealed_at: new Date().toISOString(),
      tool: "browser sm-crypto-v2 1.15.1"
    }));
    var gcm = sm.sm4.encrypt(plain, contentKey, {
      mode: "gcm", iv: nonce, associatedData: header, output: "array", outputTag: true
    });
    contentKey.fill(0);
    plain.fill(0);
    var ct = concat([gcm.output, gcm.tag]);
    var body = concat([enc.encode("GGZYBID"), new Uint8Array([1]), be(header.length, 4), header, be(ct.length, 8), ct]);
    var msg = concat([enc.encode("ggzy-envelope-v1"), unhex(sm.sm3(body))]);
    var sig = sm.sm2.doSignature(msg, key.secret, { hash: true, publicKey: key.public });
    return { envelope: concat([body, be(64, 2), unhex(sig)]), fingerprint: fp };
  }

  async function post(url, fd) {
    var r = await fetch(url, { method: "POST", body: fd, credentials: "same-origin" });
    var html = await r.text();
    document.open();
    document.write(html);
    document.close();
  }

  var bid = document.getElementById("bid-form");
  if (bid) {
    bid.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var status = document.getElementById("seal-status");
      try {
        say(status, "正在本机加密并签名… / sealing on this machine…");
        var sealed = await sealBid(bid);
        say(status, "已加密（" + sealed.envelope.length + " 字节），正在上传… / sealed, uploading…");
        var fd = new FormData();
        fd.append("envelope", new Blob([sealed.envelope]), "bid.ggzybid");
        fd.append("fingerprint", sealed.fingerprint);
        await post(bid.action, fd);
      } catch (e) {
        say(status, "未能加密：" + e.message, true);
      }
    });
  }

  // Custodian: fetch one's encrypted share, decrypt it here, submit the share.
  document.querySelectorAll("form.share-form").forEach(function (form) {
    form.addEventListener("submit", async function (ev) {
      var pasted = form.querySelector("[name=share]");
      if (pasted && pasted.value.trim()) return; // a share decrypted with the CLI goes as typed
      ev.preventDefault();
      var status = form.querySelector(".share-status");
      try {
        var key = await readKeyFile(form.querySelector("[name=keyfile]"));
        var r = await fetch(form.dataset.shareUrl, { credentials: "same-origin" });
        var body = await r.json();
        if (!r.ok) throw new Error((body.errors && body.errors[0] && body.errors[0].zh) || body.title || r.status);
        var share = sm.sm2.doDecrypt(body.sealed_share, key.secret, 1, { asn1: true, output: "array" });
        if (!share || !share.length) throw new Error("份额无法用该密钥解密 / the share does not decrypt with this key");
        pasted.value = hex(share);
        form.submit();
      } catch (e) {
        say(status, "未能解密份额：" + e.message, true);
      }
    });
  });

  // Key tool: make a key pair here, download the private half, register the public half.
  var gen = document.getElementById("keygen");
  if (gen) {
    gen.addEventListener("click", function () {
      var kp = sm.sm2.generateKeyPairHex();
      var file = JSON.stringify({ kind: "ggzy-sm2-key-v1", owner: gen.dataset.owner, public: kp.publicKey, secret: kp.privateKey }, null, 2);
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([file], { type: "application/json" }));
      a.download = gen.dataset.owner + "-" + kp.publicKey.slice(2, 10) + ".ggzykey.json";
      document.body.appendChild(a);
      a.click();
      a.remove();
      document.getElementById("k-pub").value = kp.publicKey;
      say(document.getElementById("keygen-status"), "私钥文件已下载到本机，请妥善保管；点击“登记公钥”完成登记。");
    });
  }
})();
