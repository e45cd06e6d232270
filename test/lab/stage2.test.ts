import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { type Stage2Options, shellQuote, stage2Script } from './stage2.js';

const OPTIONS: Stage2Options = {
  modulesDir: '/cache/root/lib/modules',
  modules: [{ name: 'dummy', parameters: ['numdummies=0'] }, { name: 'veth' }],
  argv: ['/usr/bin/node', '--test', "it's.js"],
  cwd: '/repo dir',
  env: { PATH: '/usr/bin:/bin', NLX_LAB_GUEST: '1' },
};

test('shellQuote survives the shell', () => {
  const values = ['plain', "it's", 'a b', '$HOME `id` "x" \\ *', ''];
  const script = values.map((value) => `printf '%s\\n' ${shellQuote(value)}`).join('\n');

  assert.equal(execFileSync('sh', ['-c', script], { encoding: 'utf8' }), `${values.join('\n')}\n`);
});

test('stage2Script loads modules and runs argv', () => {
  const lines = stage2Script(OPTIONS).split('\n');
  const first = lines.indexOf(': >/job/modules-missing');
  const last = lines.indexOf('echo $? >/job/rc');
  const command = `cd '/repo dir' && exec '/usr/bin/node' '--test' 'it'\\''s.js'`;

  assert.deepStrictEqual(lines.slice(first, last + 1), [
    ': >/job/modules-missing',
    'load() {',
    '  modprobe "$@" 2>>/job/modprobe.log ||',
    '    grep -q "/$1\\.ko\\$" "/lib/modules/$(uname -r)/modules.builtin" ||',
    '    echo "$1" >>/job/modules-missing',
    '}',
    "load dummy 'numdummies=0'",
    'load veth',
    "cut -d ' ' -f 1 /proc/uptime >/job/uptime-start",
    `chroot $root /usr/bin/env -i PATH='/usr/bin:/bin' NLX_LAB_GUEST='1' /bin/sh -c ${shellQuote(command)} \\`,
    '  </dev/null >/job/stdout 2>/job/stderr',
    'echo $? >/job/rc',
  ]);
});

test('stage2Script is valid shell', () => {
  execFileSync('sh', ['-n', '-c', stage2Script(OPTIONS)]);
});

test('stage2Script rejects bad options', () => {
  assert.throws(() => stage2Script({ ...OPTIONS, argv: [] }), {
    message: 'the lab guest command is empty: pass the program and its arguments in argv',
  });
  assert.throws(() => stage2Script({ ...OPTIONS, cwd: '/run/user/0/repo' }), {
    message: 'the lab guest cannot see the working directory /run/user/0/repo: move it out of /run',
  });
  assert.throws(() => stage2Script({ ...OPTIONS, argv: ['/proc/self/exe'] }), {
    message: 'the lab guest cannot see the program /proc/self/exe: move it out of /proc',
  });
  assert.throws(() => stage2Script({ ...OPTIONS, env: { 'BAD-NAME': 'x' } }), {
    message: 'invalid environment variable name "BAD-NAME" for the lab guest',
  });
  assert.throws(() => stage2Script({ ...OPTIONS, modules: [{ name: 'x; reboot' }] }), {
    message: 'invalid kernel module name "x; reboot" for the lab guest',
  });
});
