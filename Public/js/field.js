// 网格通 phone app and resident portal: locating, category chips, the on-site toggle, and the
// offline queue (离线补传). Forms marked data-offline are saved in IndexedDB with a fresh client
// key, then sent in order; the server keeps each key once, so a record sent twice is kept once.
(function () {
  "use strict";

  var DB_NAME = "civicgrid-field", STORE = "outbox";

  function openDB() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function withStore(mode, fn) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), store = tx.objectStore(STORE), result;
        Promise.resolve(fn(store)).then(function (r) { result = r; });
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("readonly", function (store) {
      return new Promise(function (resolve) {
        var req = store.getAll();
        req.onsuccess = function () {
          resolve(req.result.sort(function (a, b) { return a.createdAt - b.createdAt; }));
        };
      });
    });
  }

  function put(record) { return withStore("readwrite", function (store) { store.put(record); }); }
  function remove(key) { return withStore("readwrite", function (store) { store.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("")
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // --- the queue -----------------------------------------------------------------------------

  function recordFrom(form) {
    var fields = [], files = [], key = newKey();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.name === "_csrf" || el.name === "clientKey") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files, function (f) { files.push({ name: el.name, blob: f, filename: f.name, type: f.type }); });
        return;
      }
      if (el.tagName === "BUTTON" || el.type === "submit") return;
      fields.push([el.name, el.value]);
    });
    fields.push(["clientKey", key]);
    fields.push(["recordedAt", String(Date.now())]);
    return {
      key: key, url: form.getAttribute("action"), label: form.getAttribute("data-label") || "记录",
      done: form.getAttribute("data-done"), createdAt: Date.now(), fields: fields, files: files,
      attempts: 0, error: null, rejected: false
    };
  }

  function body(record) {
    var data = new FormData();
    record.fields.forEach(function (f) { data.append(f[0], f[1]); });
    record.files.forEach(function (f) { data.append(f.name, f.blob, f.filename || "photo.jpg"); });
    return data;
  }

  var syncing = false;

  // Sends waiting records oldest first. Stops at the first network failure (no signal yet);
  // a record the server refuses (4xx) stays, marked with the reason, for the worker to fix or delete.
  function sync() {
    if (syncing) return Promise.resolve({ sent: 0 });
    syncing = true;
    var sent = 0, lastDone = null;
    return all().then(function (records) {
      var chain = Promise.resolve(true);
      records.filter(function (r) { return !r.rejected; }).forEach(function (record) {
        chain = chain.then(function (go) {
          if (!go) return false;
          return fetch(record.url, {
            method: "POST", body: body(record), credentials: "same-origin",
            headers: { "Accept": "application/json", "X-CSRF-Token": csrf(), "X-Client-Key": record.key }
          }).then(function (response) {
            if (response.ok) {
              sent += 1; lastDone = record.done;
              return remove(record.key).then(function () { return true; });
            }
            return response.json().catch(function () { return {}; }).then(function (answer) {
              record.attempts += 1;
              record.error = answer.reason || ("服务器返回 " + response.status);
              if (response.status === 401) { record.error = "登录已过期，请重新登录后同步"; return put(record).then(function () { return false; }); }
              if (response.status >= 500 || response.status === 429) return put(record).then(function () { return false; });
              record.rejected = true;
              return put(record).then(function () { return true; });
            });
          }, function () {
            record.attempts += 1; record.error = "网络不可用，稍后自动重试";
            return put(record).then(function () { return false; });
          });
        });
      });
      return chain;
    }).then(function () {
      syncing = false;
      return refresh().then(function () { return { sent: sent, done: lastDone }; });
    }, function (e) { syncing = false; throw e; });
  }

  function refresh() {
    return all().then(function (records) {
      var badge = document.getElementById("sync-badge");
      if (badge) {
        badge.hidden = records.length === 0;
        badge.querySelector("b").textContent = String(records.length);
      }
      var list = document.querySelector("[data-outbox-list]");
      if (list) renderList(list, records);
      return records;
    }).catch(function () { return []; });
  }

  function renderList(list, records) {
    list.textContent = "";
    if (records.length === 0) {
      var empty = document.createElement("li");
      empty.className = "muted"; empty.textContent = "没有待上传的记录，全部已同步";
      list.appendChild(empty);
      return;
    }
    records.forEach(function (r) {
      var li = document.createElement("li"), b = document.createElement("b"), span = document.createElement("span");
      b.textContent = r.label + (r.files.length ? "（" + r.files.length + " 张照片）" : "");
      span.textContent = new Date(r.createdAt).toLocaleString("zh-CN") + " · " +
        (r.rejected ? "未被接收：" + r.error : r.error ? "等待重试（" + r.error + "）" : "等待上传");
      if (r.rejected) span.className = "late";
      li.appendChild(b); li.appendChild(span);
      var del = document.createElement("button");
      del.type = "button"; del.className = "link"; del.textContent = "删除";
      del.addEventListener("click", function () {
        if (window.confirm("删除后这条记录将不会上传，确定吗？")) remove(r.key).then(refresh);
      });
      li.appendChild(del);
      list.appendChild(li);
    });
  }

  function say(text) {
    var p = document.getElementById("queued-notice");
    if (p) { p.textContent = text; p.hidden = false; window.scrollTo(0, 0); }
  }

  function onOfflineSubmit(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-offline]")) return;
    if (!window.indexedDB || !window.fetch) return;  // old browsers post the form as usual
    event.preventDefault();
    if (!form.reportValidity()) return;
    var record = recordFrom(form), button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    put(record).then(function () {
      form.reset();
      document.dispatchEvent(new Event("field:reset"));
      return sync();
    }).then(function (result) {
      if (button) button.disabled = false;
      if (result.sent > 0 && result.done) { window.location.href = result.done; return; }
      return refresh().then(function (records) {
        var waiting = records.some(function (r) { return r.key === record.key; });
        if (waiting) {
          var still = records.filter(function (r) { return r.key === record.key; })[0];
          say(still.rejected ? "未能提交：" + still.error + "（可在“待同步”中删除后重新填写）"
                             : "已保存到手机（待同步 " + records.length + " 条），网络恢复后自动上传");
        }
      });
    }).catch(function () {
      if (button) button.disabled = false;
      say("保存失败，请重试");
    });
  }

  // --- locating --------------------------------------------------------------------------------

  function locate(scope) {
    var lat = scope.querySelector("[data-lat]"), lon = scope.querySelector("[data-lon]"), state = scope.querySelector("[data-locate-state]");
    if (!lat || !lon) return;
    if (!navigator.geolocation) { if (state) state.textContent = "无法定位：请选择网格或填写地址"; return; }
    if (state) state.textContent = "正在获取定位…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      if (state) state.textContent = "已定位：" + lat.value + ", " + lon.value + "（±" + Math.round(pos.coords.accuracy) + " 米）";
    }, function () {
      if (state) state.textContent = "未能定位：请选择网格或填写地址";
    }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function wire() {
    document.addEventListener("submit", onOfflineSubmit);
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-lat]") && !form.querySelector("[data-lat]").value) locate(form);
    });
    document.addEventListener("click", function (e) {
      var t = e.target;
      if (t.matches("[data-locate]")) locate(t.closest("form"));
      if (t.matches("[data-pick-category]")) {
        var select = document.getElementById("category");
        select.value = t.getAttribute("data-pick-category");
        document.querySelectorAll("[data-pick-category]").forEach(function (c) { c.classList.toggle("picked", c === t); });
      }
      if (t.matches("[data-sync-now]")) {
        all().then(function (records) {
          records.forEach(function (r) { r.rejected = false; });
          return Promise.all(records.map(put));
        }).then(sync);
      }
      if (t.matches("[data-print]")) window.print();
    });
    // Patrol checklist: the note box shows once an item is marked 有问题 (and is then required).
    document.querySelectorAll("[data-finding]").forEach(function (select) {
      var note = select.parentNode.querySelector("[name='notes[]']");
      function toggle() {
        var problem = select.value === "problem";
        if (!note) return;
        note.hidden = !problem; note.required = problem;
        select.closest("li").classList.toggle("problem", problem);
      }
      select.addEventListener("change", toggle);
      toggle();
    });
    var onsite = document.querySelector("[data-onsite-fields]");
    function toggleOnsite() {
      var chosen = document.querySelector("[data-mode]:checked");
      if (onsite) onsite.hidden = !(chosen && chosen.value === "onsite");
    }
    document.querySelectorAll("[data-mode]").forEach(function (r) { r.addEventListener("change", toggleOnsite); });
    document.addEventListener("field:reset", function () { toggleOnsite(); document.querySelectorAll("form").forEach(function (f) { if (f.querySelector("[data-lat]")) locate(f); }); });
    toggleOnsite();

    var net = document.getElementById("net-state");
    function showNet() { if (net) net.hidden = navigator.onLine; }
    window.addEventListener("online", function () { showNet(); sync(); });
    window.addEventListener("offline", showNet);
    showNet();
    if (document.getElementById("sync-badge")) {
      refresh().then(function (records) { if (records.length && navigator.onLine) sync(); });
      window.setInterval(function () { if (navigator.onLine) all().then(function (r) { if (r.some(function (x) { return !x.rejected; })) sync(); }); }, 30000);
    }
    if ("serviceWorker" in navigator && location.pathname.indexOf("/m") === 0) {
      navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(function () {});
    }
  }

  window.civicgridField = { sync: sync, all: all, refresh: refresh };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire); else wire();
})();
