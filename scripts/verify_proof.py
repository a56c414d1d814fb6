#!/usr/bin/env python3
"""Recompute every roll and shuffle of a finished BitCraps game from its proof.

usage: curl -s -H "authorization: Bearer $TOKEN" http://127.0.0.1:8081/games/$ID/proof \\
         | scripts/verify_proof.py
Uses only the Python standard library, as an independent check of the engine.
Exit 0 when the seed matches the commitment, the client seed is the mix of the
listed contributions, the commitment was anchored (its block height is given)
before any draw, and every draw recomputes; 1 otherwise.
"""
import hashlib
import hmac
import json
import struct
import sys

RANKS, SUITS = "23456789TJQKA", "cdhs"


def stream(server_seed: bytes, client_seed: str, nonce: int):
    """block(round) = HMAC-SHA256(server_seed, f"{client_seed}:{nonce}:{round}")"""
    rnd = 0
    while True:
        msg = f"{client_seed}:{nonce}:{rnd}".encode()
        yield from hmac.new(server_seed, msg, hashlib.sha256).digest()
        rnd += 1


def mix(contributions):
    """hex(SHA-256(for each, in order: u32be(len(player)) || player || u32be(len(seed)) || seed))"""
    h = hashlib.sha256()
    for c in contributions:
        for part in (c["player"].encode(), c["client_seed"].encode()):
            h.update(struct.pack(">I", len(part)) + part)
    return h.hexdigest()


def dice(server_seed, client_seed, nonce):
    faces = []
    for b in stream(server_seed, client_seed, nonce):
        if b < 252:  # reject the 4 values that would bias b % 6
            faces.append(b % 6 + 1)
            if len(faces) == 2:
                return faces


def shuffle(server_seed, client_seed, nonce, n):
    s = stream(server_seed, client_seed, nonce)
    items = list(range(n))
    for i in range(n - 1, 0, -1):
        m = i + 1
        limit = 2**32 - (2**32 % m)
        while True:
            x = int.from_bytes(bytes(next(s) for _ in range(4)), "big")
            if x < limit:
                break
        j = x % m
        items[i], items[j] = items[j], items[i]
    return [RANKS[c % 13] + SUITS[(c % 52) // 13] for c in items]


def main():
    proof = json.load(sys.stdin)
    if proof.get("server_seed") is None:
        print("the game is not finished: the server seed is not revealed yet")
        return 1
    seed = bytes.fromhex(proof["server_seed"])
    ok = hashlib.sha256(seed).hexdigest() == proof["commitment"]
    print(f"commitment {'matches' if ok else 'DOES NOT MATCH'} the revealed seed")
    if proof.get("seed_scheme") == "legacy":
        client_seed = proof["client_seed"]  # set at creation, before contributions existed
    else:
        contributions = proof.get("contributions", [])
        client_seed = mix(contributions)
        good = client_seed == proof.get("client_seed")
        ok &= good
        print(f"client seed {'is' if good else 'IS NOT'} the mix of {len(contributions)} contributions")
        heights = [a["height"] for a in proof.get("anchors", []) if a["what"] == "commitment"]
        anchored = proof.get("commitment_height") is not None and proof["commitment_height"] in heights
        if proof["draws"] and not anchored:
            ok = False
            print("the game drew WITHOUT its commitment anchored in a committed block")
    for d in proof["draws"]:
        if d["kind"] == "dice":
            mine = dice(seed, client_seed, d["nonce"])
        else:
            mine = shuffle(seed, client_seed, d["nonce"], len(d["result"]))
        good = mine == d["result"]
        ok &= good
        shown = mine if d["kind"] == "dice" else " ".join(mine[:6]) + " ..."
        print(f"draw {d['nonce']:>4} {d['kind']:<7} {'ok' if good else 'MISMATCH'}  {shown}")
    print("verified" if ok else "VERIFICATION FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
