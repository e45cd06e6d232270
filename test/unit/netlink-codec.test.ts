// Attribute cursor and builder, message framing, extended acks and error classes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttrBuilder, AttrCursor } from '../../src/netlink/attr.js';
import {
  AbortedError,
  ClosedError,
  DecodeError,
  DumpInterruptedError,
  isForbidden,
  isUnavailable,
  KernelError,
  OverrunError,
  ProtocolError,
  ReceiveOverflowError,
  SocketError,
} from '../../src/netlink/errors.js';
import { decodeErrorPayload, encodeRequest, forEachMessage } from '../../src/netlink/message.js';

function attr(type: number, payload: number[]): number[] {
  const len = 4 + payload.length;
  const out = [len & 255, len >> 8, type & 255, type >> 8, ...payload];
  while (out.length % 4 !== 0) out.push(0);
  return out;
}

test('cursor reads typed attributes and masks flag bits', () => {
  const buf = Buffer.from([
    ...attr(1, [7]),
    ...attr(2 | 0x4000, [0x34, 0x12]),
    ...attr(3, [1, 0, 0, 0]),
    ...attr(4, [0xff, 0xff, 0xff, 0xff]),
    ...attr(5, [1, 0, 0, 0, 0, 0, 0, 0x80]),
    ...attr(6, [0x65, 0x74, 0x68, 0x30, 0]),
    ...attr(7, []),
  ]);
  const c = new AttrCursor(buf, 0, buf.length, 'test', false);
  const seen: unknown[] = [];
  while (c.next()) {
    switch (c.type) {
      case 1:
        seen.push(c.u8());
        break;
      case 2:
        seen.push(c.u16());
        break;
      case 3:
        seen.push(c.u32());
        break;
      case 4:
        seen.push(c.s32());
        break;
      case 5:
        seen.push(c.u64());
        break;
      case 6:
        seen.push(c.str());
        break;
      case 7:
        seen.push(c.flag());
        break;
    }
  }
  assert.deepEqual(seen, [7, 0x1234, 1, -1, 0x8000000000000001n, 'eth0', true]);
});

test('big-endian cursor reads network byte order and nested inherits it', () => {
  const inner = attr(1, [0, 0, 0, 42]);
  const buf = Buffer.from([4 + inner.length, 0, 9, 0x80, ...inner]);
  const c = new AttrCursor(buf, 0, buf.length, 'nft', true);
  assert.equal(c.next(), true);
  assert.equal(c.type, 9);
  const n = c.nested('NFTA_X');
  assert.equal(n.next(), true);
  assert.equal(n.u32(), 42);
  assert.equal(n.next(), false);
});

test('wrong payload length throws DecodeError with the path', () => {
  const buf = Buffer.from([...attr(4, [1, 2])]);
  const c = new AttrCursor(buf, 0, buf.length, 'RTM_NEWLINK', false);
  c.next();
  assert.throws(
    () => c.u32('IFLA_MTU'),
    (err: unknown) => {
      assert.ok(err instanceof DecodeError);
      assert.equal(err.code, 'NLX_ERR_DECODE');
      assert.equal(err.path, 'RTM_NEWLINK/IFLA_MTU');
      assert.equal(err.length, 2);
      assert.equal(err.message, 'invalid RTM_NEWLINK/IFLA_MTU: expected 4 bytes (length 2)');
      return true;
    },
  );
});

test('nested error names the whole attribute path', () => {
  const inner = attr(1, [1, 2, 3]);
  const buf = Buffer.from(attr(18 | 0x8000, inner));
  const c = new AttrCursor(buf, 0, buf.length, 'RTM_NEWLINK', false);
  c.next();
  const n = c.nested('IFLA_LINKINFO');
  n.next();
  assert.throws(() => n.u16('IFLA_INFO_KIND'), {
    path: 'RTM_NEWLINK/IFLA_LINKINFO/IFLA_INFO_KIND',
  });
});

test('attribute overrunning the buffer throws DecodeError', () => {
  const buf = Buffer.from([40, 0, 1, 0, 0, 0, 0, 0]);
  const c = new AttrCursor(buf, 0, buf.length, 'RTM_NEWADDR', false);
  assert.throws(() => c.next(), {
    code: 'NLX_ERR_DECODE',
    message:
      'invalid RTM_NEWADDR: attribute 1 header length 40 does not fit the 8 bytes left (length 40)',
  });
});

test('builder output round-trips through the cursor', () => {
  const bytes = new AttrBuilder(false)
    .u8(1, 200)
    .u16(2, 65000)
    .u32(3, 4000000000)
    .u64(4, 18446744073709551615n)
    .str(5, 'nlctrl')
    .flag(6)
    .nested(7, (b) => b.u32(1, 5))
    .toBuffer();
  const c = new AttrCursor(bytes, 0, bytes.length, 'test', false);
  const seen: unknown[] = [];
  while (c.next()) {
    if (c.type === 1) seen.push(c.u8());
    else if (c.type === 2) seen.push(c.u16());
    else if (c.type === 3) seen.push(c.u32());
    else if (c.type === 4) seen.push(c.u64());
    else if (c.type === 5) seen.push(c.str());
    else if (c.type === 6) seen.push(c.flag());
    else if (c.type === 7) {
      const n = c.nested();
      n.next();
      seen.push(n.u32());
    }
  }
  assert.deepEqual(seen, [200, 65000, 4000000000, 18446744073709551615n, 'nlctrl', true, 5]);
});

test('request is zero-filled to the full fixed header', () => {
  const req = encodeRequest(18, 0x301, 7, new Uint8Array(16));
  assert.equal(req.toString('hex'), '20000000120001030700000000000000' + '00'.repeat(16));
});

test('forEachMessage skips control messages and rejects bad lengths', () => {
  const done = Buffer.from('14000000030002000100000000000000' + '00000000', 'hex');
  const data = Buffer.from('14000000100002000100000000000000' + '01020304', 'hex');
  const seen: number[] = [];
  forEachMessage([Buffer.concat([data, done])], (_b, type, _f, start, end) =>
    seen.push(type, end - start),
  );
  assert.deepEqual(seen, [16, 4]);
  assert.throws(
    () => forEachMessage([Buffer.from('08000000100000000000000000000000', 'hex')], () => {}),
    {
      code: 'NLX_ERR_DECODE',
    },
  );
});

test('NLMSG_ERROR with extended-ack TLVs yields message and offset', () => {
  // errno -22, capped original header (16 bytes), NLMSGERR_ATTR_MSG "bad", NLMSGERR_ATTR_OFFS 20.
  const payload = Buffer.from(
    'eaffffff' + '20000000120001030700000000000000' + '080001006261640008000200' + '14000000',
    'hex',
  );
  const flags = 0x100 | 0x200;
  assert.deepEqual(decodeErrorPayload(payload, flags, 0, payload.length), {
    errno: 22,
    extAck: { message: 'bad', offset: 20 },
  });
  assert.deepEqual(decodeErrorPayload(Buffer.from('00000000', 'hex'), 0, 0, 4), {
    errno: 0,
    extAck: {},
  });
});

test('error classes carry stable codes and messages', () => {
  const ctx = { op: 'dump RTM_GETLINK', protocol: 'NETLINK_ROUTE', seq: 9 };
  const rows: [string, Error & { code: string }, string, string][] = [
    [
      'kernel',
      new KernelError(2, ctx, { message: 'no such family' }),
      'NLX_ERR_KERNEL',
      'dump RTM_GETLINK: kernel returned ENOENT: no such family',
    ],
    [
      'socket',
      new SocketError('bind', 98, ctx),
      'NLX_ERR_SOCKET',
      'dump RTM_GETLINK: bind failed with EADDRINUSE',
    ],
    [
      'decode',
      new DecodeError('RTM_NEWLINK/IFLA_MTU', 'expected 4 bytes', 2, ctx),
      'NLX_ERR_DECODE',
      'dump RTM_GETLINK: invalid RTM_NEWLINK/IFLA_MTU: expected 4 bytes (length 2)',
    ],
    [
      'protocol',
      new ProtocolError('reply has sequence 1', ctx),
      'NLX_ERR_PROTOCOL',
      'dump RTM_GETLINK: reply has sequence 1',
    ],
    [
      'interrupted',
      new DumpInterruptedError(8, ctx),
      'NLX_ERR_DUMP_INTERRUPTED',
      'dump RTM_GETLINK: dump was interrupted by concurrent changes 9 times in a row',
    ],
    [
      'enobufs',
      new ReceiveOverflowError(ctx),
      'NLX_ERR_ENOBUFS',
      'dump RTM_GETLINK: receive buffer overflowed and messages were lost (ENOBUFS)',
    ],
    [
      'overrun',
      new OverrunError(ctx),
      'NLX_ERR_OVERRUN',
      'dump RTM_GETLINK: kernel reported NLMSG_OVERRUN (data lost)',
    ],
    [
      'aborted',
      new AbortedError(ctx),
      'NLX_ERR_ABORTED',
      'dump RTM_GETLINK: request aborted before the reply was complete',
    ],
    ['closed', new ClosedError(ctx), 'NLX_ERR_CLOSED', 'dump RTM_GETLINK: socket is closed'],
  ];
  for (const [name, err, code, message] of rows) {
    assert.equal(err.code, code, name);
    assert.equal(err.message, message, name);
    assert.equal(err.name, err.constructor.name, name);
  }
  assert.equal(new KernelError(2, ctx).errnoName, 'ENOENT');
  assert.equal(isUnavailable(new KernelError(2, ctx)), true);
  assert.equal(isUnavailable(new KernelError(95, ctx)), true);
  assert.equal(isForbidden(new KernelError(1, ctx)), true);
  assert.equal(isForbidden(new SocketError('setsockopt', 13, ctx)), true);
  assert.equal(isUnavailable(new KernelError(22, ctx)), false);
});
