// Suggest company and project names under the search box; the form works without it.
(function () {
  var input = document.getElementById('q');
  var list = document.getElementById('suggestions');
  if (!input || !list || !window.fetch) return;
  var timer = null;
  var last = '';
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      fetch('/api/v1/suggest?q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          list.textContent = '';
          items.forEach(function (s) {
            var o = document.createElement('option');
            o.value = s.text;
            list.appendChild(o);
          });
        })
        .catch(function () {});
    }, 200);
  });
})();
