/**
 * Prometheus remote write 1.0: a `prometheus.WriteRequest` protobuf,
 * snappy-compressed, POSTed to `/api/v1/write`. Encoded by hand: the message
 * is four fixed types of two or three fields each (WriteRequest → TimeSeries →
 * Label, Sample), and the snappy block format allows a block made only of
 * literals, which every decoder reads; a protobuf and a snappy dependency
 * (one of them native) would be larger than the encoder. The block is not
 * smaller than its input: a run's series are a few hundred kilobytes at most.
 *
 * The URL obeys the target safety rule like every outbound URL (the caller
 * passes the checked dispatcher); a redirect is never followed; `user:password@`
 * becomes a Basic header and is redacted from every error.
 */
import type { Dispatcher } from 'undici';
import { redactUrl } from '../core/secrets.js';
import { basicAuth, withoutCredentials } from './prometheus.js';

/** One series to write: its labels (`__name__` among them) and its samples in time order. */
export interface WriteSeries {
  labels: Record<string, string>;
  /** `[Unix epoch ms, value]`, ascending by time. */
  samples: Array<[number, number]>;
}

const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = BigInt(n);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};

/** A length-delimited field (wire type 2). */
const lengthField = (field: number, bytes: Uint8Array): Buffer => Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes]);

const encodeSample = ([tMs, value]: [number, number]): Buffer => {
  const v = Buffer.alloc(8);
  v.writeDoubleLE(value);
  return Buffer.concat([Buffer.from([(1 << 3) | 1]), v, Buffer.from([(2 << 3) | 0, ...varint(Math.round(tMs))])]);
};

/** Encodes a WriteRequest; labels are sorted by name, as the receiver requires. */
export const encodeWriteRequest = (series: readonly WriteSeries[]): Buffer => Buffer.concat(series.map((s) => {
  const labels = Object.keys(s.labels).sort().map((k) =>
    lengthField(1, Buffer.concat([lengthField(1, Buffer.from(k)), lengthField(2, Buffer.from(s.labels[k] ?? ''))])));
  const samples = s.samples.map((x) => lengthField(2, encodeSample(x)));
  return lengthField(1, Buffer.concat([...labels, ...samples]));
}));

/** A snappy block of literals only (length preamble, then ≤ 64 KiB literal chunks). */
export const snappyLiteral = (data: Buffer): Buffer => {
  const parts: Buffer[] = [Buffer.from(varint(data.length))];
  for (let off = 0; off < data.length; off += 65536) {
    const chunk = data.subarray(off, Math.min(data.length, off + 65536));
    const n = chunk.length - 1;
    const tag = n < 60 ? [n << 2] : n < 256 ? [60 << 2, n] : [61 << 2, n & 0xff, n >> 8];
    parts.push(Buffer.from(tag), chunk);
  }
  return Buffer.concat(parts);
};

/** Why a remote write failed: HTTP status and the receiver's text, or a redirect not followed. */
export class RemoteWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteWriteError';
  }
}

/** POSTs the series to a remote-write URL (e.g. `http://127.0.0.1:9090/api/v1/write`); throws RemoteWriteError unless 2xx. */
export const remoteWrite = async (url: URL, series: readonly WriteSeries[], opts: { timeoutMs: number; dispatcher?: Dispatcher }): Promise<void> => {
  const { request } = await import('undici');
  const res = await request(withoutCredentials(url), {
    method: 'POST',
    body: snappyLiteral(encodeWriteRequest(series)),
    signal: AbortSignal.timeout(opts.timeoutMs),
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      ...basicAuth(url),
    },
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300 && res.statusCode < 400) throw new RemoteWriteError(`HTTP ${res.statusCode} redirect from ${redactUrl(withoutCredentials(url))}: not followed`);
  if (res.statusCode >= 300) throw new RemoteWriteError(`HTTP ${res.statusCode} from ${redactUrl(withoutCredentials(url))}: ${text.trim().slice(0, 300)}`);
};
