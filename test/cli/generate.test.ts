/**
 * `atrous generate audio` and `atrous train tones`, short: a few training steps and a quarter of a
 * second of audio, but the whole pipeline — training, checkpoint, streaming generation, WAV, the
 * judge's JSON and picture, and generating again from the saved checkpoint.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeWav, WaveNet } from '../../src/index.js';
import { cli, isUserError, MAIN } from './run-cli.js';

const PNG_SIGNATURE = '89504e470d0a1a0a';
const dir = mkdtempSync(join(tmpdir(), 'atrous-generate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('atrous generate audio', () => {
  it('trains first without --checkpoint, then writes a WAV, the judge JSON and the pitch picture', () => {
    const wav = join(dir, 'g.wav');
    const r = run('generate', 'audio', '--steps', '3', '--seconds', '0.25', '--seed', '2', '--out', wav);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /training the tone WaveNet first \(3 steps\)/);
    assert.match(r.stdout, /generated 0\.25 s of 8000 Hz audio in [\d.]+ s/);
    for (const who of ['generated', 'untrained model', 'white noise', 'training audio']) {
      assert.match(r.stdout, new RegExp(`^  ${who} +on melody +[\\d.]+% \\| pitched`, 'm'));
    }
    assert.match(r.stderr, /generate \|.*\| 2000\/2000 samples/); // the progress bar, on stderr
    const audio = decodeWav(readFileSync(wav));
    assert.equal(audio.sampleRate, 8000);
    assert.equal(audio.format, 'pcm16');
    assert.equal(audio.samples.length, 2000);
    assert.ok(audio.samples.some((v) => v !== 0));
    const judge = JSON.parse(readFileSync(join(dir, 'g.judge.json'), 'utf8'));
    assert.equal(judge.seconds, 0.25);
    assert.equal(judge.melody.length, 4);
    for (const k of ['generated', 'untrained', 'whiteNoise', 'trainingAudio']) {
      const j = judge[k];
      assert.ok(Math.abs(j.silent + j.pitched + j.noise - 1) < 1e-9, k);
      assert.ok(j.onMelody >= 0 && j.onMelody <= j.pitched, k);
      assert.equal(j.frames, 14, k);
    }
    assert.ok(judge.trainingAudio.onMelody > 0.9);
    assert.equal(judge.whiteNoise.onMelody, 0);
    assert.ok(judge.wallSeconds.train > 0 && judge.wallSeconds.generate > 0);
    assert.equal(readFileSync(join(dir, 'g.pitch.png')).subarray(0, 8).toString('hex'), PNG_SIGNATURE);
    const log = JSON.parse(readFileSync(join(dir, 'g-model', 'log.json'), 'utf8'));
    assert.equal(log.steps.length, 3);
    assert.ok(existsSync(join(dir, 'g-model', 'curves.png')));

    // The saved model and the same seed give the same audio, byte for byte.
    const again = run('generate', 'audio', '--checkpoint', join(dir, 'g-model', 'model.safetensors'), '--seconds', '0.25', '--seed', '2', '--out', join(dir, 'h.wav'));
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /training the tone WaveNet/);
    assert.deepEqual(readFileSync(join(dir, 'h.wav')), readFileSync(wav));
  });

  it('refuses unknown kinds, bad numbers and checkpoints of other models with the usual one-line error', async () => {
    assert.ok(isUserError(cli('generate', 'video'), 'bad_argument'));
    const t = cli('generate', 'audio', '--temperature', '-1');
    assert.ok(isUserError(t, 'bad_argument'), t.stderr);
    assert.match(t.stderr, /--temperature: '-1' is not a number ≥ 0/);
    assert.ok(isUserError(cli('generate', 'audio', '--seconds', 'long'), 'bad_argument'));
    const other = join(dir, 'other.safetensors');
    await new WaveNet({ layersPerCycle: 1, cycles: 1 }).save(other);
    const c = cli('generate', 'audio', '--checkpoint', other, '--out', join(dir, 'never.wav'));
    assert.ok(isUserError(c, 'bad_file'), c.stderr);
    assert.match(c.stderr, /not a tone-model checkpoint/);
  });
});

describe('atrous train tones', () => {
  it('writes a run folder: checkpoint with its config, log and curves', () => {
    const out = join(dir, 'run');
    const r = run('train', 'tones', '--steps', '2', '--crop', '256', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /held-out loss [\d.]+ nats per sample/);
    const log = JSON.parse(readFileSync(join(out, 'log.json'), 'utf8'));
    assert.equal(log.task, 'tones');
    assert.equal(log.options.crop, 256);
    assert.equal(log.steps.length, 2);
    assert.equal(readFileSync(join(out, 'curves.png')).subarray(0, 8).toString('hex'), PNG_SIGNATURE);
    assert.ok(readFileSync(join(out, 'model.safetensors')).length > 100_000);
  });
});
