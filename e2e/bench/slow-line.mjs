// A phone's 3G line in front of the server, for benchmarks (Lighthouse's mobile figures): one
// downlink of 1.6 Mbit/s shared by every response and WebSocket, one uplink of 750 kbit/s shared by
// every request body and WebSocket (each active stream gets its turn every 20 ms), 150 ms before
// each request is passed on, and 75 ms each way for every WebSocket chunk (150 ms a round trip, as
// a request has). Unlike CDP's network emulation it also slows the service worker's requests,
// which share the phone's line with the page's.
import http from 'node:http';
import net from 'node:net';

const TICK_MS = 20;

/** One direction of the line: streams queue chunks, and each tick sends what `bitsPerSecond`
 * allows, shared in turn by the streams that have something to send. */
function direction(bitsPerSecond) {
  const perTick = (bitsPerSecond / 8) * (TICK_MS / 1000);
  const streams = new Set();
  return {
    /** A stream that writes its chunks with `write` and ends with `end` once drained. */
    open(write, end) {
      const s = { queue: [], ended: false, write, end };
      streams.add(s);
      return s;
    },
    tick() {
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
    },
  };
}

/** Starts the line in front of `target` (a URL); resolves to `{ url, close }`. `rewrite` maps a
 * path to a function of its response's text (asked for uncompressed) that returns what the line
 * delivers instead (a benchmark's way of serving an earlier version of one file). `assets`, a
 * server's URL, serves the app's files instead of `target` (an earlier build's), while `target`
 * still answers `/api/`, `/session` and `/sync` (its data): one network, two builds of the app. */
export function slowLine(target, { bitsPerSecond = 1.6e6, upBitsPerSecond = 7.5e5, latencyMs = 150, rewrite = {}, assets } = {}) {
  const data = new URL(target);
  const files = assets ? new URL(assets) : data;
  // The server's own routes (server/src/members.rs, sync.rs): the rest is the app's files.
  const serverOf = (path) => (path.startsWith('/api/') || ['/sync', '/session'].includes(path) ? data : files);
  const down = direction(bitsPerSecond);
  const up = direction(upBitsPerSecond);
  const timer = setInterval(() => { down.tick(); up.tick(); }, TICK_MS);
  /** `from`'s chunks, each `delay` ms late, into `s` (in order: Node runs equal timers in turn). */
  const feed = (from, s, delay) => {
    from.on('data', (c) => setTimeout(() => s.queue.push(c), delay));
    from.on('end', () => setTimeout(() => { s.ended = true; }, delay));
  };
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const path = new URL(req.url, data).pathname;
      const change = rewrite[path];
      const to = serverOf(path);
      const headers = { ...req.headers };
      if (change) delete headers['accept-encoding'];
      const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers }, (r) => {
        const s = down.open((c) => res.write(c), () => res.end());
        if (change) {
          const body = [];
          r.on('data', (c) => body.push(c));
          r.on('end', () => {
            const text = Buffer.from(change(Buffer.concat(body).toString('utf8')));
            res.writeHead(r.statusCode, { ...r.headers, 'content-length': text.length });
            s.queue.push(text);
            s.ended = true;
          });
          return;
        }
        res.writeHead(r.statusCode, r.headers);
        feed(r, s, 0);
      });
      upstream.on('error', () => res.destroy());
      feed(req, up.open((c) => upstream.write(c), () => upstream.end()), 0);
    }, latencyMs);
  });
  server.on('upgrade', (req, socket, head) => {
    const to = serverOf(new URL(req.url, data).pathname);
    const upstream = net.connect(Number(to.port), to.hostname, () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`);
      upstream.write(head);
      // The server's frames (its handshake answer included) come down the shared line, and the
      // page's go up the other, each half a round trip late.
      feed(upstream, down.open((c) => socket.write(c), () => socket.end()), latencyMs / 2);
      feed(socket, up.open((c) => upstream.write(c), () => upstream.end()), latencyMs / 2);
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
