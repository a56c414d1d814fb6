#!/usr/bin/env python3
"""Recompute every roll, shuffle and (per round) payout of a BitCraps game from its proof.

usage: curl -s -H "authorization: Bearer $TOKEN" http://127.0.0.1:8081/games/$ID/proof \\
         | scripts/verify_proof.py
Uses only the Python standard library, as an independent check of the engine.
A chain game (seed_scheme "chain"): the full proof checks every ended round's
link back to the commitment, each round's contribution mix and draws; one
round's proof (GET /games/$ID/proof?round=R) also replays its events: every
craps bet placed, taken down and resolved (from the rules), every chip move and
the balances at the round's end. Older games:
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



# --- seed chains (seed_scheme "chain") --------------------------------------

def sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def check_anchor(proof, fail):
    heights = [a["height"] for a in proof.get("anchors", []) if a["what"] == "commitment"]
    h = proof.get("commitment_height")
    if h is None or h not in heights:
        fail("the commitment has no anchor in a committed block (commitment_height), yet the game drew")
    else:
        print(f"commitment anchored at height {h}")
    # The commitment's block must come strictly before every block that
    # anchors a reveal, or the seed could have been fixed after the outcomes.
    reveals = [a["height"] for a in proof.get("anchors", []) if a["what"] in ("round", "reveal")]
    if reveals and heights and min(heights) >= min(reveals):
        fail(f"the commitment was anchored at height {min(heights)}, not before the first reveal (height {min(reveals)})")


def check_round_seeds(r, rnd, link, draws, fail):
    client_seed = mix(rnd.get("contributions", []))
    if client_seed != rnd.get("client_seed"):
        fail(f"round {r}: the client seed is not the mix of its contributions")
    first = rnd.get("first_nonce", 0)
    for i, d in enumerate(draws):
        if d["nonce"] != first + i or d.get("round") != r:
            fail(f"round {r}: draw {i} has nonce {d['nonce']} (round {d.get('round')}), expected nonce {first + i}")
        if d["kind"] == "dice":
            mine = dice(link, client_seed, d["nonce"])
        else:
            mine = shuffle(link, client_seed, d["nonce"], len(d["result"]))
        if mine != d["result"]:
            fail(f"round {r}: draw {d['nonce']} ({d['kind']}) does not recompute")
        else:
            shown = mine if d["kind"] == "dice" else " ".join(mine[:6]) + " ..."
            print(f"round {r} draw {d['nonce']:>4} {d['kind']:<7} ok  {shown}")
    return client_seed


# Craps rules, as the README specifies them: (returned, won) or "stay" or ("travel", kind).
TRUE_ODDS = {4: (2, 1), 10: (2, 1), 5: (3, 2), 9: (3, 2), 6: (6, 5), 8: (6, 5)}
PLACE_ODDS = {4: (9, 5), 10: (9, 5), 5: (7, 5), 9: (7, 5), 6: (7, 6), 8: (7, 6)}
STAYS_UP = ("place_", "buy_", "lay_", "hard_", "big_")


def win(amount, num, den, vig=0):
    return (amount, max(amount * num // den - vig, 0))


def settle(kind, amount, point, d1, d2, field12):
    """point is None on the come-out. Returns 'stay', ('travel', kind) or (returned, won)."""
    t = d1 + d2
    lose, push = (0, 0), (amount, 0)
    co = point is None
    num = int(kind.rsplit("_", 1)[1]) if kind[-1].isdigit() else None
    if kind == "pass":
        if co:
            return win(amount, 1, 1) if t in (7, 11) else lose if t in (2, 3, 12) else "stay"
        return win(amount, 1, 1) if t == point else lose if t == 7 else "stay"
    if kind == "dont_pass":
        if co:
            return win(amount, 1, 1) if t in (2, 3) else push if t == 12 else lose if t in (7, 11) else "stay"
        return win(amount, 1, 1) if t == 7 else lose if t == point else "stay"
    if kind == "come":
        return win(amount, 1, 1) if t in (7, 11) else lose if t in (2, 3, 12) else ("travel", f"come_{t}")
    if kind == "dont_come":
        return win(amount, 1, 1) if t in (2, 3) else push if t == 12 else lose if t in (7, 11) else ("travel", f"dont_come_{t}")
    if kind.startswith("come_odds_"):
        a, b = TRUE_ODDS[num]
        if co:
            return push if t in (num, 7) else "stay"
        return win(amount, a, b) if t == num else lose if t == 7 else "stay"
    if kind.startswith("dont_come_odds_"):
        a, b = TRUE_ODDS[num]
        return win(amount, b, a) if t == 7 else lose if t == num else "stay"
    if kind.startswith("come_"):
        return win(amount, 1, 1) if t == num else lose if t == 7 else "stay"
    if kind.startswith("dont_come_"):
        return win(amount, 1, 1) if t == 7 else lose if t == num else "stay"
    if kind == "pass_odds":
        if co:
            return push
        a, b = TRUE_ODDS[point]
        return win(amount, a, b) if t == point else lose if t == 7 else "stay"
    if kind == "dont_pass_odds":
        if co:
            return push
        a, b = TRUE_ODDS[point]
        return win(amount, b, a) if t == 7 else lose if t == point else "stay"
    if kind.startswith("place_"):
        a, b = PLACE_ODDS[num]
        return "stay" if co else win(amount, a, b) if t == num else lose if t == 7 else "stay"
    if kind.startswith("buy_"):
        a, b = TRUE_ODDS[num]
        return "stay" if co else win(amount, a, b, amount // 20) if t == num else lose if t == 7 else "stay"
    if kind.startswith("lay_"):
        a, b = TRUE_ODDS[num]
        return win(amount, b, a, (amount * b // a) // 20) if t == 7 else lose if t == num else "stay"
    if kind == "field":
        if t == 2:
            return win(amount, 2, 1)
        if t == 12:
            return win(amount, field12, 1)
        return win(amount, 1, 1) if t in (3, 4, 9, 10, 11) else lose
    if kind in ("big_6", "big_8"):
        return win(amount, 1, 1) if t == num else lose if t == 7 else "stay"
    if kind.startswith("hard_"):
        if co:
            return "stay"
        if t == num and d1 == d2:
            return win(amount, 7 if num in (4, 10) else 9, 1)
        return lose if t in (num, 7) else "stay"
    one_roll = {"any_7": ((7,), 4), "any_craps": ((2, 3, 12), 7), "two": ((2,), 30),
                "three": ((3,), 15), "eleven": ((11,), 15), "twelve": ((12,), 30)}
    if kind in one_roll:
        hits, pays = one_roll[kind]
        return win(amount, pays, 1) if t in hits else lose
    if kind == "horn":
        q = amount // 4
        return (q, q * 30) if t in (2, 12) else (q, q * 15) if t in (3, 11) else lose
    if kind == "c_and_e":
        h = amount // 2
        return (h, h * 7) if t in (2, 3, 12) else (h, h * 15) if t == 11 else lose
    raise ValueError(f"unknown bet {kind}")


def craps_roll(layout, point, d1, d2, field12):
    """Settles the layout; returns (settled list, new layout, new point)."""
    settled, kept = [], []
    for bet in layout:
        res = settle(bet["kind"], bet["amount"], point, d1, d2, field12)
        if res == "stay":
            kept.append(bet)
        elif isinstance(res[0], str):
            kept.append(dict(bet, kind=res[1]))
        else:
            returned, won = res
            if won > 0 and returned == bet["amount"] and bet["kind"].startswith(STAYS_UP):
                settled.append(dict(bet_id=bet["id"], player=bet["player"], kind=bet["kind"],
                                    amount=bet["amount"], returned=0, won=won, stays_up=True))
                kept.append(bet)
            else:
                settled.append(dict(bet_id=bet["id"], player=bet["player"], kind=bet["kind"],
                                    amount=bet["amount"], returned=returned, won=won, stays_up=False))
    merged = []
    for bet in kept:
        same = [b for b in merged if b["player"] == bet["player"] and b["kind"] == bet["kind"]]
        if same:
            same[0]["amount"] += bet["amount"]
        else:
            merged.append(dict(bet))
    t = d1 + d2
    if point is None:
        new_point = t if t in (4, 5, 6, 8, 9, 10) else None
    else:
        new_point = None if t in (point, 7) else point
    return settled, merged, new_point


def settlement_moves(settled):
    moves = []
    for s in settled:
        if s["returned"] > 0:
            moves.append({"move": "return", "player": s["player"], "amount": s["returned"]})
        if not s["stays_up"] and s["amount"] > s["returned"]:
            moves.append({"move": "collect", "player": s["player"], "amount": s["amount"] - s["returned"]})
        if s["won"] > 0:
            moves.append({"move": "pay", "player": s["player"], "amount": s["won"]})
    return moves


def check_round_events(proof, rnd, link, client_seed, fail):
    r = rnd["round"]
    start = rnd["start"]
    balances = dict(start["balances"])
    house = start.get("house")
    if house is None:
        fail(f"round {r}: its start names no house bankroll")
        return
    craps = proof.get("game_type") == "craps"
    if craps:
        table = start["table"]
        layout = [dict(b) for b in table["bets"]]
        point = table["phase"].get("point") if table["phase"]["phase"] == "point" else None
        next_id = table["next_bet_id"]
        field12 = table["config"]["field_twelve_pays"]
    events = rnd.get("events", [])
    seeded = {(e["player"], e["data"]["client_seed"]): e["seq"] for e in events if e["kind"] == "seeded"}
    first_draw = next((e["seq"] for e in events if isinstance(e["data"], dict) and "nonce" in e["data"]), None)
    for c in rnd.get("contributions", []):
        seq = seeded.get((c["player"], c["client_seed"]))
        if seq is None or (first_draw is not None and seq > first_draw):
            fail(f"round {r}: contribution of {c['player']} is not a seeded event before the round's first draw")
    resolutions = 0
    for e in events:
        kind, player, data, moves = e["kind"], e.get("player"), e["data"], e.get("moves", [])
        expected = None
        if craps and kind == "bet":
            same = [b for b in layout if b["player"] == player and b["kind"] == data["bet"]]
            if same:
                same[0]["amount"] += data["amount"]
                bet_id = same[0]["id"]
            else:
                bet_id = next_id
                next_id += 1
                layout.append({"id": bet_id, "player": player, "kind": data["bet"], "amount": data["amount"]})
            if bet_id != data.get("bet_id"):
                fail(f"round {r}: event {e['seq']}: bet id {data.get('bet_id')}, the layout gives {bet_id}")
            expected = [{"move": "stake", "player": player, "amount": data["amount"]}]
        elif craps and kind == "removed":
            bet = data["bet"]
            deps = {"pass": "pass_odds", "dont_pass": "dont_pass_odds"}
            for flat in ("come_", "dont_come_"):
                if bet.startswith(flat) and bet[-1].isdigit() and "odds" not in bet:
                    deps[bet] = flat + "odds_" + bet.rsplit("_", 1)[1]
            contract = bet == "pass" or bet == "come" or (bet.startswith("come_") and deps.get(bet))
            if contract:
                # A contract bet comes down only while the house cannot
                # cover the worst outcome of the next roll.
                worst = max(sum(s["won"] for s in craps_roll(layout, point, a, b, field12)[0])
                            for a in range(1, 7) for b in range(1, 7))
                if worst <= house:
                    fail(f"round {r}: event {e['seq']}: {bet} is a contract bet, taken down while "
                         f"the house ({house}) covered the next roll (at most {worst})")
            gone = [b for b in layout if b["player"] == player and b["kind"] in (data["bet"], deps.get(data["bet"]))]
            layout = [b for b in layout if b not in gone]
            expected = [{"move": "return", "player": player, "amount": sum(b["amount"] for b in gone)}]
        elif craps and kind == "rolled":
            d1, d2 = dice(link, client_seed, data["nonce"])
            settled, layout, point = craps_roll(layout, point, d1, d2, field12)
            resolutions += len(settled)
            claimed = data["outcome"]["settled"]
            if settled != claimed:
                fail(f"round {r}: roll {data['nonce']} ({d1}+{d2}) settles {settled}, the proof says {claimed}")
            expected = settlement_moves(settled)
        elif craps and kind == "refunded":
            expected = [{"move": "return", "player": b["player"], "amount": b["amount"]} for b in layout]
            layout = []
        if expected is not None and expected != moves:
            fail(f"round {r}: event {e['seq']} ({kind}) moved {moves}, the rules move {expected}")
        if kind == "joined":
            balances[player] = balances.get(player, 0) + data["buy_in"]
        for m in moves:
            sign = {"stake": -1, "return": 1, "pay": 1, "collect": 0}[m["move"]]
            balances[m["player"]] = balances.get(m["player"], 0) + sign * m["amount"]
            if balances[m["player"]] < 0:
                fail(f"round {r}: event {e['seq']}: {m['player']} goes below zero")
            house += {"stake": 0, "return": 0, "pay": -1, "collect": 1}[m["move"]] * m["amount"]
            if house < 0:
                fail(f"round {r}: event {e['seq']}: the house pays more than it holds")
        if kind == "left":
            had = balances.pop(player, 0)
            if data.get("cashed_out") != had:
                fail(f"round {r}: {player} cashed out {data.get('cashed_out')} but held {had}")
        if kind == "round_ended" and data.get("house") != house:
            fail(f"round {r}: the house at the round's end {data.get('house')} is not its start plus every move ({house})")
        if kind == "round_ended" and data["balances"] != balances:
            fail(f"round {r}: balances at the round's end {data['balances']} are not its start plus every move {balances}")
    if craps:
        print(f"round {r}: every bet replayed, {resolutions} resolutions recomputed from the rules")
    else:
        print(f"round {r}: {len(events)} events replayed against the balances")


def verify_chain(proof, fail):
    commitment = bytes.fromhex(proof["commitment"])
    if "round" in proof:  # GET /games/{id}/proof?round=R
        rnd = proof["round"]
        r = rnd["round"]
        if not rnd.get("ended"):
            fail(f"round {r} is in progress: its link is revealed when it ends")
            return
        check_anchor(proof, fail)
        link, prev = bytes.fromhex(rnd["link"]), bytes.fromhex(rnd["prev_link"])
        if sha(link) != prev:
            fail(f"round {r}: SHA-256 of its link is not its predecessor")
        down = link
        for _ in range(r):
            down = sha(down)
        if down != commitment:
            fail(f"round {r}: hashing its link {r} times does not give the commitment")
        client_seed = check_round_seeds(r, rnd, link, rnd.get("draws", []), fail)
        if "events" not in rnd:
            fail(f"round {r}: no events to check the payouts")
        else:
            check_round_events(proof, rnd, link, client_seed, fail)
        return
    check_anchor(proof, fail)
    prev = commitment
    for i, rnd in enumerate(proof.get("rounds", [])):
        r = rnd["round"]
        if r != i + 1:
            fail(f"round {i + 1} is listed as round {r}")
        if not rnd.get("ended"):
            print(f"round {r} is in progress: its link is not revealed yet")
            continue
        link = bytes.fromhex(rnd["link"])
        if sha(link) != prev:
            fail(f"round {r}: SHA-256 of its link is not the previous link")
        prev = link
        draws = [d for d in proof.get("draws", []) if d.get("round") == r]
        check_round_seeds(r, rnd, link, draws, fail)
    print("payouts: check each round with GET /games/{id}/proof?round=R")


def main():
    proof = json.load(sys.stdin)
    if proof.get("seed_scheme") == "chain":
        problems = []

        def fail(msg):
            problems.append(msg)
            print(f"BREACH: {msg}")

        verify_chain(proof, fail)
        print("verified" if not problems else "VERIFICATION FAILED")
        return 0 if not problems else 1
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
