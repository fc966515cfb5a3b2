// A phone's 3G line in front of the server, for benchmarks: one downlink of 1.6 Mbit/s shared by
// every response and WebSocket (each active one gets its turn every 20 ms) and 150 ms before
// each request is passed on. Unlike CDP's network emulation it also slows the service worker's
// requests, which share the phone's line with the page's. Uplink traffic is not shaped.
import http from 'node:http';
import net from 'node:net';

const TICK_MS = 20;

/** Starts the line in front of `target` (a URL); resolves to `{ url, close }`. `rewrite` maps a
 * path to a function of its response's text (asked for uncompressed) that returns what the line
 * delivers instead (a benchmark's way of serving an earlier version of one file). */
export function slowLine(target, { bitsPerSecond = 1.6e6, latencyMs = 150, rewrite = {} } = {}) {
  const to = new URL(target);
  const perTick = (bitsPerSecond / 8) * (TICK_MS / 1000);
  const streams = new Set();
  const timer = setInterval(() => {
    let budget = perTick;
    let waiting = [...streams].filter((s) => s.queue.length);
    while (budget >= 1 && waiting.length) {
      const share = Math.max(1, Math.floor(budget / waiting.length));
      for (const s of waiting) {
        const chunk = s.queue[0];
        const n = Math.min(share, chunk.length, Math.floor(budget));
        if (n <= 0) break;
        s.write(chunk.subarray(0, n));
        budget -= n;
        if (n === chunk.length) s.queue.shift(); else s.queue[0] = chunk.subarray(n);
      }
      waiting = waiting.filter((s) => s.queue.length);
    }
    for (const s of streams) {
      if (!s.queue.length && s.ended) {
        s.end();
        streams.delete(s);
      }
    }
  }, TICK_MS);
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const change = rewrite[new URL(req.url, to).pathname];
      const headers = { ...req.headers };
      if (change) delete headers['accept-encoding'];
      const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers }, (r) => {
        const s = { queue: [], ended: false, write: (c) => res.write(c), end: () => res.end() };
        if (change) {
          const body = [];
          r.on('data', (c) => body.push(c));
          r.on('end', () => {
            const text = Buffer.from(change(Buffer.concat(body).toString('utf8')));
            res.writeHead(r.statusCode, { ...r.headers, 'content-length': text.length });
            s.queue.push(text);
            s.ended = true;
            streams.add(s);
          });
          return;
        }
        res.writeHead(r.statusCode, r.headers);
        streams.add(s);
        r.on('data', (c) => s.queue.push(c));
        r.on('end', () => { s.ended = true; });
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, latencyMs);
  });
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(Number(to.port), to.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`);
      upstream.write(head);
      // The server's frames (its handshake answer included) come down the shared line.
      const s = { queue: [], ended: false, write: (c) => socket.write(c), end: () => socket.end() };
      streams.add(s);
      upstream.on('data', (c) => s.queue.push(c));
      upstream.on('end', () => { s.ended = true; });
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      close: () => { clearInterval(timer); server.closeAllConnections?.(); server.close(); },
    }));
  });
}
