"""Classifier throughput (texts per second, single and batch), training time and held-out accuracy.

Accuracy: stratified held-out splits of the taxonomy's example phrases
(linli/cases/taxonomy.py; category names are added to training only), averaged over
several seeds; the hand-written phrases of linli/cases/tests/test_classifier.py; and,
when the database holds cases whose category a person set or confirmed
(cases.Case.categorised_by_person), a held-out split of those too.

    python3 bench/bench_classifier.py             # writes docs/benchmarks.md
    python3 bench/bench_classifier.py --no-write

Results go between <!-- bench:classifier --> and <!-- /bench:classifier --> in
docs/benchmarks.md; the rest of that file is left as it is.
"""

import argparse
import datetime
import os
import platform
import random
import re
import sys
import time
from pathlib import Path

import benchdoc  # noqa: E402  (bench/ is the script's directory)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")

DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:classifier -->", "<!-- /bench:classifier -->"


def machine() -> dict:
    import jieba
    import sklearn

    return benchdoc.machine(sklearn=sklearn.__version__, jieba=jieba.__version__)


def db_cases():
    """(text, code) for every case a person categorised, or (None, why)."""
    try:
        import django

        django.setup()
        from django.apps import apps

        Case = apps.get_model("cases", "Case")
        rows = list(
            Case.objects.filter(categorised_by_person=True, category__isnull=False).values_list("title", "description", "category__code")
        )
        return [(f"{t} {d}".strip(), c) for t, d, c in rows], None
    except (ImportError, LookupError) as exc:
        return None, f"no cases.Case model ({exc.__class__.__name__})"
    except Exception as exc:  # no database yet, table missing, …
        return None, f"database not readable ({exc.__class__.__name__}: {str(exc).splitlines()[0][:80]})"


def synthetic(examples, n, seed=0):
    """n longer texts: two phrases of one category joined, as a resident writing more."""
    by = {}
    for t, c in examples:
        by.setdefault(c, []).append(t)
    rng = random.Random(seed)
    codes = sorted(by)
    out = []
    for i in range(n):
        c = codes[i % len(codes)]
        a, b = rng.sample(by[c], 2)
        out.append((f"{a}，{b}", c))
    return out


def run(seeds: int, single_n: int, batch_n: int) -> dict:
    from linli.cases import classifier

    r = {}
    t0 = time.perf_counter()
    classifier._tokenizer()
    r["jieba_init_s"] = time.perf_counter() - t0

    phrases = classifier.taxonomy_examples(names=False)
    names = classifier.taxonomy_examples()[len(phrases):]
    full = classifier.taxonomy_examples()
    r["n_phrases"], r["n_names"], r["n_labels"] = len(phrases), len(names), len({c for _, c in full})

    t0 = time.perf_counter()
    model = classifier.train(full)
    r["train_s"] = time.perf_counter() - t0
    big = synthetic(phrases, 5000)
    t0 = time.perf_counter()
    classifier.train(big)
    r["train_5k_s"] = time.perf_counter() - t0

    # throughput
    pool = [t for t, _ in synthetic(phrases, 500, seed=1)] + [t for t, _ in phrases]
    texts = [pool[i % len(pool)] for i in range(single_n)]
    t0 = time.perf_counter()
    for t in texts:
        model.predict(t)
    r["single_s"] = time.perf_counter() - t0
    r["single_n"] = single_n
    texts = [pool[i % len(pool)] for i in range(batch_n)]
    t0 = time.perf_counter()
    model.predict_many(texts)
    r["batch_s"] = time.perf_counter() - t0
    r["batch_n"] = batch_n

    # held-out taxonomy phrases, several seeds
    runs = [classifier.evaluate(phrases, test_size=0.25, seed=s, extra_train=names) for s in range(seeds)]
    mean = lambda key: sum(x[key] for x in runs) / len(runs)  # noqa: E731
    r["seeds"] = seeds
    r["n_train"], r["n_test"] = runs[0]["n_train"], runs[0]["n_test"]
    for key in ("accuracy", "macro_f1", "group_accuracy", "triage_share", "accuracy_above"):
        r[key] = mean(key)
    r["threshold"] = runs[0]["threshold"]
    r["curve"] = [
        {
            "threshold": pt["threshold"],
            "triage_share": sum(x["curve"][i]["triage_share"] for x in runs) / len(runs),
            "accuracy_above": sum(x["curve"][i]["accuracy_above"] or 0 for x in runs) / len(runs),
        }
        for i, pt in enumerate(runs[0]["curve"])
    ]
    groups = {}
    for x in runs:
        for g, v in x["per_group"].items():
            acc = groups.setdefault(g, [0.0, 0])
            acc[0] += v["accuracy"] * v["n"]
            acc[1] += v["n"]
    r["per_group"] = {g: (a / n, n) for g, (a, n) in sorted(groups.items())}
    conf = {}
    for x in runs:
        for n, y, p in x["confusions"]:
            conf[(y, p)] = conf.get((y, p), 0) + n
    r["confusions"] = sorted(((n, y, p) for (y, p), n in conf.items()), reverse=True)[:6]

    # hand-written phrases from the test
    try:
        from linli.cases.tests.test_classifier import HELD_OUT

        preds = model.predict_many([t for t, _ in HELD_OUT])
        r["hand_n"] = len(HELD_OUT)
        r["hand_cats"] = len({c for _, c in HELD_OUT})
        r["hand_accuracy"] = sum(p == c for (_, c), (p, _) in zip(HELD_OUT, preds)) / len(HELD_OUT)
        r["hand_triage"] = sum(cf < r["threshold"] for _, cf in preds) / len(HELD_OUT)
    except ImportError:
        r["hand_n"] = 0

    # human-categorised cases in the database
    cases, why = db_cases()
    r["db_note"] = why
    r["db_n"] = len(cases) if cases else 0
    if cases:
        counts = {}
        for _, c in cases:
            counts[c] = counts.get(c, 0) + 1
        usable = [p for p in cases if counts[p[1]] >= 2]
        if len(usable) >= 20:
            ev = classifier.evaluate(cases, test_size=0.25, seed=0, extra_train=full)
            r["db_eval"] = ev
        else:
            r["db_note"] = f"only {len(cases)} categorised cases ({len(usable)} in categories used twice or more): too few for a split"
    return r


def markdown(r: dict, m: dict, when: str) -> str:
    curve = "\n".join(
        f"| {p['threshold']:.2f} | {p['triage_share']:.0%} | {p['accuracy_above']:.1%} |" for p in r["curve"]
    )
    groups = " · ".join(f"{g} {a:.0%}" for g, (a, n) in r["per_group"].items())
    conf = "; ".join(f"{y} → {p} ({n})" for n, y, p in r["confusions"])
    if r.get("db_eval"):
        ev = r["db_eval"]
        db = (
            f"Human-categorised cases in the database: {r['db_n']:,}; held-out split (taxonomy phrases added to "
            f"training): accuracy **{ev['accuracy']:.1%}**, macro-F1 {ev['macro_f1']:.3f}, "
            f"{ev['triage_share']:.0%} below the threshold, {ev['accuracy_above'] or 0:.1%} right above it "
            f"(n_train {ev['n_train']:,}, n_test {ev['n_test']:,})."
        )
    else:
        db = (
            f"Human-categorised cases in the database: none measured — {r['db_note'] or 'no categorised cases yet'}. "
            "Rerun after `linli train-classifier` has real cases to learn from; the figures above are on the "
            "taxonomy's phrases only."
        )
    hand = (
        f"| hand-written phrases from the test suite ({r['hand_n']} in {r['hand_cats']} categories, trained on the full taxonomy) | "
        f"**{r['hand_accuracy']:.1%}** right, {r['hand_triage']:.0%} below threshold |"
        if r.get("hand_n")
        else ""
    )
    return f"""{BEGIN}
## Classifier: case text → category

`python3 bench/bench_classifier.py` — `linli.cases.classifier`: jieba words (+ word pairs, weight 0.5) and
character 1–3-grams, TF-IDF, a linear SVM with sigmoid calibration (3 folds) for probabilities.
Taxonomy: {r['n_labels']} leaf categories in 16 groups, {r['n_phrases']} example phrases
(+ {r['n_names']} category-name phrases, training only).

| measure | result |
| --- | --- |
| train on the taxonomy ({r['n_phrases'] + r['n_names']} texts) | {r['train_s']:.1f} s (jieba dictionary load {r['jieba_init_s']:.1f} s, once per process) |
| train on 5,000 texts (two phrases of one category joined) | {r['train_5k_s']:.1f} s |
| single `predict()` calls ({r['single_n']:,} texts) | **{r['single_n'] / r['single_s']:,.0f} texts/s** ({1000 * r['single_s'] / r['single_n']:.2f} ms each) |
| batch `predict_many()` ({r['batch_n']:,} texts) | **{r['batch_n'] / r['batch_s']:,.0f} texts/s** |
| held-out taxonomy phrases, accuracy (mean of {r['seeds']} stratified 75/25 splits, n_test {r['n_test']}) | **{r['accuracy']:.1%}** (macro-F1 {r['macro_f1']:.3f}) |
| … right top-level group | {r['group_accuracy']:.1%} |
| … at THRESHOLD {r['threshold']:.2f}: share sent to triage / accuracy of the rest | {r['triage_share']:.0%} / **{r['accuracy_above']:.1%}** |
{hand}

Threshold trade-off (held-out taxonomy phrases, mean over the splits):

| confidence threshold | sent to triage | accuracy above it |
| --- | --- | --- |
{curve}

Per top-level group (held-out accuracy): {groups}.
Most frequent confusions: {conf}.

The taxonomy phrases are short and only ~10 per category remain for training in a 75/25 split, so these
are floor figures: the hand-written test phrases (complete sentences, as residents write) score higher,
and accuracy grows as `linli train-classifier` adds cases a person has categorised.
{db}

Machine: {m['cpu']}, {m['nproc']} CPUs available (nproc), {m['ram']} RAM, {m['os']};
Python {m['python']}, scikit-learn {m['sklearn']}, jieba {m['jieba']}. Measured {when}, single process,
on a machine shared with other work (load average {m['load']} at the start), so treat the times as lower bounds.
{END}"""


def write(section: str) -> None:
    benchdoc.write_section(BEGIN, END, section)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="held-out splits to average")
    parser.add_argument("--single", type=int, default=2000, help="texts for single predict() calls")
    parser.add_argument("--batch", type=int, default=20000, help="texts for predict_many()")
    parser.add_argument("--no-write", action="store_true", help="print only, leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    import django

    django.setup()
    m = machine()
    r = run(args.seeds, args.single, args.batch)
    when = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    section = markdown(r, m, when)
    print(section)
    if not args.no_write:
        write(section)
        print(f"\nwritten to {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
