// Subscribes with the graphql-ws client (graphql-transport-ws) and prints, one JSON line
// each: {"connected": true} once acknowledged, then every result, until `count` results
// arrived (then it completes the subscription and disposes the client) or an error.
// Usage: node subscribe.mjs <ws url> <access token> <query> <variables JSON> <count>
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, query, variables, count] = process.argv.slice(2);
const print = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => print({ connected: true }),
    closed: (event) => print({ closed: event.code, reason: event.reason }),
  },
});

let received = 0;
try {
  for await (const result of client.iterate({ query, variables: JSON.parse(variables) })) {
    print(result);
    received += 1;
    if (received >= Number(count)) break; // `return`: graphql-ws sends `complete`
  }
  print({ done: received });
} catch (error) {
  // graphql-ws rejects with the `error` message's GraphQL errors, or with the close event.
  if (Array.isArray(error)) print({ errors: error });
  else print({ error: String(error?.message ?? error?.reason ?? error), code: error?.code });
} finally {
  await client.dispose();
}
