"""Generate a synthetic knowledge base of N phrases for search benchmarks.

Sentences are drawn from the bundled knowledge base's own vocabulary (word frequencies kept), so
term statistics look like real content rather than a handful of words repeated. Phrases come
in phrase sets of 10; kb.yaml (with its synonyms) is copied from the repository.

    python benchmarks/gen_search_kb.py OUT_DIR --phrases 10000
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PER_SET = 10
SITUATIONS = ["greeting", "complaint", "delivery-delay", "follow-up", "pricing", "apology", "escalation",
              "closing", "feedback", "refund"]
CHANNELS = ["phone", "email", "chat", "in_person", "social", "sms", "letter"]


def vocabulary() -> list[str]:
    words: list[str] = []
    for path in sorted((REPO / "scripts_library").rglob("*.yaml")) + sorted((REPO / "standards").rglob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.match(r"\s*(-\s*)?(say|text|why|summary|title|body)?:?\s", line):
                words.extend(w.lower() for w in re.findall(r"[A-Za-z]{3,}", line))
    return words or ["order", "parcel", "refund"]


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def generate(out: Path, phrases: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    words = vocabulary()
    folder = out / "scripts_library" / "phrases"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "standards").mkdir(exist_ok=True)
    shutil.copy(REPO / "kb.yaml", out / "kb.yaml")
    for s in range((phrases + PER_SET - 1) // PER_SET):
        entry_id = f"set-{s:05d}"
        lines = [
            "kind: phrases", f"id: {entry_id}", f"title: {sentence(rng, words, 3)[:-1]}",
            "owner: Sam Lee", "status: approved", 'review_by: "2099-01-01"',
            f"channels: [{', '.join(rng.sample(CHANNELS, 2))}]", f"situation: {rng.choice(SITUATIONS)}",
            f"tags: [{rng.choice(words)}, {rng.choice(words)}]", "phrases:",
        ]
        for i in range(min(PER_SET, phrases - s * PER_SET)):
            lines += [f"  - id: p{i}", f'    say: "{sentence(rng, words, rng.randint(8, 20))}"',
                      "    avoid:", f'      - "{sentence(rng, words, 6)}"', f"    why: {sentence(rng, words, 10)}"]
        (folder / f"{entry_id}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--phrases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.phrases, args.seed)
    print(f"wrote {args.phrases} phrases to {args.out}")


if __name__ == "__main__":
    main()
