// Checks the deployment files under deploy/ against the exporter itself. Every port, path,
// flag and environment variable they use is compared with the real defaults (defaultConfig)
// and the real `--help` output of the built binary, and the exporter's own parser must
// accept the flags. Capabilities are checked by running the exporter as an unprivileged user
// with exactly the capabilities that a file grants, in a network namespace the test creates.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { COLLECTOR_NAMES } from '../../src/collectors/names.js';
import { defaultConfig, parseCommandLine } from '../../src/config/load.js';
import { MAIN } from '../support/exporter.js';
import { REPO_ROOT } from '../support/fixtures.js';
import { createNamespace, kernelTestBlocker, type TestNamespace } from '../support/netns.js';
import { freeLoopbackPort } from '../support/ports.js';
import { startIn, toolMissing, waitFor } from './support/harness.js';

const DEPLOY = join(REPO_ROOT, 'deploy');
const UNIT = join(DEPLOY, 'systemd', 'netlink-exporter.service');
const DOCKERFILE = join(DEPLOY, 'container', 'Dockerfile');
const ENTRYPOINT = join(DEPLOY, 'container', 'entrypoint.sh');
const HEALTHCHECK = join(DEPLOY, 'container', 'healthcheck.mjs');
const KUBERNETES = join(DEPLOY, 'kubernetes');
const DEFAULTS = defaultConfig();
const DEFAULT_PORT = DEFAULTS.listenAddresses[0]!.port;
/** Paths the exporter serves besides the telemetry path. */
const HEALTH_PATH = '/healthz';
const READY_PATH = '/ready';
/** Collectors that the kernel rejects without CAP_NET_ADMIN, as docs/operations.md lists them. */
const NET_ADMIN_COLLECTORS = [
  'conntrack',
  'conntrack_expect',
  'nftables',
  'xfrm',
  'ipvs',
  'wireguard',
];

const HELP = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' }).stdout;

/** Returns the flag names (`--name`) and NLX_* variables that `--help` lists. */
function helpVocabulary(): { flags: Set<string>; env: Set<string> } {
  const flags = new Set<string>();
  for (const match of HELP.matchAll(/--(\[no-\])?([a-z][a-z0-9._-]*)/g)) {
    flags.add(`--${match[2]}`);
    if (match[1] !== undefined) flags.add(`--no-${match[2]}`);
  }
  return { flags, env: new Set(HELP.match(/NLX_[A-Z0-9_]+/g) ?? []) };
}

/** Checks that `--help` lists every flag of `args` and that the exporter's parser accepts them. */
function assertExporterAccepts(args: readonly string[], env: Record<string, string> = {}): void {
  const { flags, env: variables } = helpVocabulary();
  const unknownFlags = args.map((arg) => arg.split('=')[0]!).filter((flag) => !flags.has(flag));
  assert.deepStrictEqual(unknownFlags, [], `flags missing from --help: ${unknownFlags.join(', ')}`);
  const unknownEnv = Object.keys(env).filter((name) => !variables.has(name));
  assert.deepStrictEqual(unknownEnv, []);
  assert.equal(parseCommandLine(args, env, () => '').kind, 'run');
}

/** Reads `Key=value` lines of one section of a systemd unit; repeated keys keep every value. */
function unitSection(text: string, section: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) current = line;
    if (current !== `[${section}]` || line === '' || line.startsWith('#') || !line.includes('='))
      continue;
    const key = line.slice(0, line.indexOf('='));
    values.set(key, [...(values.get(key) ?? []), line.slice(line.indexOf('=') + 1)]);
  }
  return values;
}

/** Reads the Dockerfile's instructions, with continuation lines joined. */
function dockerInstructions(): { instruction: string; args: string }[] {
  const joined = readFileSync(DOCKERFILE, 'utf8').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ');
      return {
        instruction: line.slice(0, space).toUpperCase(),
        args: line.slice(space + 1).trim(),
      };
    });
}

interface KubernetesObject {
  readonly kind: string;
  readonly metadata: { name: string; annotations?: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

function kubernetesObjects(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(join(KUBERNETES, file), 'utf8')).map(
    (doc) => doc.toJSON() as KubernetesObject,
  );
}

function findKind(file: string, kind: string): KubernetesObject {
  const found = kubernetesObjects(file).find((o) => o.kind === kind);
  assert.ok(found !== undefined, `${file} has no ${kind}`);
  return found;
}

interface Container {
  args?: string[];
  env?: { name: string; value: string }[];
  ports: { name: string; containerPort: number; hostPort?: number }[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  securityContext: {
    allowPrivilegeEscalation: boolean;
    readOnlyRootFilesystem: boolean;
    capabilities: { drop: string[]; add: string[] };
  };
}

function daemonSetPod(): {
  spec: Record<string, unknown>;
  annotations: Record<string, string>;
  container: Container;
} {
  const daemonSet = findKind('daemonset.yaml', 'DaemonSet');
  const template = daemonSet.spec['template'] as {
    metadata: { annotations: Record<string, string> };
    spec: { containers: Container[] } & Record<string, unknown>;
  };
  assert.equal(template.spec.containers.length, 1);
  return {
    spec: template.spec,
    annotations: template.metadata.annotations,
    container: template.spec.containers[0]!,
  };
}

test('built entry point runs through its #! line', () => {
  const [shebang] = readFileSync(MAIN, 'utf8').split('\n');
  assert.equal(shebang, '#!/usr/bin/env -S node --max-semi-space-size=2');
  const result = spawnSync(MAIN, ['--version'], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr || String(result.error));
  assert.match(result.stdout, /^netlink_exporter \d+\.\d+\.\d+ /);
});

/** Returns the pids of the children of `pid`, from /proc/PID/task/PID/children. */
function childPids(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(' ').map(Number);
}

/** Returns the pids of every descendant of `pid`. */
function descendantPids(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendantPids(child)]);
}

test('SIGTERM to npm start stops the exporter', async (t) => {
  const port = await freeLoopbackPort();
  const npm = spawn(
    'npm',
    ['start', '--', `--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  npm.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
  await waitFor(
    'the exporter to log ready',
    () => (stderr.includes('ready') ? true : undefined),
    20_000,
  );
  const descendants = descendantPids(npm.pid!);
  t.after(() => {
    for (const pid of descendants) if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  });
  // A shell between npm and node would receive npm's SIGTERM and leave node running.
  const children = childPids(npm.pid!);
  assert.equal(children.length, 1);
  const cmdline = readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0');
  assert.ok(cmdline.includes('dist/src/main.js'), `npm's child runs ${cmdline.join(' ')}`);

  npm.kill('SIGTERM');

  // An exporter left running keeps npm's stderr open, and npm waits for it before it exits.
  await waitFor(
    'the exporter to exit',
    () => (existsSync(`/proc/${children[0]}`) ? undefined : true),
    10_000,
  );
  await exited;
  assert.match(stderr, /msg=stopped/);
});

describe('systemd unit', () => {
  const unit = readFileSync(UNIT, 'utf8');
  const service = unitSection(unit, 'Service');

  test('systemd-analyze verify accepts it', {
    skip: toolMissing('systemd-analyze', ['--version'], 'systemd'),
  }, () => {
    const result = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    assert.deepStrictEqual(
      { status: result.status, stderr: result.stderr },
      { status: 0, stderr: '' },
    );
  });

  test('ExecStart runs the exporter with accepted flags', () => {
    const [node, ...words] = (service.get('ExecStart')?.[0] ?? '').split(/\s+/);
    const at = words.indexOf('/opt/netlink-exporter/dist/src/main.js');
    assert.equal(node, '/usr/bin/node');
    assert.ok(at >= 0, `ExecStart does not run dist/src/main.js: ${words.join(' ')}`);
    const nodeFlags = words.slice(0, at);
    const check = spawnSync(process.execPath, [...nodeFlags, '-e', '0'], { encoding: 'utf8' });
    assert.deepStrictEqual(
      { status: check.status, stderr: check.stderr },
      { status: 0, stderr: '' },
      `node rejects ${nodeFlags.join(' ')}`,
    );
    assertExporterAccepts(words.slice(at + 1));
  });

  test('limits glibc to two malloc arenas', () => {
    assert.deepStrictEqual(service.get('Environment'), ['MALLOC_ARENA_MAX=2']);
  });

  test('runs as a user with CAP_NET_ADMIN only', () => {
    assert.deepStrictEqual(
      {
        user: service.get('User'),
        ambient: service.get('AmbientCapabilities'),
        bounding: service.get('CapabilityBoundingSet'),
        noNewPrivileges: service.get('NoNewPrivileges'),
      },
      {
        user: ['netlink-exporter'],
        ambient: ['CAP_NET_ADMIN'],
        bounding: ['CAP_NET_ADMIN'],
        noNewPrivileges: ['yes'],
      },
    );
    assert.match(unit, /^# {3}AmbientCapabilities=CAP_NET_ADMIN CAP_SYS_ADMIN$/m);
  });

  test('sandbox keeps netlink, procfs and the JIT', () => {
    assert.deepStrictEqual(
      {
        families: service.get('RestrictAddressFamilies')?.[0]?.split(' ').includes('AF_NETLINK'),
        privateNetwork: service.get('PrivateNetwork'),
        procSubset: service.get('ProcSubset'),
        memoryDenyWriteExecute: service.get('MemoryDenyWriteExecute'),
      },
      {
        families: true,
        privateNetwork: undefined,
        procSubset: undefined,
        memoryDenyWriteExecute: undefined,
      },
    );
  });
});

describe('Dockerfile', () => {
  const instructions = dockerInstructions();
  const all = (name: string) =>
    instructions.filter((i) => i.instruction === name).map((i) => i.args);

  test('builds in two stages', () => {
    assert.equal(all('FROM').length, 2);
    assert.match(all('FROM')[0]!, / AS build$/);
  });

  test('exposes the default port', () => {
    assert.deepStrictEqual(all('EXPOSE'), [String(DEFAULT_PORT)]);
  });

  test('runs as a non-root user', () => {
    const users = all('USER');
    assert.equal(users.length, 1);
    assert.notEqual(users[0]!.split(':')[0], '0');
    assert.notEqual(users[0]!.split(':')[0], 'root');
  });

  test('limits glibc to two malloc arenas', () => {
    assert.deepStrictEqual(all('ENV'), ['MALLOC_ARENA_MAX=2']);
  });

  test('has a health check and an entry point', () => {
    assert.deepStrictEqual(
      { healthcheck: all('HEALTHCHECK').length, entrypoint: all('ENTRYPOINT') },
      { healthcheck: 1, entrypoint: ['["/opt/netlink-exporter/bin/entrypoint.sh"]'] },
    );
  });

  test('copies files that exist', () => {
    const sources = all('COPY')
      .filter((args) => !args.startsWith('--from='))
      .flatMap((args) => args.split(/\s+/).slice(0, -1));
    const missing = sources.filter(
      (path) => spawnSync('test', ['-e', join(REPO_ROOT, path)]).status !== 0,
    );
    assert.deepStrictEqual(missing, []);
  });
});

describe('Kubernetes manifests', () => {
  const { spec, annotations, container } = daemonSetPod();

  test('DaemonSet uses the host network', () => {
    assert.deepStrictEqual(
      { hostNetwork: spec['hostNetwork'], dnsPolicy: spec['dnsPolicy'] },
      { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' },
    );
  });

  test('container port matches the listen address', () => {
    const parsed = parseCommandLine(container.args ?? [], {}, () => '');
    assert.equal(parsed.kind, 'run');
    const port = parsed.kind === 'run' ? parsed.config.listenAddresses[0]?.port : undefined;
    assert.deepStrictEqual(container.ports, [
      { name: 'metrics', containerPort: DEFAULT_PORT, hostPort: DEFAULT_PORT, protocol: 'TCP' },
    ]);
    assert.equal(port, DEFAULT_PORT);
  });

  test('probes use served paths', () => {
    assert.deepStrictEqual(
      { liveness: container.livenessProbe.httpGet, readiness: container.readinessProbe.httpGet },
      {
        liveness: { path: HEALTH_PATH, port: 'metrics' },
        readiness: { path: READY_PATH, port: 'metrics' },
      },
    );
  });

  test('flags and variables are accepted', () => {
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    assertExporterAccepts(container.args ?? [], env);
  });

  test('capabilities are NET_ADMIN only', () => {
    assert.deepStrictEqual(container.securityContext, {
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: true,
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] },
    });
  });

  test('annotations name port and path', () => {
    assert.deepStrictEqual(annotations, {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(DEFAULT_PORT),
      'prometheus.io/path': DEFAULTS.telemetryPath,
    });
  });

  test('Service and ServiceMonitor reach the port', () => {
    const service = findKind('service.yaml', 'Service');
    const monitor = findKind('servicemonitor.yaml', 'ServiceMonitor');
    const endpoint = (monitor.spec['endpoints'] as { port: string; path: string }[])[0];
    assert.deepStrictEqual(
      {
        servicePorts: service.spec['ports'],
        endpoint: { port: endpoint?.port, path: endpoint?.path },
      },
      {
        servicePorts: [
          { name: 'metrics', port: DEFAULT_PORT, targetPort: 'metrics', protocol: 'TCP' },
        ],
        endpoint: { port: 'metrics', path: DEFAULTS.telemetryPath },
      },
    );
  });

  test('promtool accepts the scrape job', {
    skip: toolMissing('promtool', ['--version'], 'prometheus'),
  }, () => {
    const jobs = parseYaml(
      readFileSync(join(KUBERNETES, 'prometheus-scrape-config.yaml'), 'utf8'),
    ) as Record<string, unknown>[];
    assert.deepStrictEqual(
      jobs.map((job) => job['job_name']),
      ['netlink-exporter'],
    );
    // Debian's Prometheus is built without Kubernetes service discovery, so the discovery
    // block is swapped for an empty static one; promtool still checks the relabelling rules.
    const checkable = jobs.map(({ kubernetes_sd_configs: _, ...job }) => ({
      ...job,
      static_configs: [],
    }));
    const scratch = mkdtempSync(join(tmpdir(), 'nlx-e2e-scrape-config-'));
    try {
      writeFileSync(join(scratch, 'prometheus.yml'), stringifyYaml({ scrape_configs: checkable }));
      const result = spawnSync('promtool', ['check', 'config', 'prometheus.yml'], {
        cwd: scratch,
        encoding: 'utf8',
      });
      assert.deepStrictEqual(
        { status: result.status, stderr: result.stderr },
        { status: 0, stderr: '' },
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

/** Returns the collectors that an exposition reports with available 0. */
function notAvailable(metrics: string): string[] {
  return [...metrics.matchAll(/^nft_scrape_collector_available\{collector="([a-z_]+)"\} 0$/gm)].map(
    (m) => m[1]!,
  );
}

describe('capabilities at run time', () => {
  let ns: TestNamespace;
  let scratch: string;
  let skip: string | undefined = kernelTestBlocker();
  if (skip === undefined) skip = toolMissing('setpriv', ['--version'], 'util-linux');
  if (skip === undefined) skip = toolMissing('getcap', ['/dev/null'], 'libcap2-bin');
  if (skip !== undefined && process.env['CI'] === 'true')
    throw new Error(`end-to-end test cannot run in CI: ${skip}`);

  /**
   * Runs `command` in the namespace, as uid 65534 with `setpriv` options unless `options` is
   * undefined, and returns the collectors that were not available and the exporter's stderr.
   */
  async function runExporter(
    options: readonly string[] | undefined,
    command: readonly string[],
    env: Record<string, string> = {},
  ): Promise<{ unavailable: string[]; stderr: string }> {
    const exporter =
      options === undefined
        ? startIn(ns.name, command[0]!, command.slice(1), { cwd: scratch, env })
        : startIn(
            ns.name,
            'setpriv',
            ['--reuid=65534', '--regid=65534', '--clear-groups', ...options, ...command],
            {
              cwd: scratch,
              env,
            },
          );
    try {
      const metrics = await waitFor(
        'the exporter to become ready',
        () => {
          if (exporter.process.exitCode !== null) return '';
          const ready = spawnSync('ip', [
            'netns',
            'exec',
            ns.name,
            'curl',
            '-sf',
            `http://127.0.0.1:${DEFAULT_PORT}/ready`,
          ]);
          if (ready.status !== 0) return undefined;
          return ns.exec('curl', '-sf', `http://127.0.0.1:${DEFAULT_PORT}/metrics`);
        },
        20_000,
      );
      if (metrics === '')
        throw new Error(`exporter exited with ${exporter.process.exitCode}: ${exporter.stderr()}`);
      return { unavailable: notAvailable(metrics), stderr: exporter.stderr() };
    } finally {
      await exporter.stop();
    }
  }

  /** Collectors that this kernel lacks, from a run as root. */
  let missingAsRoot: string[] = [];

  before(async () => {
    if (skip !== undefined) return;
    scratch = mkdtempSync(join(tmpdir(), 'nlx-e2e-caps-'));
    // The unprivileged exporter starts in this directory and the entry point test runs a
    // binary from it.
    chmodSync(scratch, 0o755);
    ns = createNamespace('e2e-caps');
    const asRoot = await runExporter(undefined, [process.execPath, MAIN]);
    missingAsRoot = asRoot.unavailable;
  });

  after(() => {
    ns?.remove();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  });

  test('unit capabilities enable every collector', { skip }, async () => {
    const service = unitSection(readFileSync(UNIT, 'utf8'), 'Service');
    const caps = (service.get('AmbientCapabilities')?.[0] ?? '')
      .split(' ')
      .map((cap) => `+${cap.replace(/^CAP_/, '').toLowerCase()}`)
      .join(',');
    const run = await runExporter(
      [`--inh-caps=${caps}`, `--ambient-caps=${caps}`, `--bounding-set=-all,${caps}`],
      [process.execPath, MAIN],
    );
    // drop_monitor also needs CAP_SYS_ADMIN, which the unit grants only after an edit.
    const expected = COLLECTOR_NAMES.filter(
      (name) =>
        missingAsRoot.includes(name) || (name === 'drop_monitor' && DEFAULTS.collectors[name]),
    );
    assert.deepStrictEqual(run.unavailable, expected);
  });

  test('no capability forbids the documented collectors', { skip }, async () => {
    const run = await runExporter(
      ['--inh-caps=-all', '--bounding-set=-all'],
      [process.execPath, MAIN],
    );
    const expected = COLLECTOR_NAMES.filter(
      (name) => missingAsRoot.includes(name) || NET_ADMIN_COLLECTORS.includes(name),
    ).filter((name) => DEFAULTS.collectors[name]);
    assert.deepStrictEqual(run.unavailable, expected);
  });

  test('container entry point picks the capable node', { skip }, async () => {
    const home = join(scratch, 'image');
    mkdirSync(join(home, 'bin'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'dist'), join(home, 'dist'));
    copyFileSync(process.execPath, join(home, 'bin', 'node-net-admin'));
    const setcap = spawnSync('setcap', ['cap_net_admin=ep', join(home, 'bin', 'node-net-admin')], {
      encoding: 'utf8',
    });
    assert.equal(setcap.status, 0, setcap.stderr);
    const env = { NETLINK_EXPORTER_HOME: home, NETLINK_EXPORTER_PLAIN_NODE: process.execPath };

    const capable = await runExporter(
      ['--inh-caps=-all', '--bounding-set=-all,+net_admin'],
      [ENTRYPOINT],
      env,
    );
    assert.deepStrictEqual(capable.unavailable, missingAsRoot);

    const plain = await runExporter(['--inh-caps=-all', '--bounding-set=-all'], [ENTRYPOINT], env);
    const expected = COLLECTOR_NAMES.filter(
      (name) => missingAsRoot.includes(name) || NET_ADMIN_COLLECTORS.includes(name),
    ).filter((name) => DEFAULTS.collectors[name]);
    assert.deepStrictEqual(plain.unavailable, expected);
    assert.match(plain.stderr, /^entrypoint: CAP_NET_ADMIN is not in the bounding set/m);
  });

  test('container health check follows the exporter', { skip }, async () => {
    const healthcheck = () =>
      spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, HEALTHCHECK]).status;
    const exporter = startIn(ns.name, process.execPath, [MAIN], { cwd: scratch });
    try {
      await waitFor(
        'the health check to pass',
        () => (healthcheck() === 0 ? true : undefined),
        20_000,
      );
    } finally {
      await exporter.stop();
    }
    assert.equal(healthcheck(), 1);
  });
});
