#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python side of the iris comparison: the tuning of hpo_mlp_iris (main.cpp) redone with
Optuna driving scikit-learn's MLPClassifier, on the same split, with the same search space,
trial count, seed, learning-rate schedule, early stopping and pruner.

    /usr/bin/python3 examples/mlp_iris/compare_optuna.py [--trials 50] [--seed 0]
        [--sampler qmc|random|grid|tpe] [--pruner median|none|sha|hyperband] [--jobs 1]
        [--max-epochs 100] [--binary PATH | --split FILE] [--data FILE] [--out FILE] [--quiet]

The split is the C++ example's own: the script runs `BINARY --dump-split FILE --seed S` (or
reads --split FILE, a JSON {"train": [...], "valid": [...], "test": [...]} of 0-based rows).
It prints one line per trial and a summary, and --out writes the same JSON fields as
`hpo_mlp_iris --out` plus a few of its own (epochs_trained, versions).

How main.cpp's recipe maps onto MLPClassifier (docs/benchmarks.md, "Iris MLP: hpo against
Optuna + scikit-learn", says what this changes):

- Same eight parameters, names, ranges and choice orders: lr log [1e-3, 0.3]; units log int
  [4, 64]; layers [1, 2]; activation {relu, tanh}; optimizer {adam, sgd}; weight_decay log
  [1e-6, 1e-2]; batch_size {8, 16, 32}; epochs [20, max_epochs] step 10.
  hidden_layer_sizes = (units,) * layers; solver = optimizer.
- SGD: momentum 0.9, nesterovs_momentum=False. Adam: beta_1 0.9, beta_2 0.999, epsilon 1e-8.
- Weight decay: main.cpp adds weight_decay * W to the gradient of the batch-mean loss.
  scikit-learn adds alpha * W / n_batch (alpha is an L2 penalty 0.5 * alpha * |W|^2 on the
  batch's summed loss, then divided by the batch size), so alpha = weight_decay * batch_size
  gives the same gradient on every full batch. Neither decays the biases.
- Training is one partial_fit call per epoch (an epoch over the shuffled training rows), so
  that each epoch can set the learning rate, be scored on the validation rows, be reported to
  the pruner and be judged by early stopping, as main.cpp does. partial_fit never applies
  MLPClassifier's own stopping rule (tol / n_iter_no_change) nor its early_stopping, so every
  trial trains exactly the epochs main.cpp's rules give it.
- Learning rate per epoch: linear warm-up from 0.1 * lr to lr over 5 epochs, then cosine
  annealing to 0 over the remaining epochs - 5 (hpo's SequentialLR of LinearLR and
  CosineAnnealingLR). MLPClassifier has no such schedule: the script sets it on the model's
  optimizer object between epochs (`_optimizer.learning_rate` for SGD,
  `_optimizer.learning_rate_init` for Adam, which rescales it per step for bias correction).
- Early stopping on validation accuracy: from epoch 5 on, stop after 15 epochs without a
  strict improvement (hpo::EarlyStopping, Keras rules). The trial's value is its best epoch's
  validation accuracy; the weights of that epoch (ties: lower validation loss) are kept.
- Pruning per epoch on validation accuracy, never before epoch 5: median = MedianPruner(
  n_startup_trials=5, n_warmup_steps=5); sha = SuccessiveHalvingPruner(min_resource=5,
  reduction_factor=3); hyperband = HyperbandPruner(min_resource=5, max_resource=max_epochs,
  reduction_factor=3), whose brackets follow a hash of the study name (fixed per seed) and the
  trial number, where hpo's follow the seed.
- Samplers: qmc = QMCSampler(qmc_type="sobol", scramble=True, seed=seed + 1,
  independent_sampler=RandomSampler(seed)) (hpo's default is a scrambled Sobol sequence too;
  Optuna's samples its first trial and every categorical at random, and reads a seed of 0 as
  "no seed", hence the + 1), random = RandomSampler(seed), grid = GridSampler over main.cpp's
  32-point grid, tpe = TPESampler(seed) (Python only: the C++ example has no TPE yet).
- The best trial: highest validation accuracy, then lowest validation loss, then lowest trial
  number, among completed trials. Its kept weights are scored on the test rows once, at the
  end.
- elapsed_seconds: from reading the CSV to the test score, as main.cpp times it (the Python
  imports and running the binary for the split come before and are not included).
"""

import argparse
import csv
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np

SPECIES = ["setosa", "versicolor", "virginica"]
HEADER = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
WARMUP = 5  # epochs of linear warm-up; no pruning or early stopping before this epoch
PATIENCE = 15  # early stopping: epochs without improvement
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_BINARY = os.path.join(ROOT, "build", "release", "examples", "mlp_iris", "hpo_mlp_iris")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sampler", choices=["qmc", "random", "grid", "tpe"], default="qmc")
    p.add_argument("--pruner", choices=["median", "none", "sha", "hyperband"], default="median")
    p.add_argument("--jobs", type=int, default=1, help="threads running trials (Optuna n_jobs)")
    p.add_argument("--max-epochs", type=int, default=100)
    p.add_argument("--binary", default=DEFAULT_BINARY,
                   help="hpo_mlp_iris, run with --dump-split to get the split")
    p.add_argument("--split", help="a split JSON file instead of running --binary")
    p.add_argument("--data", default=os.path.join(HERE, "iris.csv"))
    p.add_argument("--out", help="write the result as JSON")
    p.add_argument("--quiet", action="store_true", help="no line per trial")
    a = p.parse_args(argv)
    if a.trials < 1 or a.jobs < 1:
        p.error("--trials and --jobs must be >= 1")
    if not 20 <= a.max_epochs <= 200 or a.max_epochs % 10:
        p.error("--max-epochs must be a multiple of 10 in [20, 200]")
    return a


def read_csv(path):
    """The iris CSV as (features: n x 4 float array, labels: n int array)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != HEADER:
        raise SystemExit(f"{path}: expected the header {','.join(HEADER)}")
    x, y = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 5 or row[4] not in SPECIES:
            raise SystemExit(f"{path}:{number}: expected 4 numbers and a species name")
        x.append([float(v) for v in row[:4]])
        y.append(SPECIES.index(row[4]))
    return np.array(x), np.array(y)


def load_split(args):
    """The C++ example's split, from --split or by running --binary --dump-split."""
    if args.split:
        with open(args.split) as f:
            return json.load(f)
    if not os.access(args.binary, os.X_OK):
        raise SystemExit(f"no split: {args.binary} is not an executable; build hpo_mlp_iris "
                         "(bash .ci/example) or pass --binary PATH or --split FILE")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "split.json")
        subprocess.run([args.binary, "--dump-split", path, "--seed", str(args.seed),
                        "--data", args.data], check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            return json.load(f)


def lr_at(lr, epoch, epochs):
    """main.cpp's schedule: LinearLR(0.1 -> 1, 5 epochs), then CosineAnnealingLR to 0."""
    if epoch < WARMUP:
        return lr * (0.1 + 0.9 * epoch / WARMUP)
    return lr * (1.0 + math.cos(math.pi * (epoch - WARMUP) / (epochs - WARMUP))) / 2.0


def evaluate(proba, y):
    """(mean cross-entropy, accuracy) of predicted probabilities, as iris::Mlp::evaluate."""
    p = proba[np.arange(len(y)), y]
    loss = float(-np.mean(np.log(np.maximum(p, 1e-300))))
    return loss, float(np.mean(np.argmax(proba, axis=1) == y))


class Leader:
    """The best completed trial: highest accuracy, then lowest loss, then lowest number."""

    def __init__(self):
        self.lock = threading.Lock()
        self.number, self.accuracy, self.loss, self.model = -1, 0.0, 0.0, None

    def offer(self, number, accuracy, loss, model):
        with self.lock:
            if self.model is not None and (accuracy, -loss, -number) <= (
                    self.accuracy, -self.loss, -self.number):
                return
            self.number, self.accuracy, self.loss, self.model = number, accuracy, loss, model


def suggest(trial, max_epochs):
    """main.cpp's suggest(): the same names, ranges and order."""
    return {
        "lr": trial.suggest_float("lr", 1e-3, 0.3, log=True),
        "units": trial.suggest_int("units", 4, 64, log=True),
        "layers": trial.suggest_int("layers", 1, 2),
        "activation": trial.suggest_categorical("activation", ["relu", "tanh"]),
        "optimizer": trial.suggest_categorical("optimizer", ["adam", "sgd"]),
        "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [8, 16, 32]),
        "epochs": trial.suggest_int("epochs", 20, max_epochs, step=10),
    }


def make_objective(args, xtr, ytr, xva, yva, leader, epochs_trained, quiet):
    import optuna
    from sklearn.neural_network import MLPClassifier

    classes = np.arange(len(SPECIES))
    count_lock = threading.Lock()

    def objective(trial):
        c = suggest(trial, args.max_epochs)
        rng = np.random.RandomState(np.random.SeedSequence([args.seed, trial.number])
                                    .generate_state(1)[0])
        clf = MLPClassifier(
            hidden_layer_sizes=(c["units"],) * c["layers"], activation=c["activation"],
            solver=c["optimizer"], alpha=c["weight_decay"] * c["batch_size"],
            batch_size=c["batch_size"], learning_rate="constant",
            learning_rate_init=lr_at(c["lr"], 0, c["epochs"]), momentum=0.9,
            nesterovs_momentum=False, beta_1=0.9, beta_2=0.999, epsilon=1e-8, shuffle=True,
            random_state=rng,  # a RandomState, not an int: each epoch draws a new shuffle
            early_stopping=False, max_iter=c["epochs"])
        best = None  # (accuracy, loss, coefs, intercepts) of the best epoch
        best_acc, wait = -math.inf, 0  # early stopping's state
        epoch = 0
        try:
            for epoch in range(c["epochs"]):
                if epoch > 0:
                    lr = lr_at(c["lr"], epoch, c["epochs"])
                    if c["optimizer"] == "sgd":
                        clf._optimizer.learning_rate = lr
                    else:
                        clf._optimizer.learning_rate_init = lr
                clf.partial_fit(xtr, ytr, classes=classes)
                loss, acc = evaluate(clf.predict_proba(xva), yva)
                if best is None or acc > best[0] or (acc == best[0] and loss < best[1]):
                    best = (acc, loss, [w.copy() for w in clf.coefs_],
                            [b.copy() for b in clf.intercepts_])
                stop = False
                if epoch >= WARMUP:
                    wait += 1
                    if acc > best_acc:
                        best_acc, wait = acc, 0
                    elif wait >= PATIENCE:
                        stop = True
                trial.report(acc, epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned at epoch {epoch}")
                if stop:
                    break
        finally:
            with count_lock:
                epochs_trained[0] += epoch + 1
        trial.set_user_attr("val_loss", best[1])
        trial.set_user_attr("epochs_run", epoch + 1)
        clf.coefs_, clf.intercepts_ = best[2], best[3]
        leader.offer(trial.number, best[0], best[1], clf)
        return best[0]

    def callback(study, t):
        if quiet:
            return
        p = t.params
        if t.state.name == "COMPLETE":
            what = (f"val_acc {t.value:.3f} loss {t.user_attrs['val_loss']:.3f} "
                    f"({t.user_attrs['epochs_run']} epochs)")
        elif t.state.name == "PRUNED" and t.intermediate_values:
            step = max(t.intermediate_values)
            what = f"pruned at epoch {step + 1} (val_acc {t.intermediate_values[step]:.3f})"
        else:
            what = t.state.name.lower()
        print(f"trial {t.number:3} {what:<38} lr {p['lr']:.2e} {p['units']}x{p['layers']} "
              f"{p['activation']} {p['optimizer']} wd {p['weight_decay']:.1e} "
              f"batch {p['batch_size']} epochs {p['epochs']} | best {leader.accuracy:.3f} "
              f"(trial {leader.number})", flush=True)

    return objective, callback


def make_sampler(args):
    import optuna
    s = optuna.samplers
    if args.sampler == "random":
        return s.RandomSampler(seed=args.seed)
    if args.sampler == "tpe":
        return s.TPESampler(seed=args.seed)
    if args.sampler == "grid":  # main.cpp's make_grid
        return s.GridSampler({
            "lr": [0.01, 0.1], "units": [8, 32], "layers": [1, 2],
            "activation": ["relu", "tanh"], "optimizer": ["adam", "sgd"],
            "weight_decay": [1e-4], "batch_size": [16], "epochs": [min(60, args.max_epochs)]},
            seed=args.seed)
    # Optuna 3.1's QMCSampler takes `seed or <a random seed>` for its scramble, so seed 0
    # would scramble differently in every run: its scramble uses seed + 1 (the trials it
    # samples at random, the first one and the categoricals, use RandomSampler(seed)).
    return s.QMCSampler(qmc_type="sobol", scramble=True, seed=args.seed + 1,
                        independent_sampler=s.RandomSampler(seed=args.seed),
                        warn_independent_sampling=False)


def make_pruner(args):
    import optuna
    p = optuna.pruners
    if args.pruner == "median":
        return p.MedianPruner(n_startup_trials=5, n_warmup_steps=WARMUP)
    if args.pruner == "sha":
        return p.SuccessiveHalvingPruner(min_resource=WARMUP, reduction_factor=3)
    if args.pruner == "hyperband":
        return p.HyperbandPruner(min_resource=WARMUP, max_resource=args.max_epochs,
                                 reduction_factor=3)
    return p.NopPruner()


def versions():
    import optuna
    import sklearn
    try:
        from threadpoolctl import threadpool_info
        pools = [f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()]
    except Exception:  # threadpoolctl missing or failing: say nothing about the pools
        pools = []
    return {"python": platform.python_version(), "optuna": optuna.__version__,
            "sklearn": sklearn.__version__, "numpy": np.__version__,
            "blas_thread_pools": pools}


def main(argv):
    args = parse_args(argv)
    import optuna
    from sklearn.exceptions import ConvergenceWarning
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)

    split = load_split(args)
    start = time.perf_counter()
    x, y = read_csv(args.data)
    tr, va, te = (np.array(split[k], dtype=int) for k in ("train", "valid", "test"))
    mean = x[tr].mean(axis=0)
    scale = np.maximum(np.sqrt(((x[tr] - mean) ** 2).mean(axis=0)), 1e-12)
    xs = (x - mean) / scale  # statistics of the training rows only
    print(f"iris: {len(tr)} train / {len(va)} valid / {len(te)} test rows (seed {args.seed}); "
          f"sampler {args.sampler}, pruner {args.pruner}, {args.trials} trials, "
          f"{args.jobs} jobs (Optuna {optuna.__version__} + scikit-learn MLPClassifier)",
          flush=True)

    leader, epochs_trained = Leader(), [0]
    objective, callback = make_objective(args, xs[tr], y[tr], xs[va], y[va], leader,
                                         epochs_trained, args.quiet)
    # A fixed study name: HyperbandPruner assigns trials to brackets by hashing it with the
    # trial number, and the default name is random.
    study = optuna.create_study(study_name=f"hpo_mlp_iris seed {args.seed}", direction="maximize",
                                sampler=make_sampler(args), pruner=make_pruner(args))
    study.optimize(objective, n_trials=args.trials, n_jobs=args.jobs, callbacks=[callback],
                   catch=(Exception,))
    states = [t.state.name for t in study.trials]
    counts = [states.count("COMPLETE"), states.count("PRUNED"), states.count("FAIL")]
    if leader.model is None:
        print("compare_optuna: no trial completed", file=sys.stderr)
        return 1
    # The test rows are used here only, once, with the best trial's kept weights.
    test_accuracy = evaluate(leader.model.predict_proba(xs[te]), y[te])[1]
    elapsed = time.perf_counter() - start

    params = study.trials[leader.number].params
    print(f"\n{len(study.trials)} trials: {counts[0]} complete, {counts[1]} pruned, "
          f"{counts[2]} failed in {elapsed:.2f} s ({epochs_trained[0]} epochs trained)")
    print(f"best trial {leader.number}: validation accuracy {leader.accuracy:.4f} "
          f"(loss {leader.loss:.4f})\n  {json.dumps(params, sort_keys=True)}")
    print(f"test accuracy {test_accuracy:.4f} ({round(test_accuracy * len(te))} of {len(te)})")
    if args.out:
        result = {
            "best_params": dict(sorted(params.items())), "best_trial": leader.number,
            "best_validation_accuracy": leader.accuracy,
            "best_validation_loss": leader.loss, "test_accuracy": test_accuracy,
            "trials_completed": counts[0], "trials_pruned": counts[1],
            "trials_failed": counts[2], "elapsed_seconds": round(elapsed, 3),
            "sampler": args.sampler, "pruner": args.pruner, "seed": args.seed,
            "jobs": args.jobs, "epochs_trained": epochs_trained[0], "versions": versions()}
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
        print(f"result written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
