// One subscription through the standard graphql-ws client (graphql-transport-ws protocol), with
// the `ws` package as its WebSocket, exactly as graphql-ws documents for Node.js.
// Usage: node subscribe.mjs <ws url> <bearer token> <query> <variables json>
// Prints JSON lines on stdout: {"connected": true} once acknowledged, then {"next": <result>} per
// result, then {"complete": true} or {"error": ...}. Ends the subscription and exits when stdin
// closes.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, query, variablesJson] = process.argv.slice(2);
const print = (message) => process.stdout.write(JSON.stringify(message) + '\n');

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  lazy: false,
  retryAttempts: 0,
  on: {
    connected: () => print({ connected: true }),
  },
});

let finished = false;
const stop = async (code) => {
  if (finished) return;
  finished = true;
  await client.dispose();
  process.exit(code);
};

client.subscribe(
  { query, variables: JSON.parse(variablesJson || '{}') },
  {
    next: (result) => print({ next: result }),
    error: (error) => {
      print({ error: error instanceof Error ? error.message : String(error?.reason ?? error) });
      stop(1);
    },
    complete: () => print({ complete: true }),
  },
);

process.stdin.resume();
process.stdin.on('end', () => stop(0));
