// Parsers from NETLINK_XFRM replies to readonly snapshots. Layouts follow <linux/xfrm.h>
// (struct xfrm_usersa_info, xfrm_userpolicy_info, xfrmu_sadhinfo, xfrmu_spdinfo,
// xfrmu_spdhinfo), checked against Linux 6.18. No I/O, no logging.

import { AttrCursor } from '../../netlink/attr.js';
import { DecodeError } from '../../netlink/errors.js';
import {
  POLICY_ACTION,
  POLICY_DIR,
  SA_CURLFT,
  SA_FAMILY,
  SA_ID_PROTO,
  SA_LFT,
  SA_MODE,
  SA_STATS,
  XFRM_INFO_FLAGS_LEN,
  XFRM_USERPOLICY_INFO_MIN,
  XFRM_USERSA_INFO_MIN,
  XFRMA_SAD_CNT,
  XFRMA_SAD_HINFO,
  XFRMA_SPD_HINFO,
  XFRMA_SPD_INFO,
  XFRMU_HINFO_LEN,
  XFRMU_SPDINFO_LEN,
} from './constants.js';

/** One SA from XFRM_MSG_NEWSA: identity, lifetime limits, current lifetime and statistics. */
export interface SaSnapshot {
  /** `id.proto`: IPPROTO_ESP, IPPROTO_AH, IPPROTO_COMP ... */
  readonly proto: number;
  /** XFRM_MODE_* */
  readonly mode: number;
  /** Address family of the SA (AF_INET, AF_INET6). */
  readonly family: number;
  /** `lft` limits: XFRM_INF for an unset byte or packet limit, 0 for an unset time limit. */
  readonly softByteLimit: bigint;
  readonly hardByteLimit: bigint;
  readonly softPacketLimit: bigint;
  readonly hardPacketLimit: bigint;
  readonly softAddExpiresSeconds: bigint;
  readonly hardAddExpiresSeconds: bigint;
  readonly softUseExpiresSeconds: bigint;
  readonly hardUseExpiresSeconds: bigint;
  /** `curlft`: bytes and packets processed, and when the SA was added and first used. */
  readonly bytes: bigint;
  readonly packets: bigint;
  /** Seconds since the Unix epoch. */
  readonly addTime: bigint;
  /** Seconds since the Unix epoch, or 0 while the SA was never used. */
  readonly useTime: bigint;
  /** `stats`: packets dropped because they were outside the replay window. */
  readonly replayWindowFailures: number;
  /** `stats`: packets dropped as replays. */
  readonly replayFailures: number;
  /** `stats`: packets that failed the integrity check. */
  readonly integrityFailures: number;
}

// NB: the structs are in host byte order, like the netlink headers, and every supported
// target (x86_64, arm64) is little-endian.
const u64 = (buf: Buffer, at: number): bigint => buf.readBigUInt64LE(at);

/** Parses one XFRM_MSG_NEWSA body. Attributes (algorithms, replay state) are not read. */
export function parseSa(buf: Buffer, start: number, end: number): SaSnapshot {
  if (end - start < XFRM_USERSA_INFO_MIN) {
    throw new DecodeError(
      'XFRM_MSG_NEWSA/xfrm_usersa_info',
      `expected at least ${XFRM_USERSA_INFO_MIN} bytes`,
      end - start,
    );
  }
  const lft = start + SA_LFT;
  const cur = start + SA_CURLFT;
  const stats = start + SA_STATS;
  return {
    proto: buf[start + SA_ID_PROTO]!,
    mode: buf[start + SA_MODE]!,
    family: buf.readUInt16LE(start + SA_FAMILY),
    softByteLimit: u64(buf, lft),
    hardByteLimit: u64(buf, lft + 8),
    softPacketLimit: u64(buf, lft + 16),
    hardPacketLimit: u64(buf, lft + 24),
    softAddExpiresSeconds: u64(buf, lft + 32),
    hardAddExpiresSeconds: u64(buf, lft + 40),
    softUseExpiresSeconds: u64(buf, lft + 48),
    hardUseExpiresSeconds: u64(buf, lft + 56),
    bytes: u64(buf, cur),
    packets: u64(buf, cur + 8),
    addTime: u64(buf, cur + 16),
    useTime: u64(buf, cur + 24),
    replayWindowFailures: buf.readUInt32LE(stats),
    replayFailures: buf.readUInt32LE(stats + 4),
    integrityFailures: buf.readUInt32LE(stats + 8),
  };
}

/** One policy from XFRM_MSG_NEWPOLICY. */
export interface PolicySnapshot {
  /** XFRM_POLICY_IN, _OUT or _FWD, or XFRM_POLICY_MAX + one of them for a per-socket policy. */
  readonly dir: number;
  /** XFRM_POLICY_ALLOW or XFRM_POLICY_BLOCK. */
  readonly action: number;
}

/** Parses one XFRM_MSG_NEWPOLICY body. Attributes (templates, type) are not read. */
export function parsePolicy(buf: Buffer, start: number, end: number): PolicySnapshot {
  if (end - start < XFRM_USERPOLICY_INFO_MIN) {
    throw new DecodeError(
      'XFRM_MSG_NEWPOLICY/xfrm_userpolicy_info',
      `expected at least ${XFRM_USERPOLICY_INFO_MIN} bytes`,
      end - start,
    );
  }
  return { dir: buf[start + POLICY_DIR]!, action: buf[start + POLICY_ACTION]! };
}

/** The SAD summary from XFRM_MSG_NEWSADINFO. A field is undefined when its attribute is missing. */
export interface SadInfo {
  /** XFRMA_SAD_CNT: SAs in the database. */
  readonly count: number | undefined;
  /** xfrmu_sadhinfo.sadhcnt: current hash buckets. */
  readonly hashBuckets: number | undefined;
  /** xfrmu_sadhinfo.sadhmcnt: maximum hash buckets. */
  readonly hashMaxBuckets: number | undefined;
}

function checkFlags(path: string, start: number, end: number): void {
  if (end - start < XFRM_INFO_FLAGS_LEN) {
    throw new DecodeError(path, `expected at least ${XFRM_INFO_FLAGS_LEN} bytes`, end - start);
  }
}

/** Parses one XFRM_MSG_NEWSADINFO body: u32 flags, then attributes. Throws DecodeError. */
export function parseSadInfo(buf: Buffer, start: number, end: number): SadInfo {
  checkFlags('XFRM_MSG_NEWSADINFO', start, end);
  let count: number | undefined;
  let hashBuckets: number | undefined;
  let hashMaxBuckets: number | undefined;
  const cursor = new AttrCursor(buf, start + XFRM_INFO_FLAGS_LEN, end, 'XFRM_MSG_NEWSADINFO');
  while (cursor.next()) {
    if (cursor.type === XFRMA_SAD_CNT) {
      count = cursor.u32('XFRMA_SAD_CNT');
    } else if (cursor.type === XFRMA_SAD_HINFO) {
      const at = cursor.struct(XFRMU_HINFO_LEN, 'XFRMA_SAD_HINFO');
      hashBuckets = buf.readUInt32LE(at);
      hashMaxBuckets = buf.readUInt32LE(at + 4);
    }
  }
  return { count, hashBuckets, hashMaxBuckets };
}

/** Policy counts by direction, as struct xfrmu_spdinfo orders them. */
export interface PolicyCounts {
  readonly in: number;
  readonly out: number;
  readonly fwd: number;
}

/** The SPD summary from XFRM_MSG_NEWSPDINFO. A field is undefined when its attribute is missing. */
export interface SpdInfo {
  /** xfrmu_spdinfo incnt, outcnt, fwdcnt: policies in the database. */
  readonly policies: PolicyCounts | undefined;
  /** xfrmu_spdinfo inscnt, outscnt, fwdscnt: per-socket policies (setsockopt IP_XFRM_POLICY). */
  readonly socketPolicies: PolicyCounts | undefined;
  /**
   * xfrmu_spdhinfo.spdhcnt. NB: the kernel sends the policy index hash mask here, which is
   * the bucket count minus one (xfrm_spd_getinfo in net/xfrm/xfrm_policy.c).
   */
  readonly hashMask: number | undefined;
  /** xfrmu_spdhinfo.spdhmcnt: maximum hash buckets. */
  readonly hashMaxBuckets: number | undefined;
}

/** Parses one XFRM_MSG_NEWSPDINFO body: u32 flags, then attributes. Throws DecodeError. */
export function parseSpdInfo(buf: Buffer, start: number, end: number): SpdInfo {
  checkFlags('XFRM_MSG_NEWSPDINFO', start, end);
  let policies: PolicyCounts | undefined;
  let socketPolicies: PolicyCounts | undefined;
  let hashMask: number | undefined;
  let hashMaxBuckets: number | undefined;
  const cursor = new AttrCursor(buf, start + XFRM_INFO_FLAGS_LEN, end, 'XFRM_MSG_NEWSPDINFO');
  while (cursor.next()) {
    if (cursor.type === XFRMA_SPD_INFO) {
      const at = cursor.struct(XFRMU_SPDINFO_LEN, 'XFRMA_SPD_INFO');
      policies = {
        in: buf.readUInt32LE(at),
        out: buf.readUInt32LE(at + 4),
        fwd: buf.readUInt32LE(at + 8),
      };
      socketPolicies = {
        in: buf.readUInt32LE(at + 12),
        out: buf.readUInt32LE(at + 16),
        fwd: buf.readUInt32LE(at + 20),
      };
    } else if (cursor.type === XFRMA_SPD_HINFO) {
      const at = cursor.struct(XFRMU_HINFO_LEN, 'XFRMA_SPD_HINFO');
      hashMask = buf.readUInt32LE(at);
      hashMaxBuckets = buf.readUInt32LE(at + 4);
    }
  }
  return { policies, socketPolicies, hashMask, hashMaxBuckets };
}
