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
