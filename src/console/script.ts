/**
 * @module
 * The console's one script module, as the Worker serves it (`/console/assets/console.js`).
 * No page has inline script (the CSP forbids it); each part below acts only on pages that
 * carry its marker:
 * - a sign-in link (`/console/sign-in#token=…`) fills the form and submits it, and the token
 *   leaves the address bar at once (a fragment never reaches the server's logs);
 * - `[data-live]` fragments are fetched again every 2 seconds (the approvals inbox);
 * - `#live-feed` follows the tenant's live decisions over a WebSocket, reconnecting with
 *   backoff when it drops, and polling once three sockets in a row failed to open.
 * Rows are built with textContent: nothing an agent names is ever parsed as HTML.
 */
export const CONSOLE_JS = `// Tollgate console
const signIn = document.querySelector('form.signin');
const signInFromLink = () => {
  if (!location.hash.startsWith('#token=')) return;
  const token = decodeURIComponent(location.hash.slice('#token='.length));
  history.replaceState(null, '', location.pathname);
  signIn.querySelector('textarea').value = token;
  signIn.submit();
};
if (signIn) {
  signInFromLink();
  addEventListener('hashchange', signInFromLink); // the link opened on the sign-in page itself
}

for (const element of document.querySelectorAll('[data-live]')) {
  let last = null;
  const refresh = async () => {
    // A form being filled in is never replaced under the operator's hands.
    if (element.contains(document.activeElement) && document.activeElement !== document.body) return;
    try {
      const res = await fetch(element.dataset.live, { headers: { accept: 'text/html' } });
      if (!res.ok || res.redirected) return;
      const html = await res.text();
      if (html !== last) {
        last = html;
        element.innerHTML = html;
      }
    } catch {
      // offline for a moment: the next tick tries again
    }
  };
  setInterval(refresh, 2000);
}

const feed = document.getElementById('live-feed');
if (feed) followFeed(feed, document.getElementById('live-status'));

function followFeed(table, status) {
  const body = table.tBodies[0];
  const KEEP = 200;
  let after = Number(table.dataset.after) || 0;
  let failures = 0;
  let polling = null;
  const say = (text) => (status.textContent = text);

  const show = (events) => {
    for (const e of events) {
      if (e.seq <= after) continue;
      after = e.seq;
      const row = document.createElement('tr');
      row.dataset.seq = String(e.seq);
      const time = document.createElement('time');
      time.dateTime = e.time;
      time.textContent = e.time.slice(11, 19);
      const pill = document.createElement('span');
      pill.className = 'pill ' + e.decision;
      pill.textContent = e.decision;
      for (const content of [time, e.agent, e.action, e.resource, pill, e.code]) {
        const cell = document.createElement('td');
        if (typeof content === 'string') cell.textContent = content;
        else cell.append(content);
        row.append(cell);
      }
      body.prepend(row);
    }
    while (body.rows.length > KEEP) body.deleteRow(body.rows.length - 1);
  };

  const poll = async () => {
    try {
      const url = new URL(table.dataset.poll, location.href);
      url.searchParams.set('after', String(after));
      const res = await fetch(url);
      if (res.ok && !res.redirected) show((await res.json()).events);
    } catch {
      // the next poll tries again
    }
  };

  const connect = () => {
    const url = new URL(table.dataset.socket, location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url);
    let opened = false;
    let keepAlive = null;
    socket.onopen = () => {
      opened = true;
      failures = 0;
      if (polling) (clearInterval(polling), (polling = null));
      say('Live: new decisions appear as they are made.');
      poll(); // what was decided while the socket was down
      keepAlive = setInterval(() => socket.send('ping'), 30000);
    };
    socket.onmessage = (message) => {
      if (message.data !== 'pong') show(JSON.parse(message.data).events);
    };
    socket.onclose = () => {
      clearInterval(keepAlive);
      if (!opened) failures++;
      if (failures >= 3) {
        say('Polling every second: the live connection is unavailable.');
        if (!polling) polling = setInterval(poll, 1000);
        setTimeout(connect, 30000); // try the socket again now and then
        return;
      }
      say('Reconnecting…');
      setTimeout(connect, opened ? 250 : 500 * 2 ** failures);
    };
  };
  connect();
}
`;
