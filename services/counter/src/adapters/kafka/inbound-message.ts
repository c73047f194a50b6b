import type { IHeaders, KafkaMessage } from "kafkajs";
import type { InboundMessage } from "../../use-cases/topic-handler.ts";

function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) result[name] = first.toString();
  }
  return result;
}

/** A KafkaJS message as the counter's handlers read it (headers as text, for dead-letter rows). */
export function toInboundMessage(message: KafkaMessage): InboundMessage {
  return {
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headersToStrings(message.headers),
    timestamp: message.timestamp,
  };
}
