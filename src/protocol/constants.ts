/** The all-zero UUID Kafka uses as "no topic id". Never mutate it. */
export const ZERO_UUID: Buffer = Buffer.alloc(16);
/** A shared empty buffer for non-nullable bytes defaults. Never mutate it. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
