// Small progressive enhancements; every page works without this file.
document.addEventListener('submit', function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute('data-confirm');
  if (message && !window.confirm(message)) event.preventDefault();
});

// Role forms: show the area field for area roles, the department for handlers, the
// full-time/part-time choice only for grid workers.
function syncRoleFields(select) {
  var form = select.form, role = select.value;
  var show = { area: role !== 'handler', department: role === 'handler', employment: role === 'gridWorker' };
  Object.keys(show).forEach(function (name) {
    var label = form.querySelector('[data-for="' + name + '"]');
    if (label) label.hidden = !show[name];
  });
}
document.querySelectorAll('[data-role-select]').forEach(function (select) {
  syncRoleFields(select);
  select.addEventListener('change', function () { syncRoleFields(select); });
});

// "使用当前位置": fill latitude/longitude from the phone's GPS (WGS-84), when the browser allows it.
document.querySelectorAll('[data-locate]').forEach(function (button) {
  button.addEventListener('click', function () {
    var form = button.form || button.closest('form');
    var status = form.querySelector('[data-locate-status]');
    if (!navigator.geolocation) { if (status) status.textContent = '此设备不支持定位，请手动选择网格'; return; }
    if (status) status.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector('[data-geo=lat]').value = pos.coords.latitude.toFixed(6);
      form.querySelector('[data-geo=lon]').value = pos.coords.longitude.toFixed(6);
      if (status) status.textContent = '已定位（精度约 ' + Math.round(pos.coords.accuracy) + ' 米）';
    }, function () { if (status) status.textContent = '定位失败，请手动选择网格或填写地址'; }, { enableHighAccuracy: true, timeout: 10000 });
  });
});

// Import progress: poll until the background import commits or fails, then reload the page.
document.querySelectorAll('progress[data-url]').forEach(function (bar) {
  function poll() {
    fetch(bar.getAttribute('data-url'), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.max = p.total || bar.max; bar.value = p.done; bar.textContent = p.done + ' / ' + p.total;
        if (p.status === 'running') setTimeout(poll, 1000); else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
});

// Map: wheel to zoom, drag to pan, by moving the SVG view box (links still work on click).
document.querySelectorAll('svg#gridmap').forEach(function (svg) {
  var vb = svg.viewBox.baseVal, full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
  var drag = null, moved = false;
  function point(ev) {
    var r = svg.getBoundingClientRect();
    return { x: vb.x + (ev.clientX - r.left) / r.width * vb.width, y: vb.y + (ev.clientY - r.top) / r.height * vb.height };
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var p = point(ev), k = ev.deltaY < 0 ? 0.8 : 1.25;
    var w = Math.min(full.w, Math.max(full.w / 40, vb.width * k)), h = w * full.h / full.w;
    vb.x = p.x - (p.x - vb.x) * w / vb.width; vb.y = p.y - (p.y - vb.y) * h / vb.height;
    vb.width = w; vb.height = h;
  }, { passive: false });
  svg.addEventListener('pointerdown', function (ev) { drag = { x: ev.clientX, y: ev.clientY, vx: vb.x, vy: vb.y }; moved = false; });
  svg.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    var r = svg.getBoundingClientRect(), dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
    vb.x = drag.vx - dx / r.width * vb.width; vb.y = drag.vy - dy / r.height * vb.height;
  });
  window.addEventListener('pointerup', function () { drag = null; });
  svg.addEventListener('click', function (ev) { if (moved) { ev.preventDefault(); moved = false; } }, true);
});

// Live: new, changed and overdue cases this user may see arrive by server-sent events and show
// at the top of the page (newest first, a few at a time) without reloading.
(function () {
  var bar = document.getElementById('livebar');
  if (!bar || !window.EventSource) return;
  var words = { created: '新事件', changed: '事件更新', overdue: '已超时' };
  var source = new EventSource(bar.dataset.events);  // paths come from the page (SiteURL)
  function show(kind, e) {
    var ev; try { ev = JSON.parse(e.data); } catch (x) { return; }
    var item = document.createElement('a');
    item.href = bar.dataset.case + encodeURIComponent(ev.caseID);
    item.className = 'liveitem ' + kind;
    var tag = document.createElement('strong'); tag.textContent = words[kind] || '事件';
    var text = document.createElement('span'); text.textContent = ' ' + ev.code + ' ' + ev.title + '（' + ev.statusName + '）';
    item.appendChild(tag); item.appendChild(text);
    bar.insertBefore(item, bar.firstChild);
    while (bar.children.length > 4) bar.removeChild(bar.lastChild);
    bar.hidden = false;
    var count = document.querySelector('[data-live-count]');
    if (count) count.textContent = String((parseInt(count.textContent, 10) || 0) + (kind === 'created' ? 1 : 0));
  }
  ['created', 'changed', 'overdue'].forEach(function (kind) {
    source.addEventListener(kind, function (e) { show(kind, e); });
  });
  window.addEventListener('beforeunload', function () { source.close(); });
})();

// 任务派发: the task page refreshes each grid's progress every few seconds.
(function () {
  var box = document.querySelector("[data-task-progress]");
  if (!box || !window.fetch) return;
  function refresh() {
    fetch(box.getAttribute("data-task-progress"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        Object.keys(data.summary).forEach(function (k) {
          var cell = box.querySelector('[data-summary="' + k + '"]');
          if (cell) cell.textContent = data.summary[k] + (k === "percent" ? "%" : "");
        });
        data.grids.forEach(function (g) {
          var row = box.querySelector('tr[data-grid="' + g.id + '"]');
          if (!row) return;
          row.querySelector('[data-cell="done"]').textContent = g.done + "/" + g.total;
          var bar = row.querySelector('[data-cell="bar"]');
          bar.value = g.percent; bar.textContent = g.percent + "%";
          var label = row.querySelector('[data-cell="label"]');
          label.textContent = g.label; label.className = g.overdue ? "late" : "";
          row.querySelector('[data-cell="last"]').textContent = g.last;
        });
      }).catch(function () {});
  }
  window.setInterval(refresh, 5000);
})();
