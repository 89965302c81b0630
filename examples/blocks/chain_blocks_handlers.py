"""Handlers of the block pipeline (blocks.stm): plain Python, never generated.

The Network gossips a small chain out of order: every transaction and block
shuffled, one spam transaction with a negative fee (the Assembler's filter
drops it), and the ChainStart announcement last, so everything before it waits
in the Assembler's Init state. The runtime does the hard parts the spec asks
for: the collect holds transactions until a block's hash list is complete, and
the ordered gate releases block h+1 only after the handler advanced past h.
"""

from __future__ import annotations

import hashlib
import random
import signal
from typing import Never

from chain_blocks import (
    AssemblerBase,
    Block,
    BlockAssembled,
    BlockTimeout,
    ChainDone,
    ChainStart,
    Context,
    IndexerBase,
    NetworkBase,
    Tx,
)

FIRST, LAST = 1, 5


def make_chain(seed: int = 7) -> tuple[list[Tx], list[Block]]:
    """Blocks FIRST..LAST, each listing 2-4 transactions by hash."""
    rng = random.Random(seed)
    txs: list[Tx] = []
    blocks: list[Block] = []
    parent: bytes | None = None
    for height in range(FIRST, LAST + 1):
        members = []
        for index in range(rng.randint(2, 4)):
            payload = f"transfer {height}.{index}".encode()
            members.append(Tx(hash=hashlib.sha256(payload).digest(), payload=payload, fee=rng.randint(1, 9)))
        txs += members
        block = Block(height=height, hashes=[tx.hash for tx in members], parent=parent)
        parent = hashlib.sha256(repr(block).encode()).digest()
        blocks.append(block)
    return txs, blocks


def request_stop() -> None:
    """End the demo run the way Ctrl-C does: the runtime drains every accepted
    event, runs the on_stop hooks and exits 0. (Tests driving these handlers
    with ``streamer.TestDriver`` replace this function.)"""
    signal.raise_signal(signal.SIGINT)


class Network(NetworkBase):
    def on_start(self, ctx: Context[Tx | Block | ChainStart]) -> None:
        txs, blocks = make_chain()
        gossip: list[Tx | Block] = [*txs, *blocks]
        random.Random(42).shuffle(gossip)
        spam = Tx(hash=b"spam", payload=b"free money", fee=-1)
        for event in [spam, *gossip]:
            ctx.emit(event)
        ctx.emit(ChainStart(first=FIRST, last=LAST))


class Assembler(AssemblerBase):
    def __init__(self) -> None:
        self.last = LAST

    def on_chain_start(self, ctx: Context[BlockAssembled | ChainDone], event: ChainStart) -> None:
        self.last = event.last
        ctx.advance(event.first)

    def on_complete(
        self, ctx: Context[BlockAssembled | ChainDone], list_event: Block, items: list[Tx]
    ) -> None:
        fees = sum(tx.fee for tx in items)
        ctx.emit(BlockAssembled(height=list_event.height, tx_count=len(items), fees=fees))
        ctx.advance(list_event.height + 1)  # let the ordered gate release the next block
        if list_event.height == self.last:
            ctx.emit(ChainDone(last=self.last))
            ctx.goto("Done")


class Indexer(IndexerBase):
    def __init__(self) -> None:
        self.heights: list[int] = []
        self.done: int | None = None

    def on_block_assembled(self, ctx: Context[Never], event: BlockAssembled) -> None:
        print(f"block {event.height}: {event.tx_count} transactions, fees {event.fees}", flush=True)
        self.heights.append(event.height)
        self._finish_when_complete()

    def on_block_timeout(self, ctx: Context[Never], event: BlockTimeout) -> None:
        missing = ", ".join(h.hex()[:8] for h in event.missing)
        print(f"block {event.key} timed out, missing transactions {missing}", flush=True)

    def on_chain_done(self, ctx: Context[Never], event: ChainDone) -> None:
        self.done = event.last
        self._finish_when_complete()

    def _finish_when_complete(self) -> None:
        if self.done is None or len(self.heights) < self.done - FIRST + 1:
            return
        in_order = self.heights == sorted(self.heights)
        print(
            f"chain complete: {len(self.heights)} blocks up to height {self.done}, "
            f"{'in height order' if in_order else 'OUT OF ORDER'}",
            flush=True,
        )
        request_stop()
