// Waits until a KafkaJS admin client can connect and describe the cluster.
// Usage: node scripts/kafka-ready.ts 127.0.0.1:9092 [timeoutSeconds]
import { Kafka, logLevel } from "kafkajs";

const [brokers = "127.0.0.1:9092", timeoutArg = "90"] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg) * 1000;
const kafka = new Kafka({
  clientId: "kafka-ready",
  brokers: brokers.split(","),
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  retry: { retries: 0 },
});

for (;;) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    if (cluster.brokers.length > 0 && cluster.controller !== null) process.exit(0);
  } catch {
    await admin.disconnect().catch(() => undefined);
  }
  if (Date.now() > deadline) {
    console.error(`no Kafka broker answered on ${brokers} within ${timeoutArg} s`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}
