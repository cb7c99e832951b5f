// The graphql-http server audit (GraphQL over HTTP spec conformance) against one URL.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON object: {"counts": {"ok": n, "notice": n, "warn": n, "error": n}, "failures": [...]}
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const failures = [];
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    let body = '';
    try {
      body = await result.response.text();
    } catch {
      body = '<body already read>';
    }
    failures.push({
      id: result.id,
      name: result.name,
      status: result.status,
      reason: result.reason,
      httpStatus: result.response.status,
      contentType: result.response.headers.get('content-type'),
      body: body.slice(0, 500),
    });
  }
}
console.log(JSON.stringify({ total: results.length, counts, failures }));
