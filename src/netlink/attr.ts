// Attribute cursor and builder for struct nlattr (<linux/netlink.h>): a 4-byte header
// {u16 nla_len, u16 nla_type} followed by the payload, padded to 4 bytes.

import { keepShape } from '../shape.js';
import { align4, NLA_HDRLEN, NLA_TYPE_MASK } from './constants.js';
import { DecodeError } from './errors.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * AttrCursor walks the attributes in `buf[start, end)` without allocating an object per
 * attribute. Typed getters check the payload length exactly and throw DecodeError naming
 * the attribute path. The payload byte order is fixed when the cursor is made: host order
 * by default, big-endian for netfilter and other network-order payloads. Nested cursors
 * inherit it. Unknown attribute types are skipped because no getter is called for them.
 */
export class AttrCursor {
  /** Attribute type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off. */
  type = 0;
  /** Offset of the current attribute's payload in `buf`. */
  offset = 0;
  /** Payload length of the current attribute, without padding. */
  length = 0;
  private pos: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
    readonly path: string,
    readonly bigEndian = !HOST_LITTLE_ENDIAN,
  ) {
    this.pos = start;
  }

  /** Advances to the next attribute; returns false at the end. Throws DecodeError on a bad header. */
  next(): boolean {
    const remaining = this.end - this.pos;
    // NB: fewer than 4 bytes left can only be alignment padding after the last attribute.
    if (remaining < NLA_HDRLEN) return false;
    // NB: the attribute header is in host byte order even where the payload is big-endian.
    const buf = this.buf;
    const pos = this.pos;
    const len = buf[pos]! | (buf[pos + 1]! << 8);
    const rawType = buf[pos + 2]! | (buf[pos + 3]! << 8);
    if (len < NLA_HDRLEN || len > remaining) {
      throw new DecodeError(
        this.path,
        `attribute ${rawType & NLA_TYPE_MASK} header length ${len} does not fit the ${remaining} bytes left`,
        len,
      );
    }
    this.type = rawType & NLA_TYPE_MASK;
    this.offset = this.pos + NLA_HDRLEN;
    this.length = len - NLA_HDRLEN;
    this.pos += align4(len);
    return true;
  }

  private fail(name: string | undefined, detail: string): never {
    throw new DecodeError(`${this.path}/${name ?? `attribute ${this.type}`}`, detail, this.length);
  }

  private expect(size: number, name: string | undefined): void {
    if (this.length !== size) this.fail(name, `expected ${size} bytes`);
  }

  u8(name?: string): number {
    this.expect(1, name);
    return this.buf[this.offset]!;
  }

  u16(name?: string): number {
    this.expect(2, name);
    return this.bigEndian ? this.buf.readUInt16BE(this.offset) : this.buf.readUInt16LE(this.offset);
  }

  u32(name?: string): number {
    this.expect(4, name);
    return this.bigEndian ? this.buf.readUInt32BE(this.offset) : this.buf.readUInt32LE(this.offset);
  }

  s32(name?: string): number {
    this.expect(4, name);
    return this.bigEndian ? this.buf.readInt32BE(this.offset) : this.buf.readInt32LE(this.offset);
  }

  u64(name?: string): bigint {
    this.expect(8, name);
    return this.bigEndian
      ? this.buf.readBigUInt64BE(this.offset)
      : this.buf.readBigUInt64LE(this.offset);
  }

  /** Reads a u64 that the kernel sends as 4 or 8 bytes (NLA_UINT, `nla_put_uint`). */
  uint(name?: string): bigint {
    if (this.length === 4) return BigInt(this.u32(name));
    return this.u64(name);
  }

  /** Reads a string up to its first NUL byte (or the payload end), decoded as UTF-8. */
  str(name?: string): string {
    if (this.length === 0) this.fail(name, 'expected a string');
    const stop = this.offset + this.length;
    let nul = this.buf.indexOf(0, this.offset);
    if (nul < 0 || nul > stop) nul = stop;
    return this.buf.toString('utf8', this.offset, nul);
  }

  /** Returns the payload as a view into the reply buffer (valid while the reply is). */
  bytes(): Buffer {
    return this.buf.subarray(this.offset, this.offset + this.length);
  }

  /** Checks a flag attribute, which has no payload. */
  flag(name?: string): true {
    this.expect(0, name);
    return true;
  }

  /** Checks that the payload contains at least `min` bytes of a fixed struct and returns its offset. */
  struct(min: number, name?: string): number {
    if (this.length < min) this.fail(name, `expected at least ${min} bytes`);
    return this.offset;
  }

  /** Returns a cursor over the nested attributes of the current one, with the same byte order. */
  nested(name?: string): AttrCursor {
    return new AttrCursor(
      this.buf,
      this.offset,
      this.offset + this.length,
      `${this.path}/${name ?? `attribute ${this.type}`}`,
      this.bigEndian,
    );
  }
}

keepShape(new AttrCursor(Buffer.alloc(0), 0, 0, 'RTM_NEWLINK'));

/**
 * Returns the u32 payload of the last attribute of `type` among the attributes in
 * `buf[start, end)`, or undefined when there is none. Every header is checked as AttrCursor
 * checks it, but no object is made: for messages of which only one small attribute is read,
 * such as a route's table, this is the whole decoding cost.
 */
export function lastU32(
  buf: Buffer,
  start: number,
  end: number,
  type: number,
  path: string,
  name: string,
  bigEndian = !HOST_LITTLE_ENDIAN,
): number | undefined {
  let value: number | undefined;
  let pos = start;
  while (end - pos >= NLA_HDRLEN) {
    const len = buf[pos]! | (buf[pos + 1]! << 8);
    const rawType = buf[pos + 2]! | (buf[pos + 3]! << 8);
    if (len < NLA_HDRLEN || len > end - pos) {
      throw new DecodeError(
        path,
        `attribute ${rawType & NLA_TYPE_MASK} header length ${len} does not fit the ${end - pos} bytes left`,
        len,
      );
    }
    if ((rawType & NLA_TYPE_MASK) === type) {
      if (len !== NLA_HDRLEN + 4) {
        throw new DecodeError(`${path}/${name}`, 'expected 4 bytes', len - NLA_HDRLEN);
      }
      value = bigEndian ? buf.readUInt32BE(pos + NLA_HDRLEN) : buf.readUInt32LE(pos + NLA_HDRLEN);
    }
    pos += align4(len);
  }
  return value;
}

/**
 * AttrBuilder appends attributes to a request body. Headers are in host byte order; payloads
 * too unless the builder is big-endian (netfilter).
 */
export class AttrBuilder {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly bigEndian = !HOST_LITTLE_ENDIAN) {}

  /** Total length in bytes of what was built so far. */
  get length(): number {
    return this.size;
  }

  private header(type: number, payload: number): Buffer {
    const buf = Buffer.alloc(align4(NLA_HDRLEN + payload));
    buf.writeUInt16LE(NLA_HDRLEN + payload, 0);
    buf.writeUInt16LE(type, 2);
    this.chunks.push(buf);
    this.size += buf.length;
    return buf;
  }

  u8(type: number, value: number): this {
    this.header(type, 1).writeUInt8(value, NLA_HDRLEN);
    return this;
  }

  u16(type: number, value: number): this {
    const buf = this.header(type, 2);
    if (this.bigEndian) buf.writeUInt16BE(value, NLA_HDRLEN);
    else buf.writeUInt16LE(value, NLA_HDRLEN);
    return this;
  }

  u32(type: number, value: number): this {
    const buf = this.header(type, 4);
    if (this.bigEndian) buf.writeUInt32BE(value, NLA_HDRLEN);
    else buf.writeUInt32LE(value, NLA_HDRLEN);
    return this;
  }

  u64(type: number, value: bigint): this {
    const buf = this.header(type, 8);
    if (this.bigEndian) buf.writeBigUInt64BE(value, NLA_HDRLEN);
    else buf.writeBigUInt64LE(value, NLA_HDRLEN);
    return this;
  }

  /** Appends a NUL-terminated UTF-8 string. */
  str(type: number, value: string): this {
    const bytes = Buffer.from(value + '\0', 'utf8');
    bytes.copy(this.header(type, bytes.length), NLA_HDRLEN);
    return this;
  }

  bytes(type: number, value: Uint8Array): this {
    this.header(type, value.length).set(value, NLA_HDRLEN);
    return this;
  }

  flag(type: number): this {
    this.header(type, 0);
    return this;
  }

  /** Appends a nested attribute whose children `build` adds; sets NLA_F_NESTED. */
  nested(type: number, build: (inner: AttrBuilder) => void): this {
    const inner = new AttrBuilder(this.bigEndian);
    build(inner);
    return this.bytes(type | 0x8000, inner.toBuffer());
  }

  /** Returns the attributes as one buffer. */
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
