// ws with juntas-server's session token (from JUNTAS_SYNC_TOKEN) in the Authorization header.
import WebSocket from 'ws';

export default class WebSocketWithToken extends WebSocket {
  constructor(url, protocols, options) {
    const headers = { ...options?.headers, authorization: `Bearer ${process.env.JUNTAS_SYNC_TOKEN}` };
    super(url, protocols, { ...options, headers });
  }
}
