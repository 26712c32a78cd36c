"""Generate a synthetic knowledge base of N valid entries (a realistic mix of kinds) for benchmarks.

    python benchmarks/generate_kb.py OUT_DIR --entries 10000
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = ("order parcel courier refund delivery delay price charge promise update call email chat "
         "apology thanks customer account invoice return replacement discount voucher stock warehouse "
         "tracking address weekend morning colleague manager feedback survey review receipt").split()
CHANNELS = ["phone", "email", "chat", "in_person", "social", "sms", "letter"]
SITUATIONS = ["greeting", "complaint", "delivery-delay", "follow-up", "pricing", "apology", "escalation",
              "closing", "feedback", "refund"]


# "small": the 35 words above, so every word is in about 40% of the texts (search's worst case);
# "bundled": the bundled knowledge base's own words with their frequencies (real term statistics).
VOCABULARIES = ("small", "bundled")
_words: list[str] = list(WORDS)


def sentence(rng: random.Random, n: int = 12) -> str:
    words = [rng.choice(_words) for _ in range(n)]
    return (" ".join(words)).capitalize() + "."


def header(rng: random.Random, kind: str, entry_id: str) -> str:
    channels = ", ".join(rng.sample(CHANNELS, 2))
    return (f"# yaml-language-server: $schema=../schema/entry.schema.json\nkind: {kind}\nid: {entry_id}\n"
            f"title: {sentence(rng, 4)[:-1]}\nsummary: {sentence(rng, 10)}\nowner: Sam Lee\nstatus: approved\n"
            f'review_by: "2099-01-01"\nchannels: [{channels}]\nsituation: {rng.choice(SITUATIONS)}\n'
            f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]\n")


def phrases(rng: random.Random, entry_id: str, count: int = 8) -> str:
    out = [header(rng, "phrases", entry_id), "phrases:\n"]
    for i in range(count):
        out.append(f"  - id: p{i}\n    say: \"{sentence(rng)} Thanks, {{{{ customer_name }}}}.\"\n"
                   f"    avoid:\n      - \"{entry_id} {i} {sentence(rng, 6)}\"\n    why: {sentence(rng)}\n")
    return "".join(out)


def script(rng: random.Random, entry_id: str) -> str:
    return header(rng, "script", entry_id) + (
        "steps:\n"
        f"  - id: greet\n    say: \"Thanks for calling {{{{ company_name }}}}, this is {{{{ agent_name }}}} on line {entry_id}.\"\n"
        f"  - id: ask\n    say: {sentence(rng)}\n    options:\n"
        "      - when: late\n        next: late\n      - when: lost\n        next: lost\n"
        f"  - id: late\n    say: {sentence(rng)}\n    next: close\n"
        f"  - id: lost\n    say: {sentence(rng)}\n    note: {sentence(rng)}\n"
        f"  - id: close\n    say: {sentence(rng)}\n"
    )


def letter(rng: random.Random, entry_id: str) -> str:
    return header(rng, "letter", entry_id) + (
        'subject: "Your order {{ order_number }}"\n'
        "body: |\n  Dear {{ customer_name }},\n\n"
        f"  {sentence(rng, 20)}\n  Your order {{{{ order_number }}}} arrives on {{{{ new_date }}}}.\n\n"
        "  Kind regards,\n  {{ agent_name }}\n"
        "variables:\n  order_number:\n    description: The order number.\n    example: FH-1\n"
        "  new_date:\n    description: The new date.\n    example: Friday\n"
    )


def standard(rng: random.Random, entry_id: str) -> str:
    out = [header(rng, "standard", entry_id), "rules:\n"]
    for i in range(4):
        out.append(f"  - id: r{i}\n    text: {sentence(rng)}\n    why: {sentence(rng)}\n"
                   f"    do:\n      - \"{sentence(rng)}\"\n    dont:\n      - \"{sentence(rng)}\"\n")
    out.append("targets:\n  - metric: First reply\n    channel: email\n    within: 4h\n")
    return "".join(out)


MAKERS = (phrases, script, letter, standard)


def generate(out: Path, entries: int, seed: int = 1, vocabulary: str = "small") -> Path:
    global _words
    if vocabulary == "bundled":
        from gen_search_kb import vocabulary as bundled_words

        _words = bundled_words()
    else:
        _words = list(WORDS)
    rng = random.Random(seed)
    folders = {phrases: "scripts_library/phrases", script: "scripts_library/scripts",
               letter: "scripts_library/letters", standard: "standards"}
    for folder in folders.values():
        (out / folder).mkdir(parents=True, exist_ok=True)
    (out / "kb.yaml").write_text("variables:\n  company_name: Fernleaf Home\n", encoding="utf-8")
    for i in range(entries):
        maker = MAKERS[i % len(MAKERS)]
        entry_id = f"{maker.__name__}-{i:05d}"
        (out / folders[maker] / f"{entry_id}.yaml").write_text(maker(rng, entry_id), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="small")
    args = parser.parse_args()
    generate(args.out, args.entries, args.seed, args.vocabulary)
    print(f"wrote {args.entries} entries to {args.out}")


if __name__ == "__main__":
    main()
