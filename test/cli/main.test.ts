import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cli, isUserError, MAIN } from './run-cli.js';

describe('atrous (program)', () => {
  it('keeps its shebang so npm can link it as a bin', () => {
    assert.equal(readFileSync(MAIN, 'utf8').split('\n')[0], '#!/usr/bin/env node');
  });

  it('--version prints the version from package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = cli('--version');
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  it('--help lists the three commands and exits 0', () => {
    const r = cli('--help');
    assert.equal(r.status, 0);
    for (const c of ['explain', 'shape', 'rf']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });

  it('usage errors (from commander) read like library errors and exit 2', () => {
    const r = cli('shape', '--input', '64x64');
    assert.ok(isUserError(r, 'bad_argument'), r.stderr);
    assert.match(r.stderr, /required option '--kernel <sizes>'/);
  });

  it('rf: a bad list exits 2 without a stack trace', () => {
    const r = cli('rf', '--kernel', '3', '--dilations', '1,2,x');
    assert.ok(isUserError(r, 'bad_argument'), r.stderr);
    assert.match(r.stderr, /--dilations: '1,2,x'/);
  });
});
