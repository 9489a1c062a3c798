/**
 * `atrous train digits` and `atrous eval`, short: a few dozen steps instead of the demo's epochs,
 * but the whole pipeline — data, training, checkpoint, log, pictures, Ctrl-C, evaluation.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MAIN } from './run-cli.js';

const PNG_SIGNATURE = '89504e470d0a1a0a';
const dir = mkdtempSync(join(tmpdir(), 'atrous-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('atrous train digits / eval', () => {
  it('trains 60 steps, learns (test accuracy well above chance), and writes checkpoint, log and pictures', () => {
    const out = join(dir, 'run');
    const r = spawnSync(process.execPath, [MAIN, 'train', 'digits', '--epochs', '1', '--steps', '60', '--out', out, '--seed', '3'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const m = /test accuracy ([\d.]+)% after/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 35, `60 steps of 64 digits gave only ${m[1]}% (chance is 10%)`);
    assert.match(r.stderr, /step \d+\/124 \| epoch 1 \| loss [\d.]+ \| acc [\d.]+% \| \d+ ex\/s \| ETA/); // the progress bar, on stderr
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    assert.equal(log.steps.length, 60);
    assert.equal(log.history.length, 1);
    assert.ok(log.steps[59].loss < log.steps[0].loss, 'loss fell');
    for (const f of ['curves.png', 'confusion.png', 'receptive-field.png']) {
      assert.equal(readFileSync(join(out, f)).subarray(0, 8).toString('hex'), PNG_SIGNATURE, f);
    }
    const e = spawnSync(process.execPath, [MAIN, 'eval', join(out, 'model.safetensors')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(e.status, 0, e.stderr);
    // The checkpoint round trip gives exactly the accuracy the run reported.
    assert.match(e.stdout, new RegExp(`test accuracy ${m[1].replace('.', '\\.')}% `));
    assert.equal(e.stdout.split('\n').filter((l) => /^\s+\d: /.test(l)).length, 10);
  });

  it('stops cleanly on Ctrl-C: finishes the step, saves, exits 0', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(process.execPath, [MAIN, 'train', 'digits', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // Interrupt once training is under way (the first progress line, on stderr).
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/step \d+\/\d+/.test(stderr)) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 100);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stopping after this step/);
    assert.match(stdout, /stopped early: test accuracy/);
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    assert.equal(log.stopped, true);
    assert.ok(log.steps.length < 4 * 124);
    assert.equal(readFileSync(join(out, 'model.safetensors')).length > 1000, true);
  });

  it('refuses an unknown task and a bad option with the usual one-line error', () => {
    const a = spawnSync(process.execPath, [MAIN, 'train', 'cifar'], { encoding: 'utf8' });
    assert.equal(a.status, 2);
    assert.match(a.stderr, /^error \[bad_argument\]: train: unknown task 'cifar'; available: digits, fashion, tones/);
    const b = spawnSync(process.execPath, [MAIN, 'train', 'digits', '--lr', 'fast'], { encoding: 'utf8' });
    assert.equal(b.status, 2);
    assert.match(b.stderr, /--lr: 'fast' is not a positive number/);
  });
});

// Fashion-MNIST comes from Debian's dataset-fashion-mnist (CI installs it); ATROUS_FASHION_MNIST_DIR overrides.
const fashionDir = process.env.ATROUS_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

describe('atrous train fashion / eval', () => {
  it('says where Fashion-MNIST comes from when the files are missing', () => {
    const r = spawnSync(process.execPath, [MAIN, 'train', 'fashion', '--data', join(dir, 'nowhere'), '--out', join(dir, 'none')], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^error \[bad_file\]: loadFashionMnist: train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\] not found in .*nowhere\. .*apt-get install dataset-fashion-mnist/);
  });

  it('trains 50 steps on the 60,000 images (well above chance), and eval reproduces the accuracy from the checkpoint', { skip: existsSync(fashionDir) ? false : `no Fashion-MNIST in ${fashionDir}` }, () => {
    const out = join(dir, 'fashion');
    const r = spawnSync(process.execPath, [MAIN, 'train', 'fashion', '--steps', '50', '--out', out, '--data', fashionDir], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    const m = /test accuracy ([\d.]+)% after/.exec(r.stdout);
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 40, `50 steps gave only ${m[1]}% on the 10,000 test images (chance is 10%)`);
    assert.match(r.stderr, /train fashion .* step \d+\/9370 \| epoch 1/); // 10 epochs of 937 steps by default
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    assert.equal(log.task, 'fashion');
    assert.equal(log.options.flip, true);
    assert.equal(log.test.confusion.flat().reduce((a: number, b: number) => a + b, 0), 10_000);
    const e = spawnSync(process.execPath, [MAIN, 'eval', join(out, 'model.safetensors'), '--data', fashionDir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, new RegExp(`test accuracy ${m[1].replace('.', '\\.')}% \\(\\d+/10000\\)`));
  });
});
