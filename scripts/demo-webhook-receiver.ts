// A stand-in for a coordinator's system: receives the notifier's signed webhooks, verifies the
// Standard Webhooks signature with the reference library and prints what arrived.
import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";
import { DEMO } from "./demo-config.ts";

const verifier = new Webhook(DEMO.webhookSecret);
const seen = new Set<string>();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    try {
      const payload = verifier.verify(body, headers) as Record<string, unknown>;
      const id = headers["webhook-id"] ?? "";
      const repeat = seen.has(id) ? " (repeat, ignored)" : "";
      seen.add(id);
      console.log(`coordinator notified${repeat}: ${JSON.stringify(payload)}`);
      res.writeHead(204).end();
    } catch (error) {
      console.log(`rejected a webhook with a bad signature: ${(error as Error).message}`);
      res.writeHead(400).end();
    }
  });
});
server.listen(DEMO.webhookPort, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${DEMO.webhookPort}/webhooks`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
process.once("SIGINT", () => server.close(() => process.exit(0)));
