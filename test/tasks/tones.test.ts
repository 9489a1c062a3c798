/**
 * The tone task: the synthesized training melody, the pitch detector that judges generated audio
 * (checked on signals of known pitch, then used to check the melody's designed pitches), the
 * judge, a short training run, and sampling from a WaveNet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { centsBetween, detectPitch, pitchTrack, spectrogram } from '../../src/audio/pitch.js';
import { AtrousError, manualSeed, noGrad, Tensor, WaveNet } from '../../src/index.js';
import { judgeAudio, whiteNoise } from '../../src/tasks/audio-judge.js';
import { generateAudio } from '../../src/tasks/generate-audio.js';
import { cropBatch, renderMelody, TONES_MELODY, TONES_NOTE_SAMPLES, TONES_SAMPLE_RATE, tonesDataset, trainTones } from '../../src/tasks/tones.js';

const SR = TONES_SAMPLE_RATE;

/** A harmonic tone (fundamental plus two harmonics, as rich as the melody's) of `n` samples. */
function tone(hz: number, n: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => {
    const ph = (2 * Math.PI * hz * i) / SR + 0.3;
    return amp * (Math.sin(ph) + 0.4 * Math.sin(2 * ph) + 0.2 * Math.sin(3 * ph)) / 1.6;
  });
}

describe('pitch detector (YIN)', () => {
  it('finds the fundamental of harmonic tones across the range to within 5 cents', () => {
    for (const hz of [110, 220, 333.3, 440, 523.25, 784, 1046.5, 1500, 1900]) {
      const f = detectPitch(tone(hz, 256), SR);
      assert.equal(f.kind, 'pitched', `${hz} Hz`);
      assert.ok(Math.abs(centsBetween(f.hz!, hz)) < 5, `${hz} Hz detected as ${f.hz}`);
    }
  });

  it('calls quiet frames silent and white noise aperiodic', () => {
    assert.equal(detectPitch(tone(440, 256, 0.005), SR).kind, 'silent');
    assert.equal(detectPitch(new Float32Array(256), SR).kind, 'silent');
    const noise = pitchTrack(whiteNoise(8000, 0.3, 5), SR);
    assert.ok(noise.every((f) => f.kind === 'noise'), `${noise.filter((f) => f.kind !== 'noise').length} noise frames got a pitch`);
  });

  it('tracks a pitch change frame by frame, and refuses frames too short for its lowest pitch', () => {
    const x = new Float32Array(4000);
    x.set(tone(500, 2000));
    x.set(tone(750, 2000), 2000);
    const t = pitchTrack(x, SR, { frame: 256, hop: 128 });
    assert.equal(t.length, Math.floor((4000 - 256) / 128) + 1);
    assert.ok(Math.abs(centsBetween(t[3].hz!, 500)) < 2 && Math.abs(centsBetween(t.at(-2)!.hz!, 750)) < 2);
    assert.throws(() => detectPitch(new Float32Array(100), SR), (e: unknown) => e instanceof AtrousError && e.code === 'bad_argument' && /too short/.test(e.message));
  });

  it("spectrogram: a tone's energy peaks in its DFT bin", () => {
    const rows = spectrogram(tone(1000, 512), { frame: 256, hop: 128, bins: 64 });
    assert.equal(rows.length, 3);
    const peak = rows[1].indexOf(Math.max(...rows[1]));
    assert.equal(peak, 32); // 1000 Hz / (8000/256 Hz per bin)
  });
});

describe('tone dataset', () => {
  it('is deterministic for a seed, varies with it, and stays in [−1, 1]', () => {
    const a = renderMelody({ seed: 4, repeats: 2 });
    assert.equal(a.length, 2 * TONES_MELODY.length * TONES_NOTE_SAMPLES);
    assert.deepEqual(renderMelody({ seed: 4, repeats: 2 }), a);
    assert.notDeepEqual(renderMelody({ seed: 5, repeats: 2 }), a);
    assert.ok(a.every((v) => v >= -1 && v <= 1));
    const d = tonesDataset({ seed: 4, repeats: 2 });
    assert.equal(d.codes.length, a.length);
    assert.ok(d.codes.every((c) => Number.isInteger(c) && c >= 0 && c < 256));
  });

  it('plays the designed pitches in order, within the designed detuning', () => {
    for (const [jitter, tol] of [[0, 5], [15, 20]] as const) {
      const x = renderMelody({ seed: 9, repeats: 3, jitterCents: jitter });
      for (let k = 0; k < 3 * TONES_MELODY.length; k++) {
        const note = TONES_MELODY[k % TONES_MELODY.length];
        // A frame in the middle of the note's tone part.
        const f = detectPitch(x.subarray(k * TONES_NOTE_SAMPLES + 800, k * TONES_NOTE_SAMPLES + 1056), SR);
        assert.equal(f.kind, 'pitched');
        assert.ok(Math.abs(centsBetween(f.hz!, note.hz)) < tol, `note ${k} (${note.name}, jitter ${jitter}): ${f.hz} Hz`);
      }
    }
  });

  it('the judge: the training audio is on the melody, all four notes alike; noise and a foreign pitch are not', () => {
    const j = judgeAudio(renderMelody({ seed: 2, repeats: 2 }), SR, TONES_MELODY);
    assert.ok(j.onMelody > 0.9, `training audio on melody ${j.onMelody}`);
    assert.equal(j.notesPlayed, 4);
    for (const v of Object.values(j.notes)) assert.ok(Math.abs(v - j.onMelody / 4) < 0.02);
    const n = judgeAudio(whiteNoise(16000, 0.2, 1), SR, TONES_MELODY);
    assert.equal(n.onMelody, 0);
    assert.equal(n.noise, 1);
    const a4 = judgeAudio(tone(440, 8000), SR, TONES_MELODY); // 3 semitones below C5
    assert.equal(a4.pitched, 1);
    assert.equal(a4.onMelody, 0);
    assert.equal(judgeAudio(tone(523.25 * 2 ** (30 / 1200), 8000), SR, TONES_MELODY).onMelody, 1); // 30 cents sharp: still C5
  });

  it('cropBatch pairs each code with the next', () => {
    const codes = Int32Array.from({ length: 20 }, (_, i) => i * 3);
    const { x, y } = cropBatch(codes, [0, 10], 5);
    assert.deepEqual(x.shape, [2, 5]);
    assert.deepEqual(Array.from(x.data), [0, 3, 6, 9, 12, 30, 33, 36, 39, 42]);
    assert.deepEqual(Array.from(y), [3, 6, 9, 12, 15, 33, 36, 39, 42, 45]);
    assert.throws(() => cropBatch(codes, [15], 5), /does not fit/);
  });
});

describe('trainTones', () => {
  it('a few dozen steps lower the training and held-out loss', async (t) => {
    let evals = 0;
    // A narrower, shallower net than the default, so the test takes seconds.
    const model = { residualChannels: 16, skipChannels: 16, layersPerCycle: 5, cycles: 1 };
    const run = await trainTones({ steps: 30, batch: 2, crop: 256, seed: 3, evalEvery: 30, model }, { onEval: () => evals++ });
    assert.equal(run.steps.length, 30);
    assert.equal(evals, 1);
    const first = run.steps[0].loss;
    const last = run.steps.slice(-5).reduce((s, e) => s + e.loss, 0) / 5;
    assert.ok(first > 5.3 && first < 5.8, `an untrained model is near ln 256 = 5.55, got ${first}`);
    assert.ok(last < first - 0.3, `loss ${first} → ${last}`);
    assert.ok(run.history[0].validLoss < Math.log(256) - 0.3, `held-out ${run.history[0].validLoss}`);
    t.diagnostic(`30 steps: loss ${first.toFixed(3)} → ${last.toFixed(3)}, held-out ${run.history[0].validLoss.toFixed(3)}`);
  });

  it('rejects bad options', async () => {
    await assert.rejects(trainTones({ steps: 0 }), /steps must be a positive integer/);
    await assert.rejects(trainTones({ model: { input: 'real' } }), /model.input/);
  });
});

describe('generateAudio', () => {
  const small = () => {
    manualSeed(11);
    return new WaveNet({ residualChannels: 8, skipChannels: 8, layersPerCycle: 4, cycles: 1 }).eval();
  };

  it('has the asked length, is deterministic for a seed and differs between seeds', async () => {
    const net = small();
    const a = await generateAudio(net, { seconds: 0.1, seed: 3 });
    assert.equal(a.samples.length, 800);
    assert.equal(a.codes.length, 800);
    assert.equal(a.sampleRate, SR);
    assert.deepEqual((await generateAudio(net, { seconds: 0.1, seed: 3 })).codes, a.codes);
    assert.notDeepEqual((await generateAudio(net, { seconds: 0.1, seed: 4 })).codes, a.codes);
  });

  it('temperature 0 is greedy: each code is the argmax of the full forward pass over what came before', async () => {
    const net = small();
    const prime = Int32Array.of(100, 140, 128);
    const g = await generateAudio(net, { seconds: 0.02, temperature: 0, prime });
    const seq = [...prime, ...g.codes];
    const logits = noGrad(() => net.forward(new Tensor(Float32Array.from(seq.slice(0, -1)), [1, seq.length - 1])));
    const T = seq.length - 1;
    for (let t = prime.length - 1; t < T; t++) {
      let best = 0;
      for (let c = 1; c < 256; c++) if (logits.data[c * T + t] > logits.data[best * T + t]) best = c;
      assert.equal(seq[t + 1], best, `step ${t}`);
    }
    // A tiny temperature samples the same.
    assert.deepEqual((await generateAudio(net, { seconds: 0.02, temperature: 1e-4, prime, seed: 9 })).codes, g.codes);
  });

  it('samples softmax(logits / temperature)', async () => {
    // A head with zero weights outputs its bias whatever the input: a fixed distribution to sample.
    manualSeed(2);
    const net = new WaveNet({ residualChannels: 2, skipChannels: 2, classes: 4, layersPerCycle: 1, cycles: 1 }).eval();
    net.head2.weight!.data.fill(0);
    net.head2.bias!.data.set([0, 1, 2, -1]);
    for (const temperature of [1, 0.5]) {
      const { codes } = await generateAudio(net, { seconds: 2.5, temperature, seed: 7 }); // 20,000 draws
      const w = [0, 1, 2, -1].map((v) => Math.exp(v / temperature));
      const z = w.reduce((a, b) => a + b);
      for (let c = 0; c < 4; c++) {
        const p = w[c] / z;
        const freq = codes.filter((k) => k === c).length / codes.length;
        assert.ok(Math.abs(freq - p) < 4 * Math.sqrt((p * (1 - p)) / codes.length) + 1e-9, `T=${temperature} class ${c}: ${freq} vs ${p}`);
      }
    }
  });

  it('reports progress and can stop early', async () => {
    const seen: number[] = [];
    const g = await generateAudio(small(), { seconds: 0.5, progressEvery: 1000, onProgress: (d) => seen.push(d), shouldStop: () => seen.length >= 2 });
    assert.deepEqual(seen, [1000, 2000, 2000]);
    assert.equal(g.samples.length, 2000);
  });

  it('rejects bad options', async () => {
    const net = small();
    await assert.rejects(generateAudio(net, { temperature: -1 }), /temperature/);
    await assert.rejects(generateAudio(net, { seconds: 0 }), /seconds/);
    await assert.rejects(generateAudio(net, { prime: Int32Array.of(300) }), /prime code 300/);
    await assert.rejects(generateAudio(new WaveNet({ input: 'real', layersPerCycle: 1, cycles: 1 }), {}), /class-input/);
  });
});
