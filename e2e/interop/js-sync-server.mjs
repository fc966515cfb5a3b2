// The JS sync server the sync benchmark compares juntas-server with: the same code as
// automerge-repo-sync-server (automerge-repo + its WebSocket server and Node FS adapters,
// sharing nothing unasked). Usage: node js-sync-server.mjs PORT DATA_DIR
import { WebSocketServer } from 'ws';
import { Repo } from '@automerge/automerge-repo';
import { NodeWSServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';

const [port, dir] = process.argv.slice(2);
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(port) });
new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: 'js-sync-server',
  sharePolicy: async () => false,
});
wss.on('listening', () => console.log(`listening on ${port}`));
