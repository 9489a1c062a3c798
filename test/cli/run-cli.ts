import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary, next to this compiled file: dist/test/cli → dist/src/cli/main.js. */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `atrous ...args` the way a user would, with the same Node. */
export function cli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: exit 2, one `error [code]: ...` report on stderr, nothing on stdout, no stack trace. */
export function isUserError(r: CliResult, code: string): boolean {
  return r.status === 2 && r.stdout === '' && r.stderr.startsWith(`error [${code}]: `) && !/^\s+at /m.test(r.stderr);
}
