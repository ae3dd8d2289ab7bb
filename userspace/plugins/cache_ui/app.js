// khttpd cache UI: polls stats.json once a second and draws the numbers,
// a requests/s graph (canvas), memory use and the top entries.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const canvas = $('graph');
  const ctx = canvas.getContext('2d');
  let updates = 0;

  function fmtBytes(n) {
    const u = ['B', 'KiB', 'MiB', 'GiB'];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
  }

  function fmtNum(n) {
    return Number(n).toLocaleString('en-US');
  }

  function draw(history) {
    const w = canvas.width, h = canvas.height, pad = 30;
    const max = Math.max(10, ...history);
    ctx.clearRect(0, 0, w, h);
    ctx.strokeStyle = '#e4e8ef';
    ctx.fillStyle = '#6b7588';
    ctx.font = '11px sans-serif';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = pad / 2 + (h - pad) * i / 4;
      ctx.beginPath();
      ctx.moveTo(pad + 20, y);
      ctx.lineTo(w, y);
      ctx.stroke();
      ctx.fillText(String(Math.round(max * (4 - i) / 4)), 2, y + 4);
    }
    if (!history.length) return;
    const step = (w - pad - 20) / Math.max(1, history.length - 1);
    const yOf = (v) => pad / 2 + (h - pad) * (1 - v / max);
    ctx.beginPath();
    history.forEach((v, i) => {
      const x = pad + 20 + i * step;
      if (i) ctx.lineTo(x, yOf(v)); else ctx.moveTo(x, yOf(v));
    });
    ctx.strokeStyle = '#2e7dd7';
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.lineTo(pad + 20 + (history.length - 1) * step, h - pad / 2);
    ctx.lineTo(pad + 20, h - pad / 2);
    ctx.closePath();
    ctx.fillStyle = 'rgba(46,125,215,.12)';
    ctx.fill();
  }

  function render(s) {
    $('policy').textContent = s.policy;
    $('rps').textContent = fmtNum(s.requests_per_sec);
    $('hits').textContent = fmtNum(s.hits);
    $('misses').textContent = fmtNum(s.misses);
    $('ratio').textContent = (s.hit_ratio * 100).toFixed(1) + ' %';
    $('entries').textContent = fmtNum(s.entries);
    $('evictions').textContent = fmtNum(s.evictions);
    $('memtext').textContent = fmtBytes(s.bytes) + ' of ' + fmtBytes(s.cap);
    $('membar').style.width = (s.cap ? 100 * s.bytes / s.cap : 0).toFixed(2) + '%';
    draw(s.history);
    canvas.dataset.latest = String(s.history[s.history.length - 1] || 0);
    canvas.dataset.updates = String(++updates);
    const body = $('top');
    body.textContent = '';
    if (!s.top.length) {
      const tr = body.insertRow();
      const td = tr.insertCell();
      td.colSpan = 3;
      td.className = 'muted';
      td.textContent = 'empty';
    }
    for (const e of s.top) {
      const tr = body.insertRow();
      const p = tr.insertCell();
      p.className = 'path';
      p.textContent = e.path;
      const hc = tr.insertCell();
      hc.className = 'num';
      hc.textContent = fmtNum(e.hits);
      const sc = tr.insertCell();
      sc.className = 'num';
      sc.textContent = fmtBytes(e.size);
    }
  }

  function setStatus(text, error) {
    const st = $('status');
    st.textContent = text;
    st.className = error ? 'status error' : 'status';
  }

  async function poll() {
    try {
      const r = await fetch('stats.json', { cache: 'no-store' });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      render(await r.json());
      setStatus('updated ' + new Date().toLocaleTimeString(), false);
    } catch (e) {
      setStatus('cannot reach the server: ' + e.message, true);
    }
  }

  $('clear').addEventListener('click', async () => {
    const b = $('clear');
    b.disabled = true;
    try {
      // the server wants this field: a cross-site form cannot send it
      const r = await fetch('clear', { method: 'POST', headers: { 'X-Khttpd-Admin': '1' } });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const j = await r.json();
      $('note').textContent = 'cleared ' + j.cleared + ' entries';
      await poll();
    } catch (e) {
      $('note').textContent = 'clear failed: ' + e.message;
    } finally {
      b.disabled = false;
    }
  });

  poll();
  setInterval(poll, 1000);
})();
