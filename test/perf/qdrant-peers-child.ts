import { startQdrantPeers } from '../helpers/qdrant-grpc-peer.js';

// The Qdrant peers of test/perf/qdrant-transports.ts in their own process, so that the
// benchmark's CPU figures hold the client side only. Prints the addresses as one JSON line
// and runs until its stdin closes.
const peers = await startQdrantPeers();
// The peers record every request for tests; a benchmark would only pile them up.
const forget = setInterval(() => {
  peers.rest.requests.length = 0;
  peers.grpc.calls.length = 0;
}, 200);
process.stdout.write(`${JSON.stringify({ url: peers.rest.url, grpcPort: peers.grpc.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(forget);
  void peers.close().then(() => process.exit(0));
});
