/**
 * Encodes "plain data" (JSON-able objects whose leaves may be typed arrays) as
 * one byte buffer: a JSON header with each typed array replaced by a reference
 * into a binary tail. Checkpoints travel this way to files or an artifact store
 * without base64 bloat, and decode back bit-exactly.
 */
const MAGIC = 'SFPLAIN1';

type TypedKind = 'f32' | 'f64' | 'i32' | 'u8' | 'u32';
type Typed = Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array;
interface Ref {
  $typed: TypedKind;
  offset: number;
  length: number;
}

const ctors: Record<TypedKind, { new (b: ArrayBuffer, o: number, n: number): Typed; BYTES_PER_ELEMENT: number }> = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u8: Uint8Array,
  u32: Uint32Array,
};

function kindOf(v: unknown): TypedKind | undefined {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Uint32Array) return 'u32';
  return undefined;
}

export function encodePlain(value: unknown): Uint8Array {
  const chunks: { offset: number; bytes: Uint8Array }[] = [];
  let size = 0;
  const header = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    const kind = kindOf(v);
    if (!kind) return v;
    const t = v as Typed;
    size = Math.ceil(size / 8) * 8; // keep every array aligned for its element type
    const ref: Ref = { $typed: kind, offset: size, length: t.length };
    chunks.push({ offset: size, bytes: new Uint8Array(t.buffer, t.byteOffset, t.byteLength) });
    size += t.byteLength;
    return ref;
  });
  const head = new TextEncoder().encode(header);
  const prefix = 8 + 4 + head.length;
  const base = Math.ceil(prefix / 8) * 8;
  const out = new Uint8Array(base + size);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, head.length, true);
  out.set(head, 12);
  for (const c of chunks) out.set(c.bytes, base + c.offset);
  return out;
}

export function decodePlain<T = unknown>(bytes: Uint8Array): T {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new Error('not a seamflow plain-data buffer (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = view.getUint32(8, true);
  if (12 + headLen > bytes.length) throw new Error('plain-data buffer is truncated (header)');
  const header = new TextDecoder().decode(bytes.subarray(12, 12 + headLen));
  const base = Math.ceil((12 + headLen) / 8) * 8;
  // Copy the tail once into an aligned buffer of its own; typed arrays are views into it.
  // (Not bytes.slice: on a Node Buffer that is a view sharing the pool's ArrayBuffer.)
  const tail = new Uint8Array(bytes.subarray(base));
  return JSON.parse(header, (_key, v: unknown) => {
    if (v && typeof v === 'object' && '$typed' in v) {
      const r = v as Ref;
      const ctor = ctors[r.$typed];
      if (r.offset + r.length * ctor.BYTES_PER_ELEMENT > tail.length) throw new Error('plain-data buffer is truncated (data)');
      return new ctor(tail.buffer, r.offset, r.length);
    }
    return v;
  }) as T;
}
