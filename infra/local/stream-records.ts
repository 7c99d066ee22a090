import type { AttributeValue as SdkAttributeValue, _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';

/** Stream records as the local trigger reads them and as Lambda hands them to a function. */

/** A record read from a shard, as the function will see it. */
export interface Delivery {
  record: DynamoDBRecord;
  sequenceNumber: string;
  createdAtMs: number;
}

/** The record GetRecords returned, in Lambda's event shape (DynamoDB JSON with binary as base64). */
export function toDelivery(raw: SdkStreamRecord, source: { region: string | undefined; streamArn: string | undefined; now: () => number }): Delivery {
  const d = raw.dynamodb ?? {};
  const sequenceNumber = d.SequenceNumber;
  if (!sequenceNumber) throw new Error('GetRecords returned a record without a SequenceNumber');
  const created = d.ApproximateCreationDateTime;
  const createdAtMs = created instanceof Date ? created.getTime() : typeof created === 'number' ? created * 1000 : source.now();
  const record: DynamoDBRecord = {
    eventID: raw.eventID,
    eventName: raw.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: source.region,
    dynamodb: {
      ApproximateCreationDateTime: createdAtMs / 1000,
      ...(d.Keys && { Keys: toLambdaImage(d.Keys) }),
      ...(d.NewImage && { NewImage: toLambdaImage(d.NewImage) }),
      ...(d.OldImage && { OldImage: toLambdaImage(d.OldImage) }),
      SequenceNumber: sequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: source.streamArn,
    ...(raw.userIdentity && { userIdentity: { type: raw.userIdentity.Type, principalId: raw.userIdentity.PrincipalId } }),
  };
  return { record, sequenceNumber, createdAtMs };
}

function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]));
}

/** The attribute value as Lambda's JSON event carries it: binary as base64 strings. */
function toLambdaValue(value: SdkAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  // The streams client deserializes an empty map ({"M":{}} on the wire) to a bare {}.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`unsupported attribute value ${JSON.stringify(value)}`);
}

export function describeRange(records: Delivery[]): string {
  const first = records[0]?.sequenceNumber;
  const last = records.at(-1)?.sequenceNumber;
  return first === last ? `${first}` : `${first}..${last} (${records.length})`;
}
