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
