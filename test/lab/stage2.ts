// Generates stage2.sh, the part of the lab guest's boot that changes with each run. The
// initramfs that test/lab/prepare.sh builds only mounts the job folder and runs this script
// as PID 1, so the guest's setup can change here without preparing the cache again.

/** A kernel module that the guest loads before the command runs. */
export interface GuestModule {
  readonly name: string;
  readonly parameters?: readonly string[];
}

/**
 * Modules loaded before the guest command runs. A module that is neither loadable nor built in
 * is listed in the job's modules-missing file, and the tests for it fail on their own.
 */
export const GUEST_MODULES: readonly GuestModule[] = [
  // numdummies=0 stops the module from creating dummy0 in the initial namespace.
  { name: 'dummy', parameters: ['numdummies=0'] },
  { name: 'veth' },
  { name: 'wireguard' },
  { name: 'ip_vs' },
  { name: 'ip_vs_rr' },
  { name: 'ip_vs_wrr' },
  { name: 'ip_vs_sh' },
  { name: 'drop_monitor' },
  // Built out of tree by prepare.sh because Debian's kernels lack CONFIG_NETDEVSIM.
  { name: 'netdevsim' },
  { name: 'sch_fq_codel' },
  { name: 'sch_fq' },
  { name: 'sch_sfq' },
  { name: 'sch_netem' },
  { name: 'sch_prio' },
  { name: 'sch_cake' },
  { name: 'sch_htb' },
  { name: 'sch_tbf' },
  { name: 'sch_ingress' },
  { name: 'cls_u32' },
  { name: 'esp4' },
  { name: 'ah4' },
  { name: 'xfrm_user' },
  { name: 'xfrm_interface' },
  // Flowtables: the inet, ip and ip6 families and the flow offload expression.
  { name: 'nf_flow_table_inet' },
  { name: 'nft_flow_offload' },
];

/** Folder inside the guest's root where the host's job folder is mounted read-write. */
export const GUEST_JOB_DIR = '/run/lab-job';

export interface Stage2Options {
  /** Host folder that contains lib/modules/RELEASE of the kernel under test. */
  readonly modulesDir: string;
  readonly modules: readonly GuestModule[];
  /** Command and arguments, run in cwd inside the guest's copy of the host root. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Environment of the command. The guest passes nothing else through. */
  readonly env: Readonly<Record<string, string>>;
}

/** Quotes a string as one word for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MODULE_NAME = /^[A-Za-z0-9_-]+$/;

/** Guest folders that do not show the host's files. */
const GUEST_ONLY_DIRS = ['/run', '/proc', '/sys', '/dev'];

function checkGuestPath(path: string, description: string): void {
  const hidden = GUEST_ONLY_DIRS.find((dir) => path === dir || path.startsWith(`${dir}/`));
  if (hidden !== undefined) {
    throw new Error(`the lab guest cannot see ${description} ${path}: move it out of ${hidden}`);
  }
}

function checkOptions(options: Stage2Options): void {
  const program = options.argv[0];
  if (program === undefined) {
    throw new Error('the lab guest command is empty: pass the program and its arguments in argv');
  }
  checkGuestPath(program, 'the program');
  checkGuestPath(options.cwd, 'the working directory');
  for (const name of Object.keys(options.env)) {
    if (!ENV_NAME.test(name)) {
      throw new Error(`invalid environment variable name "${name}" for the lab guest`);
    }
  }
  for (const module of options.modules) {
    if (!MODULE_NAME.test(module.name)) {
      throw new Error(`invalid kernel module name "${module.name}" for the lab guest`);
    }
  }
}

function mountLines(modulesDir: string): string[] {
  return [
    'options=trans=virtio,version=9p2000.L,msize=512000',
    'mkdir -p /host /newroot /overlay',
    // cache=loose is safe because the host root does not change while the guest runs.
    'mount -t 9p -o "$options,ro,cache=loose" host /host || stop "mounting the host root over 9p failed"',
    // The kernel's request_module runs the initramfs's modprobe, which reads /lib/modules.
    `mount --bind /host${shellQuote(modulesDir)} /lib/modules || stop "mounting the kernel modules failed"`,
    'mount -t tmpfs -o mode=0755 overlay /overlay',
    'mkdir /overlay/upper /overlay/work',
    'mount -t overlay overlay -o lowerdir=/host,upperdir=/overlay/upper,workdir=/overlay/work /newroot ||',
    '  stop "mounting the writable overlay of the host root failed"',
    'root=/newroot',
    'mount -t proc proc $root/proc',
    'mount -t sysfs sysfs $root/sys',
    'mount -t devtmpfs devtmpfs $root/dev',
    'mkdir -p $root/dev/pts $root/dev/shm',
    'mount -t devpts devpts $root/dev/pts',
    // devtmpfs lacks the /dev/fd and /dev/std* links that udev would create.
    'ln -s /proc/self/fd $root/dev/fd',
    'ln -s /proc/self/fd/0 $root/dev/stdin',
    'ln -s /proc/self/fd/1 $root/dev/stdout',
    'ln -s /proc/self/fd/2 $root/dev/stderr',
    'mount -t tmpfs tmpfs $root/dev/shm',
    // A fresh /run keeps the host's network namespace files out of the guest's `ip netns`.
    'mount -t tmpfs tmpfs $root/run',
    'mount -t debugfs debugfs $root/sys/kernel/debug 2>/dev/null',
    `mkdir -p $root${GUEST_JOB_DIR}`,
    `mount --bind /job $root${GUEST_JOB_DIR} || stop "mounting the job folder in the new root failed"`,
  ];
}

function moduleLines(modules: readonly GuestModule[]): string[] {
  const lines = [
    ': >/job/modules-missing',
    'load() {',
    '  modprobe "$@" 2>>/job/modprobe.log ||',
    '    grep -q "/$1\\.ko\\$" "/lib/modules/$(uname -r)/modules.builtin" ||',
    '    echo "$1" >>/job/modules-missing',
    '}',
  ];
  for (const module of modules) {
    lines.push(['load', module.name, ...(module.parameters ?? []).map(shellQuote)].join(' '));
  }
  return lines;
}

function commandLines(options: Stage2Options): string[] {
  const env = Object.entries(options.env).map(([name, value]) => `${name}=${shellQuote(value)}`);
  const command = `cd ${shellQuote(options.cwd)} && exec ${options.argv.map(shellQuote).join(' ')}`;
  return [
    "cut -d ' ' -f 1 /proc/uptime >/job/uptime-start",
    `chroot $root /usr/bin/env -i ${env.join(' ')} /bin/sh -c ${shellQuote(command)} \\`,
    '  </dev/null >/job/stdout 2>/job/stderr',
    'echo $? >/job/rc',
    "cut -d ' ' -f 1 /proc/uptime >/job/uptime-end",
  ];
}

/** Returns the text of stage2.sh for one run. */
export function stage2Script(options: Stage2Options): string {
  checkOptions(options);
  const lines = [
    '# Stage 2 of the lab guest, written by test/lab/vm.ts for one run. It runs as PID 1.',
    'set -u',
    'export PATH=/sbin:/bin:/usr/sbin:/usr/bin',
    'stop() {',
    '  echo "lab-guest: $*"',
    '  sync',
    '  poweroff -f',
    '}',
    'stty -F /dev/console -onlcr 2>/dev/null',
    ...mountLines(options.modulesDir),
    'ip link set lo up',
    'uname -r >/job/kernel-release',
    ...moduleLines(options.modules),
    ...commandLines(options),
    'dmesg >/job/dmesg',
    'sync',
    'poweroff -f',
  ];
  return `${lines.join('\n')}\n`;
}
