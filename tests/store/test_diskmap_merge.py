"""`DiskMap.merged` (the events' index carried over a staged import) equals encoding
the combined map from scratch, byte for byte."""

from __future__ import annotations

import random

from appeals_tui.store.diskmap import DiskMap, encode_map


def test_merged_equals_encoding_the_combined_map() -> None:
    rng = random.Random(11)
    for trial in range(40):
        old = {
            f"case:{rng.randrange(300):04d}".encode(): [rng.randrange(10**6) for _ in range(3)]
            for _ in range(rng.randrange(0, 120))
        }
        added: dict[bytes, list[int]] = {}
        for _ in range(rng.randrange(0, 40)):
            key = rng.choice([*old, f"case:{rng.randrange(400):04d}".encode(), "이의:1".encode()])
            added.setdefault(key, []).append(rng.randrange(10**6))
        combined = {k: list(v) for k, v in old.items()}
        for key, nums in added.items():
            combined.setdefault(key, []).extend(nums)
        disk = DiskMap(encode_map(old.items()))
        got = disk.merged(added)
        assert got == encode_map(combined.items()), trial
        assert {k: list(v) for k, v in DiskMap(got).items()} == combined
