/** Kafka's topic name rule lives with the other identifiers, in the wire contract. */
export { NAME_CHARACTERS as TOPIC_NAME_PATTERN, topicNameSchema } from '../protocol/identifiers';
