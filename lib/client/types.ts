/**
 * The shapes of the Sluice HTTP API v1 (docs/http-api.md), as seen by a client.
 * Times are milliseconds since the Unix epoch.
 */

/** How keys, values and header values travel: text as UTF-8, or any bytes as base64. */
export type Encoding = 'utf8' | 'base64';

/** Topic settings, string to string; the known keys are listed in the README. */
export type TopicConfig = Record<string, string>;

export interface Topic {
  name: string;
  topicId: string;
  partitions: number;
  config: TopicConfig;
  createdAt: number;
}

export interface CreateTopicOptions {
  /** 1–256; the server's default is 1. */
  partitions?: number;
  config?: TopicConfig;
}

/** The readable range of one partition. */
export interface PartitionOffsets {
  partition: number;
  /** The earliest readable offset. */
  logStartOffset: number;
  /** The next offset to be written. */
  highWatermark: number;
}

/** `GET /v1/topics/{topic}`: the topic plus the readable range of every partition. */
export interface TopicDescription extends Topic {
  partitionOffsets: PartitionOffsets[];
}

/** `GET /v1/topics/{topic}/partitions/{p}/offsets`. */
export interface PartitionOffsetsResponse extends PartitionOffsets {
  topic: string;
}

export interface RecordHeader {
  key: string;
  value: string | null;
}

/** One record to produce; `key`, `value` and header values are in the request's encoding. */
export interface ProduceRecord {
  key?: string | null;
  /** `null` is a tombstone. */
  value: string | null;
  /** A list (order and duplicates kept) or an object map. */
  headers?: RecordHeader[] | Record<string, string>;
  /** An explicit partition, overriding the key. */
  partition?: number;
  /** CreateTime; the server's clock when omitted. */
  timestamp?: number;
}

export interface ProduceRequest {
  /** Applies to every key, value and header value; `utf8` when omitted. */
  encoding?: Encoding;
  /** 1–10,000 records; the request body at most 5 MiB. */
  records: ProduceRecord[];
}

/** Where one produced record landed. */
export interface ProducedRecord {
  partition: number;
  offset: number;
  timestamp: number;
}

export interface ProduceResponse {
  topic: string;
  /** In request order. */
  records: ProducedRecord[];
}

export interface FetchOptions {
  /** First offset wanted; the log start offset when omitted. */
  offset?: number;
  /** 1–10,000; the server's default is 500. */
  maxRecords?: number;
  /** 1–4,194,304; the server's default is 1,048,576. The first record comes back even when larger. */
  maxBytes?: number;
  /** `base64` (the server's default, lossless) or `utf8`. */
  encoding?: Encoding;
}

/** A record as read back; `key`, `value` and header values are in the response's encoding. */
export interface FetchedRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: RecordHeader[];
}

export interface FetchResponse {
  topic: string;
  partition: number;
  encoding: Encoding;
  records: FetchedRecord[];
  /** The offset to ask for next. */
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

/** The body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    retriable: boolean;
    /** The field at fault, for `INVALID_REQUEST`. */
    field?: string;
    /** The limit that was passed, where one applies. */
    limit?: number | string;
    [detail: string]: unknown;
  };
}
