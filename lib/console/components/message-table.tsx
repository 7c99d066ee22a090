import { formatTime } from './format';
import { payloadText, type BinaryFormat, type Payload, type RecordView } from '../model/record-view';

/** A key, value or header value: JSON pretty, text as text, binary as hex or base64, null muted. */
function PayloadView({ payload, binary }: { payload: Payload; binary: BinaryFormat }) {
  const text = payloadText(payload, binary);
  if (text === null) return <span class="muted">null</span>;
  if (payload.kind === 'binary') {
    return (
      <code class="binary" title={`binary, ${payload.bytes.length} bytes, shown as ${binary}`}>
        {text}
      </code>
    );
  }
  return payload.kind === 'json' || text.includes('\n') ? <pre>{text}</pre> : <span class="mono">{text}</span>;
}

/** The records shown: partition, offset, timestamp, key, value, headers. */
export function MessageTable({ rows, binary }: { rows: RecordView[]; binary: BinaryFormat }) {
  return (
    <table data-table="messages" class="messages">
      <thead>
        <tr>
          <th scope="col" class="num">Partition</th>
          <th scope="col" class="num">Offset</th>
          <th scope="col">Timestamp</th>
          <th scope="col">Key</th>
          <th scope="col">Value</th>
          <th scope="col">Headers</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.partition}:${r.offset}`} data-partition={r.partition} data-offset={r.offset}>
            <td class="num">{r.partition}</td>
            <td class="num">{r.offset}</td>
            <td data-field="timestamp" data-value={r.timestamp} title={`${r.timestamp} ms`}>
              {formatTime(r.timestamp)}
            </td>
            <td data-field="key" data-kind={r.key.kind}>
              <PayloadView payload={r.key} binary={binary} />
            </td>
            <td data-field="value" data-kind={r.value.kind}>
              <PayloadView payload={r.value} binary={binary} />
            </td>
            <td data-field="headers">
              {r.headers.length === 0 ? (
                <span class="muted">none</span>
              ) : (
                <ul class="headers">
                  {r.headers.map((h, i) => (
                    <li key={i} data-header={h.key} data-kind={h.value.kind}>
                      <span class="mono">{h.key}</span>: <PayloadView payload={h.value} binary={binary} />
                    </li>
                  ))}
                </ul>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
