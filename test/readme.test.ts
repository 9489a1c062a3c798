/**
 * README's API tour runs as written: each ```js block is saved inside the package (so
 * `import ... from 'atrous'` resolves through package.json "exports", as for a user) and run; every
 * `console.log(...); // → text` line must print exactly that text, in order.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('README has API examples to run', () => {
  assert.ok(blocks.length >= 4, `found ${blocks.length} js blocks`);
});

blocks.forEach((code, i) => {
  test(`README example ${i + 1} prints what it says`, () => {
    const expected = [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1].trim());
    assert.ok(expected.length > 0, 'the example states its output');
    const dir = join(root, 'dist', 'readme');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8', cwd: root }).trimEnd().split('\n');
    assert.deepEqual(out, expected);
  });
});
