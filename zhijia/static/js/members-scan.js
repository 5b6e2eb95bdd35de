/* 验卡: scan an e-card QR with the camera (jsQR) and verify it, by the server or offline in this browser.
 *
 * Offline: the token is "ZJC1.<base64url payload>.<base64url Ed25519 signature over 'ZJC1.<payload>'>". The public
 * keys (/api/v1/cards/public-key) and the revocation list (/api/v1/cards/revocations?since=V, serials
 * "<member number>-<generation>") are fetched whenever the page is online and kept in localStorage, so the check
 * still works when the network drops. Ed25519 runs in WebCrypto where the browser has it, else in @noble/ed25519
 * (served from our own static files, installed from the npm registry). Every answer says who gave it.
 */
import * as noble from "../vendor/noble-ed25519/index.js";

const KEYS = "zhijia.cards.keys";
const REVOKED = "zhijia.cards.revocations";
const SERVER_TIMEOUT_MS = 4000;
/* Django's JavaScript catalogue (/jsi18n/, loaded by the base template) gives gettext and interpolate. Opened
 * offline, the page may lack it: then the Chinese source text is shown, and verification still works. */
const gettext = globalThis.gettext || ((text) => text);
const interpolate = globalThis.interpolate ||
  ((fmt, obj) => fmt.replace(/%\(\w+\)s/g, (m) => String(obj[m.slice(2, -2)])));

const LABELS = {
  valid: gettext("有效"), revoked: gettext("已注销"), expired: gettext("已过期"), tampered: gettext("被篡改或伪造"),
  unknown_key: gettext("签发密钥未知"), not_a_card: gettext("不是会员卡"),
};

function load(name) {
  try { return JSON.parse(localStorage.getItem(name) || "null"); } catch (e) { return null; }
}
function save(name, value) {
  try { localStorage.setItem(name, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
}
function b64d(text) {
  const s = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const raw = atob(s);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
function csrfToken() {
  const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}
function hhmm(ts) {
  const d = new Date(ts);
  return d.toLocaleString("zh-CN", { hour12: false });
}

/* --- the cached key set and revocation list ------------------------------------------------------------------ */

async function refresh() {
  const keys = await fetch("/api/v1/cards/public-key", { cache: "no-cache" }).then((r) => {
    if (!r.ok) throw new Error("keys " + r.status);
    return r.json();
  });
  save(KEYS, { keys: keys.keys, fetched: Date.now() });
  const cached = load(REVOKED) || { version: 0, revoked: [] };
  const delta = await fetch("/api/v1/cards/revocations?since=" + cached.version, { cache: "no-cache" })
    .then((r) => { if (!r.ok) throw new Error("revocations " + r.status); return r.json(); });
  const set = new Set(cached.revoked);
  delta.revoked.forEach((s) => set.add(s));
  save(REVOKED, { version: delta.version, revoked: Array.from(set), fetched: Date.now() });
}

function offlineStatus() {
  const keys = load(KEYS);
  const list = load(REVOKED);
  if (!keys || !list) return gettext("离线验证未就绪：本机还没有公钥和注销名单（联网打开本页一次即可）。");
  return interpolate(gettext("离线验证已就绪：公钥 %(kids)s；注销名单版本 %(version)s（%(n)s 条），更新于 %(at)s。"), {
    kids: keys.keys.map((k) => k.kid).join(gettext("、")), version: list.version, n: list.revoked.length,
    at: hhmm(list.fetched),
  }, true);
}

/* --- Ed25519: WebCrypto first, @noble/ed25519 where the browser lacks it ------------------------------------- */

let engine = null;
async function ed25519Verify(publicKey, signature, message) {
  if (engine !== "noble") {
    try {
      const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
      engine = "WebCrypto";
      return ok;
    } catch (e) {
      engine = "noble";
    }
  }
  try {
    return await noble.verifyAsync(signature, message, publicKey);
  } catch (e) {
    return false;
  }
}

export async function verifyOffline(token, today) {
  const keys = load(KEYS);
  const list = load(REVOKED);
  const by = { answered_by: "offline" };
  if (!keys) return Object.assign(by, { valid: false, status: "unavailable", reason: gettext("本机没有公钥，无法离线验证") });
  const parts = (token || "").trim().split(".");
  if (parts.length !== 3 || parts[0] !== "ZJC1") {
    return Object.assign(by, { valid: false, status: "not_a_card", reason: gettext("不是职工之家电子会员卡") });
  }
  let payload, signature;
  try {
    payload = JSON.parse(new TextDecoder().decode(b64d(parts[1])));
    signature = b64d(parts[2]);
    if (!payload || typeof payload !== "object") throw new Error("payload");
  } catch (e) {
    return Object.assign(by, { valid: false, status: "tampered", reason: gettext("会员卡内容已损坏或被篡改") });
  }
  const key = keys.keys.find((k) => k.kid === payload.k);
  if (!key) return Object.assign(by, { valid: false, status: "unknown_key", reason: gettext("签发密钥未知或已停用") });
  const message = new TextEncoder().encode(parts[0] + "." + parts[1]);
  const ok = await ed25519Verify(b64d(key.public_key), signature, message);
  by.engine = engine;
  if (!ok) return Object.assign(by, { valid: false, status: "tampered", reason: gettext("签名无效，会员卡被伪造或篡改") });
  const generation = Math.max(1, parseInt(payload.g || 1, 10) || 1);
  const serial = payload.n + "-" + generation;
  const e = String(payload.e || "");
  const shown = {
    serial: serial, generation: generation, member_number: payload.n, masked_name: payload.m, union_name: payload.u,
    expires: e ? e.slice(0, 4) + "-" + e.slice(4, 6) + "-" + e.slice(6) : null,
    revocation_version: list ? list.version : null, list_fetched: list ? list.fetched : null,
  };
  Object.assign(by, shown);
  if (list && list.revoked.indexOf(serial) >= 0) {
    return Object.assign(by, { valid: false, status: "revoked", reason: gettext("会员卡已注销（已补发新卡或已退会/转出）") });
  }
  const d = today || new Date();
  const ymd = d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
  if (parseInt(e, 10) < ymd) return Object.assign(by, { valid: false, status: "expired", reason: gettext("会员卡已过期") });
  return Object.assign(by, { valid: true, status: "valid", reason: gettext("有效会员卡") });
}

async function verifyOnServer(token) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), SERVER_TIMEOUT_MS);
  try {
    const r = await fetch("/api/v1/cards/verify", {
      method: "POST", credentials: "same-origin", signal: ctrl.signal,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ token: token }),
    });
    if (!r.ok) throw new Error("server " + r.status);
    return Object.assign(await r.json(), { answered_by: "server" });
  } finally {
    clearTimeout(timer);
  }
}

/* --- the page -------------------------------------------------------------------------------------------------- */

function show(box, r, note) {
  box.className = "verify-result " + (r.valid ? "ok" : "bad") + " status-" + r.status;
  box.dataset.status = r.status;
  box.dataset.answeredBy = r.answered_by;
  box.textContent = "";
  const head = document.createElement("p");
  head.className = "verdict";
  head.textContent = (r.valid ? "✔ " : "✘ ") + (LABELS[r.status] || r.status) + gettext("：") + r.reason;
  box.appendChild(head);
  const lines = [];
  if (r.member_number) {
    lines.push(r.generation
      ? interpolate(gettext("会员编号：%(number)s（卡号 %(serial)s）"), { number: r.member_number, serial: r.serial }, true)
      : interpolate(gettext("会员编号：%(number)s"), { number: r.member_number }, true));
  }
  if (r.masked_name) lines.push(interpolate(gettext("姓名：%(name)s"), { name: r.masked_name }, true));
  if (r.union_name) lines.push(interpolate(gettext("工会：%(name)s"), { name: r.union_name }, true));
  if (r.expires) lines.push(interpolate(gettext("有效期至：%(date)s"), { date: r.expires }, true));
  lines.forEach((t) => { const p = document.createElement("p"); p.textContent = t; box.appendChild(p); });
  const who = document.createElement("p");
  who.className = "answered-by";
  if (r.answered_by === "server") {
    who.textContent = interpolate(gettext("验证方：服务器（实时注销名单，版本 %(version)s）"),
      { version: r.revocation_version }, true);
  } else {
    const args = { engine: r.engine === "noble" ? "@noble/ed25519" : "WebCrypto",
                   version: r.revocation_version ?? gettext("无"), at: r.list_fetched ? hhmm(r.list_fetched) : "" };
    who.textContent = interpolate(r.list_fetched
      ? gettext("验证方：本机离线验证（Ed25519 %(engine)s，注销名单版本 %(version)s，更新于 %(at)s）")
      : gettext("验证方：本机离线验证（Ed25519 %(engine)s，注销名单版本 %(version)s）"), args, true);
  }
  box.appendChild(who);
  if (note) { const p = document.createElement("p"); p.className = "muted"; p.textContent = note; box.appendChild(p); }
}

async function verify(token) {
  const box = document.getElementById("verify-result");
  const mode = document.getElementById("verify-mode").value;
  box.className = "verify-result";
  box.textContent = gettext("验证中…");
  if (mode === "offline") { show(box, await verifyOffline(token)); return; }
  try {
    show(box, await verifyOnServer(token));
  } catch (e) {
    show(box, await verifyOffline(token), gettext("服务器连不上，已改用本机离线验证；联网后名单会自动更新。"));
  }
}

function scanner() {
  const start = document.getElementById("scan-start");
  const video = document.getElementById("scan-video");
  const canvas = document.getElementById("scan-canvas");
  const status = document.getElementById("scan-status");
  let stream = null;
  function stop() {
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.hidden = true;
  }
  start.addEventListener("click", () => {
    if (!navigator.mediaDevices || typeof jsQR === "undefined") {
      status.textContent = gettext("此浏览器不能使用摄像头，请粘贴令牌验证。");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then((s) => {
      stream = s;
      video.srcObject = s; video.hidden = false; video.play();
      status.textContent = gettext("请将会员卡二维码对准摄像头…");
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      (function tick() {
        if (!stream) return;
        if (video.readyState === video.HAVE_ENOUGH_DATA) {
          canvas.width = video.videoWidth; canvas.height = video.videoHeight;
          ctx.drawImage(video, 0, 0);
          const code = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
          if (code && code.data) {
            stop();
            status.textContent = gettext("已识别二维码。");
            document.getElementById("token").value = code.data;
            verify(code.data);
            return;
          }
        }
        requestAnimationFrame(tick);
      })();
    }).catch(() => { status.textContent = gettext("无法打开摄像头，请粘贴令牌验证。"); });
  });
}

/* The page itself offline: a service worker keeps it and the files it loaded (see members-scan-sw.js). */
function keepPageOffline() {
  const note = document.getElementById("page-offline");
  if (!("serviceWorker" in navigator) || !note) return;
  navigator.serviceWorker.addEventListener("message", (e) => {
    if (e.data && e.data.cached) note.textContent = gettext("本页已存入本机，断网时也能打开。");
  });
  navigator.serviceWorker.register(note.dataset.sw, { scope: note.dataset.scope }).then(() =>
    navigator.serviceWorker.ready).then((reg) => {
    const files = performance.getEntriesByType("resource").map((r) => r.name)
      .filter((u) => u.startsWith(location.origin + "/static/") || u.startsWith(location.origin + "/jsi18n/"));
    reg.active.postMessage({ cache: [location.pathname].concat(files) });
  }).catch(() => { note.textContent = gettext("此浏览器不能离线保存本页。"); });
}

function init() {
  const form = document.getElementById("verify-form");
  if (!form) return;
  const ready = document.getElementById("offline-status");
  ready.textContent = offlineStatus();
  const update = () => refresh().then(() => { ready.textContent = offlineStatus(); })
    .catch(() => { ready.textContent = gettext("当前离线。") + offlineStatus(); });
  update();
  window.addEventListener("online", update);
  document.getElementById("refresh-list").addEventListener("click", update);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    verify(document.getElementById("token").value.trim());
  });
  scanner();
  keepPageOffline();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
