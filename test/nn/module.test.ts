import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BatchNorm1d, Conv1d, Dropout1d, Linear, loadSafetensors, manualSeed, Module, ModuleList, randn, saveSafetensors, Sequential, Tensor, tensor,
} from '../../src/index.js';

/** A TCN-like residual block: two weight-normed causal convs, a 1×1 downsample when widths differ. */
class Block extends Module {
  conv1: Conv1d;
  conv2: Conv1d;
  drop = new Dropout1d(0.1);
  downsample: Conv1d | null;
  constructor(inC: number, outC: number, dilation: number) {
    super();
    this.conv1 = new Conv1d(inC, outC, 3, { dilation, padding: 'causal', weightNorm: true });
    this.conv2 = new Conv1d(outC, outC, 3, { dilation, padding: 'causal', weightNorm: true });
    this.downsample = inC === outC ? null : new Conv1d(inC, outC, 1);
  }
  forward(x: Tensor): Tensor {
    return this.conv2.forward(this.drop.forward(this.conv1.forward(x)));
  }
}

class Net extends Module {
  stem = new Sequential(new Conv1d(1, 4, 1), new BatchNorm1d(4));
  blocks: Block[] = [new Block(4, 6, 1), new Block(6, 6, 2)];
  head = new Linear(6, 2);
  scale = tensor([1]).requiresGrad_();
  forward(x: Tensor): Tensor {
    let h = this.stem.forward(x);
    for (const b of this.blocks) h = b.forward(h);
    return h;
  }
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempFile = async (name: string) => {
  const d = await mkdtemp(join(tmpdir(), 'atrous-nn-'));
  dirs.push(d);
  return join(d, name);
};

describe('Module', () => {
  it("names parameters with PyTorch's dotted state_dict keys, in declaration order", () => {
    const net = new Net();
    assert.deepEqual([...net.namedParameters()].map(([k]) => k), [
      'scale',
      'stem.0.weight', 'stem.0.bias', 'stem.1.weight', 'stem.1.bias',
      'blocks.0.conv1.bias', 'blocks.0.conv1.weight_g', 'blocks.0.conv1.weight_v',
      'blocks.0.conv2.bias', 'blocks.0.conv2.weight_g', 'blocks.0.conv2.weight_v',
      'blocks.0.downsample.weight', 'blocks.0.downsample.bias',
      'blocks.1.conv1.bias', 'blocks.1.conv1.weight_g', 'blocks.1.conv1.weight_v',
      'blocks.1.conv2.bias', 'blocks.1.conv2.weight_g', 'blocks.1.conv2.weight_v',
      'head.weight', 'head.bias',
    ]);
    assert.deepEqual([...net.namedBuffers()].map(([k]) => k), ['stem.1.running_mean', 'stem.1.running_var', 'stem.1.num_batches_tracked']);
    const keys = Object.keys(net.stateDict());
    assert.deepEqual(keys.slice(0, 8), ['scale', 'stem.0.weight', 'stem.0.bias', 'stem.1.weight', 'stem.1.bias', 'stem.1.running_mean', 'stem.1.running_var', 'stem.1.num_batches_tracked']);
    assert.equal(keys.length, 21 + 3);
    assert.equal(net.parameters().length, 21);
    assert.deepEqual(net.blocks[0].conv1.weight_g!.shape, [6, 1, 1]);
    const expected = 1 + (4 + 4) + (4 + 4) + (6 + 6 + 6 * 4 * 3) + (6 + 6 + 6 * 6 * 3) + (6 * 4 + 6) + 2 * (6 + 6 + 6 * 6 * 3) + (2 * 6 + 2);
    assert.equal(net.numParameters(), expected);
  });

  it('ModuleList and Sequential name children by index, as PyTorch', () => {
    class M extends Module {
      layers = new ModuleList([new Linear(2, 3), new Linear(3, 1, { bias: false })]);
      forward(x: Tensor) {
        let h = x;
        for (const l of this.layers) h = l.forward(h);
        return h;
      }
    }
    const m = new M();
    assert.deepEqual([...m.namedParameters()].map(([k]) => k), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight']);
    assert.equal(m.layers.length, 2);
    assert.equal(m.layers.at(-1), m.layers.at(1));
    assert.throws(() => m.layers.at(2), /outside/);
    assert.throws(() => m.layers.forward(), /no forward/);
    const seq = new Sequential(new Linear(2, 2), new Linear(2, 2));
    assert.deepEqual(Object.keys(seq.stateDict()), ['0.weight', '0.bias', '1.weight', '1.bias']);
    assert.deepEqual(m.forward(tensor([[1, 2]])).shape, [1, 1]);
  });

  it('lists a shared parameter once, and walks the tree once per module', () => {
    const lin = new Linear(2, 2);
    const seq = new Sequential(lin, lin);
    assert.equal(seq.parameters().length, 2);
    assert.equal(seq.modules().length, 2);
  });

  it('train/eval reach every submodule; zeroGrad clears every gradient', () => {
    const net = new Net();
    net.eval();
    assert.ok(net.modules().every((m) => !m.training));
    net.train();
    assert.ok(net.modules().every((m) => m.training));
    const y = net.forward(randn([2, 1, 8], { seed: 1 }));
    y.backward(randn(y.shape as number[], { seed: 2 }));
    assert.ok(net.blocks[1].conv2.weight_v!.grad instanceof Tensor);
    assert.ok(net.stem.at(0) instanceof Conv1d);
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
  });

  it('apply visits every module; toString prints the tree', () => {
    const seen: string[] = [];
    new Net().apply((m) => seen.push(m.constructor.name));
    assert.equal(seen.at(-1), 'Net');
    assert.equal(seen.filter((n) => n === 'Conv1d').length, 6);
    const s = new Net().toString();
    assert.match(s, /^Net\(\n {2}\(stem\): Sequential\(\n {4}\(0\): Conv1d\(1, 4, kernel_size=\(1,\), stride=\(1,\)\)/);
    assert.match(s, /\(blocks\): \[\n {4}\(0\): Block\(\n {6}\(conv1\): Conv1d\(4, 6, kernel_size=\(3,\), stride=\(1,\), padding='causal', weight_norm=True\)/);
    assert.match(s, /\(head\): Linear\(in_features=6, out_features=2, bias=True\)\n\)$/);
  });

  it('stateDict round-trips through a safetensors file, with a JSON config', async () => {
    manualSeed(1);
    const a = new Net();
    a.forward(randn([3, 1, 8], { seed: 3 })); // moves the running statistics away from their init
    manualSeed(2);
    const b = new Net();
    assert.notDeepEqual([...b.head.weight.data], [...a.head.weight.data]);
    const path = await tempFile('net.safetensors');
    await a.save(path, { config: { levels: 2, kernel: 3 }, metadata: { step: '10' } });
    const headWeight = b.head.weight;
    const r = await b.load(path);
    assert.deepEqual(r.config, { levels: 2, kernel: 3 });
    assert.equal(r.metadata.step, '10');
    assert.deepEqual(r.missingKeys, []);
    const sa = a.stateDict();
    for (const [k, t] of Object.entries(b.stateDict())) assert.deepEqual([...t.data], [...sa[k].data], k);
    assert.equal(b.head.weight, headWeight, 'loads in place: the parameter objects stay the same');
  });

  it('loads a float32 file into a float64 model (to), and saves it back as float32', async () => {
    manualSeed(5);
    const a = new Net();
    const path = await tempFile('f64.safetensors');
    await a.save(path);
    manualSeed(6);
    const b = new Net().to('float64');
    assert.equal(b.head.weight.dtype, 'float64');
    assert.ok(b.head.weight.requiresGrad);
    assert.equal((b.stem.at(1) as BatchNorm1d).runningVar!.dtype, 'float64');
    await b.load(path);
    for (let i = 0; i < a.head.weight.size; i++) assert.equal(b.head.weight.data[i], a.head.weight.data[i]);
    await b.save(path);
    const { tensors } = await loadSafetensors(path);
    assert.equal(tensors['head.weight'].dtype, 'float32');
  });

  it('strict loading names missing and unexpected keys and mismatched shapes, and copies nothing on error', async () => {
    const net = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
    const good = net.stateDict();
    // stateDict shares data with the module: snapshot the values to detect a partial copy.
    const before = [...net.at(0).stateDict().weight.data];
    const biasBefore = [...net.at(0).stateDict().bias.data];
    const withExtra = { ...good, '2.weight': tensor([1]) };
    assert.throws(() => net.loadStateDict(withExtra), /unexpected keys: 2\.weight/);
    const { '1.running_var': _rv, ...missing } = good;
    assert.throws(() => net.loadStateDict(missing), /missing keys: 1\.running_var/);
    const badShape = { ...good, '0.weight': tensor([1, 2, 3, 4, 5, 6], [3, 2]), '0.bias': tensor([9, 9]) };
    assert.throws(() => net.loadStateDict(badShape), (e: Error & { code?: string }) => e.code === 'bad_argument' && /'0\.weight' is \[3,2\] in the dict but \[2,3\] in the module/.test(e.message));
    assert.deepEqual([...net.at(0).stateDict().bias.data], biasBefore, 'the bias was not copied either');
    const badDtype = { ...good, '0.bias': tensor([1, 2], [2], 'float64') };
    assert.throws(() => net.loadStateDict(badDtype), (e: Error & { code?: string }) => e.code === 'bad_tensor' && /'0\.bias' is float64/.test(e.message));
    assert.deepEqual([...net.at(0).stateDict().weight.data], before);
    // Non-strict: loads what matches and reports the rest.
    const r = net.loadStateDict({ ...missing, extra: tensor([1]) }, { strict: false });
    assert.deepEqual(r, { missingKeys: ['1.running_var'], unexpectedKeys: ['extra'] });
    // A file whose shapes disagree fails the same way.
    const path = await tempFile('bad.safetensors');
    await saveSafetensors(path, { ...good, '0.weight': tensor([1, 2], [1, 2]) });
    await assert.rejects(net.load(path), /'0\.weight' is \[1,2\] in the dict but \[2,3\]/);
  });

  it('registers buffers by name and refuses clashes', () => {
    class B extends Module {
      w = tensor([1]);
      constructor() {
        super();
        this.registerBuffer('count', tensor([0]));
      }
      clash() {
        this.registerBuffer('w', tensor([0]));
      }
      forward(x: Tensor) {
        return x;
      }
    }
    const b = new B();
    assert.deepEqual(Object.keys(b.stateDict()), ['w', 'count']);
    assert.equal(b.buffer('count').item(), 0);
    assert.throws(() => b.clash(), /already a property/);
    assert.throws(() => b.buffer('nope'), /no buffer/);
    assert.equal(b.call(tensor([5])).item(), 5);
  });
});
