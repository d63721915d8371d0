"""Chinese text classifier: a case's description → (category code, confidence).

Features: jieba word tokens (unigrams and bigrams, weight 0.5) and character
1–3-grams, each TF-IDF weighted (sublinear tf), side by side; model: a linear SVM
with sigmoid calibration over 3 folds (scikit-learn CalibratedClassifierCV), so
it gives probabilities; deterministic. The confidence is the top probability.
Below ``threshold()`` a case goes to the human triage queue.

Everything is offline: jieba ships its dictionary and caches the parsed form
under ``VAR_DIR/classifier/``; scikit-learn needs nothing at run time.

Model file (``default_model_path()``, ``VAR_DIR/classifier/model.joblib``)::

    LINLI-CLASSIFIER\\n
    {"format": 1, "sklearn": "1.9", "trained_at": ..., "n_examples": ..., "labels": [...]}\\n
    <joblib payload: the Model>

The JSON header is read before anything is unpickled, so a file written by an
incompatible format or scikit-learn version is refused with ``IncompatibleModel``
instead of failing somewhere inside unpickling.

    from linli.cases import classifier
    code, confidence = classifier.current().predict("电梯坏了三天没人修")
    if confidence < classifier.threshold(): ...  # → triage
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import os
import re
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

import joblib
import numpy as np
import sklearn

FORMAT_VERSION = 1
MAGIC = b"LINLI-CLASSIFIER\n"

# Chosen from evaluate() on held-out taxonomy phrases (docs/benchmarks.md,
# "Classifier"): ~31 % of them fall below 0.35 and go to triage, ~81 % of the
# rest are right (0.30: 22 % / 77 %; 0.40: 46 % / 86 %). Unrelated chatter
# scores 0.04–0.24. Full sentences as residents write them score higher.
THRESHOLD = 0.35

RANDOM_STATE = 0

log = logging.getLogger(__name__)


class IncompatibleModel(ValueError):
    """The model file was written by another format or scikit-learn version."""


# --------------------------------------------------------------------------- paths


def _var_dir() -> Path:
    try:
        from django.conf import settings

        return Path(settings.VAR_DIR)
    except Exception:  # settings not configured (a bare script): same default as settings.py
        return Path(os.environ.get("LINLI_VAR_DIR", Path.cwd() / "var")).resolve()


def default_model_path() -> Path:
    return _var_dir() / "classifier" / "model.joblib"


def threshold() -> float:
    """The triage threshold: settings.LINLI_CLASSIFIER_THRESHOLD or THRESHOLD."""
    try:
        from django.conf import settings

        return float(getattr(settings, "LINLI_CLASSIFIER_THRESHOLD", THRESHOLD))
    except Exception:
        return THRESHOLD


# --------------------------------------------------------------------------- jieba

_jieba_lock = threading.Lock()
_jieba = None


def _tokenizer():
    """jieba's default tokenizer, initialised once, quietly, caching into VAR_DIR."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                cache_dir = _var_dir() / "classifier"
                try:
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    jieba.dt.tmp_dir = str(cache_dir)
                    jieba.dt.cache_file = "jieba.cache"
                except OSError:  # read-only VAR_DIR: let jieba use its default
                    pass
                jieba.dt.initialize()
                _jieba = jieba.dt
    return _jieba


_DROP = re.compile(r"[\s\d，。！？、；：,.!?;:“”\"'（）()【】\[\]…—\-~～]+")


def normalise(text: str) -> str:
    """Lower-case, full-width → half-width, whitespace collapsed."""
    out = []
    for ch in text or "":
        code = ord(ch)
        if code == 0x3000:
            code = 0x20
        elif 0xFF01 <= code <= 0xFF5E:
            code -= 0xFEE0
        out.append(chr(code))
    return " ".join("".join(out).lower().split())


def word_features(text: str) -> list[str]:
    """jieba words (punctuation and digits dropped) plus adjacent word pairs."""
    words = [w for w in _tokenizer().lcut(normalise(text)) if w.strip() and not _DROP.fullmatch(w)]
    return words + [a + "_" + b for a, b in zip(words, words[1:])]


def char_features(text: str) -> list[str]:
    """Character 1–3-grams within runs of non-punctuation (digits become 0)."""
    feats = []
    for run in _DROP.split(re.sub(r"\d+", "0", normalise(text))):
        for n in (1, 2, 3):
            feats.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return feats


# --------------------------------------------------------------------------- model


WORD_WEIGHT = 0.5  # jieba words count half as much as character n-grams (better held-out accuracy)


def _pipeline(C: float, folds: int):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=word_features, sublinear_tf=True, dtype=np.float32)),
            ("chars", TfidfVectorizer(analyzer=char_features, sublinear_tf=True, dtype=np.float32)),
        ],
        transformer_weights={"words": WORD_WEIGHT, "chars": 1.0},
    )
    # Sigmoid-calibrated linear SVM: as accurate as logistic regression here, ten
    # times faster to train, and its probabilities separate right from wrong better.
    clf = CalibratedClassifierCV(LinearSVC(C=C, random_state=RANDOM_STATE), cv=folds, method="sigmoid")
    return Pipeline([("features", features), ("clf", clf)])


class Model:
    """A trained classifier. ``predict(text) → (code, confidence)``.

    Holds the fitted feature extractor and the calibrated SVMs flattened into
    numpy arrays: scikit-learn's CalibratedClassifierCV.predict_proba loops in
    Python over every class of every fold (~70 ms a text for 58 categories);
    the same arithmetic as one matrix product is ~100 times faster.
    """

    def __init__(self, features, labels, weights, intercepts, slopes, offsets, columns, n_examples, trained_at):
        self.features = features
        self.labels = list(labels)
        self._weights = weights  # (rows, n_features) float32: every fold's SVM rows stacked
        self._intercepts = intercepts  # (rows,)
        self._slopes = slopes  # (rows,) sigmoid a
        self._offsets = offsets  # (rows,) sigmoid b
        self._columns = columns  # list per fold of (row slice start, stop, label indices)
        self.n_examples = n_examples
        self.trained_at = trained_at

    @classmethod
    def from_pipeline(cls, pipe, n_examples, trained_at):
        calibrated = pipe.named_steps["clf"]
        labels = [str(c) for c in calibrated.classes_]
        index = {c: i for i, c in enumerate(labels)}
        weights, intercepts, slopes, offsets, columns = [], [], [], [], []
        row = 0
        for cc in calibrated.calibrated_classifiers_:
            est = cc.estimator
            coef = np.asarray(est.coef_, dtype=np.float32)
            weights.append(coef)
            intercepts.append(np.asarray(est.intercept_, dtype=np.float64))
            slopes.append(np.array([cal.a_ for cal in cc.calibrators], dtype=np.float64))
            offsets.append(np.array([cal.b_ for cal in cc.calibrators], dtype=np.float64))
            if len(labels) == 2:
                cols = np.array([1])
            else:
                cols = np.array([index[str(c)] for c in est.classes_])
            columns.append((row, row + coef.shape[0], cols))
            row += coef.shape[0]
        return cls(
            pipe.named_steps["features"],
            labels,
            np.vstack(weights),
            np.concatenate(intercepts),
            np.concatenate(slopes),
            np.concatenate(offsets),
            columns,
            n_examples,
            trained_at,
        )

    def proba(self, texts) -> np.ndarray:
        """(n_texts, n_labels) probabilities, columns in ``labels`` order."""
        texts = [str(t or "") for t in texts]
        X = self.vectorise(texts)
        scores = np.asarray(X @ self._weights.T, dtype=np.float64) + self._intercepts
        fold_p = 1.0 / (1.0 + np.exp(np.clip(self._slopes * scores + self._offsets, -500, 500)))
        n, k = len(texts), len(self.labels)
        total = np.zeros((n, k))
        for start, stop, cols in self._columns:
            p = np.zeros((n, k))
            if k == 2:
                p[:, 1] = fold_p[:, start]
                p[:, 0] = 1.0 - p[:, 1]
            else:
                p[:, cols] = fold_p[:, start:stop]
                denom = p.sum(axis=1, keepdims=True)
                p = np.divide(p, denom, out=np.full_like(p, 1.0 / k), where=denom != 0)
            total += p
        return np.clip(total / len(self._columns), 0.0, 1.0)

    def vectorise(self, texts):
        """Same matrix as ``self.features.transform(texts)`` (a test checks), without
        scikit-learn's per-call input validation, which dominates for one text."""
        from scipy.sparse import csr_matrix

        if not hasattr(self, "_vocab"):
            parts, offset = [], 0
            weights = self.features.transformer_weights or {}
            for name, vec in self.features.transformer_list:
                parts.append((vec.analyzer, vec.vocabulary_, np.asarray(vec.idf_, dtype=np.float64), offset, weights.get(name, 1.0)))
                offset += len(vec.vocabulary_)
            self._vocab, self._width = parts, offset
        indptr, indices, data, nnz = [0], [], [], 0
        for text in texts:
            for analyzer, vocab, idf, offset, weight in self._vocab:
                counts = {}
                for feat in analyzer(text):
                    j = vocab.get(feat)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
                if not counts:
                    continue
                cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[cols]
                vals *= weight / np.sqrt(vals @ vals)
                indices.append(cols + offset)
                data.append(vals)
                nnz += len(cols)
            indptr.append(nnz)
        if indices:
            indices, data = np.concatenate(indices), np.concatenate(data)
        else:
            indices, data = np.zeros(0, dtype=np.int64), np.zeros(0)
        return csr_matrix((data.astype(np.float32), indices, np.array(indptr)), shape=(len(texts), self._width))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_vocab", None)
        state.pop("_width", None)
        return state

    def predict(self, text: str) -> tuple[str, float]:
        return self.predict_many([text])[0]

    def predict_many(self, texts) -> list[tuple[str, float]]:
        texts = list(texts)
        if not texts:
            return []
        proba = self.proba(texts)
        best = proba.argmax(axis=1)
        return [(self.labels[i], float(proba[row, i])) for row, i in enumerate(best)]

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The k likeliest categories, best first (for the triage page)."""
        proba = self.proba([text])[0]
        order = np.argsort(-proba, kind="stable")[:k]
        return [(self.labels[i], float(proba[i])) for i in order]

    def header(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "sklearn": _sklearn_line(),
            "trained_at": self.trained_at,
            "n_examples": self.n_examples,
            "labels": self.labels,
        }

    def __repr__(self):
        return f"<classifier.Model {len(self.labels)} labels, {self.n_examples} examples, trained {self.trained_at}>"


def _sklearn_line() -> str:
    return ".".join(sklearn.__version__.split(".")[:2])


CALIBRATION_FOLDS = 3


def train(examples, C: float = 0.5) -> Model:
    """Train on (text, category code) pairs. Deterministic (same pairs → same model).

    A category with fewer than CALIBRATION_FOLDS examples has its examples
    repeated up to that count, so every calibration fold sees every category.
    """
    pairs = [(t, c) for t, c in examples if t and str(t).strip() and c]
    if not pairs:
        raise ValueError("train: no examples (need (text, category code) pairs with non-empty text)")
    texts = [str(t) for t, _ in pairs]
    codes = [str(c) for _, c in pairs]
    labels = sorted(set(codes))
    if len(labels) < 2:
        raise ValueError(f"train: need at least two categories, got {labels}")
    per_label = defaultdict(list)
    for t, c in zip(texts, codes):
        per_label[c].append(t)
    for c, ts in per_label.items():
        for i in range(len(ts), CALIBRATION_FOLDS):
            texts.append(ts[i % len(ts)])
            codes.append(c)
    pipe = _fit_pipeline(texts, codes, C)
    trained_at = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    return Model.from_pipeline(pipe, len(pairs), trained_at)


def _fit_pipeline(texts, codes, C: float = 0.5):
    _tokenizer()
    pipe = _pipeline(C, CALIBRATION_FOLDS)
    pipe.fit(texts, codes)
    return pipe


# --------------------------------------------------------------------------- files


def save(model: Model, path=None) -> Path:
    """Write atomically (temp file + rename) so a reader never sees half a file."""
    path = Path(path or default_model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    buf.write(MAGIC)
    buf.write(json.dumps(model.header(), ensure_ascii=False).encode("utf-8") + b"\n")
    joblib.dump(model, buf, compress=3)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def read_header(path) -> dict:
    """The JSON header of a model file, without unpickling the model."""
    with open(path, "rb") as fh:
        return _read_header(fh, path)


def compatible(header: dict) -> bool:
    """Whether this install can load a model file with this header (load() raises IncompatibleModel otherwise)."""
    return header.get("format") == FORMAT_VERSION and header.get("sklearn") == _sklearn_line()


def _read_header(fh, path) -> dict:
    if fh.read(len(MAGIC)) != MAGIC:
        raise IncompatibleModel(f"{path}: not a linli classifier file (no LINLI-CLASSIFIER header); retrain with `linli train-classifier`")
    try:
        return json.loads(fh.readline().decode("utf-8"))
    except ValueError as exc:
        raise IncompatibleModel(f"{path}: unreadable classifier header ({exc}); retrain with `linli train-classifier`") from None


def load(path=None) -> Model:
    path = Path(path or default_model_path())
    with open(path, "rb") as fh:
        header = _read_header(fh, path)
        if header.get("format") != FORMAT_VERSION:
            raise IncompatibleModel(
                f"{path}: classifier file format {header.get('format')!r}, this linli reads format {FORMAT_VERSION}; "
                "retrain with `linli train-classifier`"
            )
        if header.get("sklearn") != _sklearn_line():
            raise IncompatibleModel(
                f"{path}: written with scikit-learn {header.get('sklearn')}, this install has {_sklearn_line()}; "
                "retrain with `linli train-classifier`"
            )
        model = joblib.load(fh)
    if not isinstance(model, Model):
        raise IncompatibleModel(f"{path}: payload is {type(model).__name__}, not a classifier Model")
    return model


# --------------------------------------------------------------------------- in-process model

_cache_lock = threading.Lock()
_cache: dict = {"key": None, "model": None, "taxonomy": None}


def taxonomy_examples(names: bool = True) -> list[tuple[str, str]]:
    """(text, code) for every example phrase in taxonomy.py, plus (unless
    ``names=False``) each leaf's name alone and after its group's name
    ("电梯故障", "物业服务 电梯故障"): names carry the key words and add ~4
    points of held-out accuracy."""
    from .taxonomy import leaves

    out = [(text, leaf["code"]) for leaf in leaves() for text in leaf["examples"]]
    if names:
        out += [(leaf["name"], leaf["code"]) for leaf in leaves()]
        out += [(leaf["group_name"] + " " + leaf["name"], leaf["code"]) for leaf in leaves()]
    return out


def current(path=None) -> Model:
    """The model to classify with, cached in process.

    The trained file when it exists (reloaded when its mtime changes); otherwise
    (fresh install, or a file from an incompatible version — logged) a model
    trained here and now from the taxonomy examples, about a second's work.
    """
    path = Path(path or default_model_path())
    try:
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
    except FileNotFoundError:
        key = None
    with _cache_lock:
        if key is not None and _cache["key"] == key:
            return _cache["model"]
        model = None
        if key is not None:
            try:
                model = load(path)
            except (IncompatibleModel, OSError, EOFError) as exc:
                log.warning("classifier: %s — falling back to the taxonomy examples", exc)
        if model is None:
            if _cache["taxonomy"] is None:
                _cache["taxonomy"] = train(taxonomy_examples())
            model = _cache["taxonomy"]
        _cache["key"], _cache["model"] = key, model
        return model


def reset_cache() -> None:
    with _cache_lock:
        _cache["key"] = _cache["model"] = _cache["taxonomy"] = None


# --------------------------------------------------------------------------- evaluation


def evaluate(examples, test_size: float = 0.25, seed: int = 0, extra_train=(), C: float = 0.5) -> dict:
    """Stratified held-out split: train on the rest, score the held-out part.

    ``extra_train`` pairs (e.g. category names) are added to training only.

    Returns accuracy, macro_f1, n_train, n_test, per_group (accuracy per top-level
    group), and, at threshold(): triage_share (held-out share below it),
    accuracy_above (accuracy on the rest) and coverage curve points.
    """
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    pairs = [(str(t), str(c)) for t, c in examples if t and str(t).strip() and c]
    counts = defaultdict(int)
    for _, c in pairs:
        counts[c] += 1
    # a class seen once cannot be both trained on and tested: keep it in training only
    single = [p for p in pairs if counts[p[1]] < 2]
    multi = [p for p in pairs if counts[p[1]] >= 2]
    texts = [t for t, _ in multi]
    codes = [c for _, c in multi]
    n_classes = len(set(codes))
    n_test = max(int(round(len(multi) * test_size)), n_classes) if multi else 0
    stratify = codes if n_test >= n_classes and len(multi) - n_test >= n_classes else None
    tr_x, te_x, tr_y, te_y = train_test_split(texts, codes, test_size=n_test, random_state=seed, stratify=stratify)
    model = train(list(zip(tr_x, tr_y)) + single + list(extra_train), C=C)
    preds = model.predict_many(te_x)
    pred_codes = [p for p, _ in preds]
    conf = np.array([c for _, c in preds])
    right = np.array([p == y for p, y in zip(pred_codes, te_y)])

    per_group = defaultdict(lambda: [0, 0])
    for p, y in zip(pred_codes, te_y):
        g = y.split(".", 1)[0]
        per_group[g][0] += p == y
        per_group[g][1] += 1
    group_right = sum(p.split(".", 1)[0] == y.split(".", 1)[0] for p, y in zip(pred_codes, te_y))

    th = threshold()
    above = conf >= th
    curve = []
    for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6):
        m = conf >= t
        curve.append({"threshold": t, "triage_share": float(1 - m.mean()), "accuracy_above": float(right[m].mean()) if m.any() else None})
    confusions = defaultdict(int)
    for p, y in zip(pred_codes, te_y):
        if p != y:
            confusions[(y, p)] += 1
    return {
        "accuracy": float(accuracy_score(te_y, pred_codes)),
        "macro_f1": float(f1_score(te_y, pred_codes, average="macro", zero_division=0)),
        "group_accuracy": group_right / len(te_y) if te_y else 0.0,
        "n_train": len(tr_x) + len(single) + len(extra_train),
        "n_test": len(te_x),
        "n_labels": len(model.labels),
        "per_group": {g: {"accuracy": r / n, "n": n} for g, (r, n) in sorted(per_group.items())},
        "threshold": th,
        "triage_share": float(1 - above.mean()),
        "accuracy_above": float(right[above].mean()) if above.any() else None,
        "curve": curve,
        "confusions": sorted(((n, y, p) for (y, p), n in confusions.items()), reverse=True)[:10],
    }
