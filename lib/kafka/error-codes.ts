/**
 * The Kafka error codes the gateway answers (kafka.apache.org/protocol, "Error Codes").
 * Later APIs add theirs here, so the table of what the gateway can say stays in one place.
 */
export const KAFKA_ERRORS = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  TOPIC_AUTHORIZATION_FAILED: 29,
  UNSUPPORTED_VERSION: 35,
  INVALID_REQUEST: 42,
  UNKNOWN_TOPIC_ID: 100,
} as const;

export type KafkaErrorCode = (typeof KAFKA_ERRORS)[keyof typeof KAFKA_ERRORS];
