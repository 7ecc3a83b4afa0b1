#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reference data of the `cmaes` package (the CMA-ES library behind Optuna's CmaEsSampler) for
tests/detail/cmaes_test.cpp: strategy parameters, and traces of whole runs.

    /usr/bin/python3 bench/tools/cmaes_trace.py > /tmp/cmaes_trace.inc

prints the C++ tables that the test embeds (paste them over the ones in the test, between the
"BEGIN generated" and "END generated" lines). Needs numpy and cmaes (Debian: apt-get install
python3-cmaes); the tables in the test were made with cmaes 0.9.1 and numpy 1.24.2.

Traces: `cmaes.CMA` and `cmaes.SepCMA`, without bounds, minimize Rosenbrock from a fixed mean
and sigma. ask() draws the candidates (z from numpy's RandomState(seed)); tell() gets
(x, f(x)); the state after every tell (mean, sigma, p_sigma, p_c, C) is recorded exactly
(Python's round-trip repr of each double). The test tells our detail::CmaEs the same candidates, recomputes f in C++
and compares the states.

Checks made here so that the traces test what they should:
  * no two values of a generation are closer than 1e-9 (relative), so that rounding
    differences between numpy's and the test's Rosenbrock cannot change the ranking;
  * the full trace has generations with h_sigma = 0, and at least one generation whose
    h_sigma would be different if the bias correction of ||p_sigma|| counted generations as
    Hansen's tutorial does (exponent 2 g instead of `cmaes`' 2 (g + 1)), so the test pins it.
    `--search` lists the seeds that qualify (SEED_FULL is one of them).
"""
import sys

import numpy as np
import cmaes

SEED_FULL = 26
SEED_SEP = 3


def rosenbrock(x):
    return float(sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
                     for i in range(len(x) - 1)))


def num(v):
    return repr(float(v))


def vec(v):
    return "{" + ", ".join(num(a) for a in v) + "}"


def run(cls, mean, sigma, generations, seed):
    """The trace as a list of (xs, state) and the h_sigma bookkeeping."""
    opt = cls(mean=np.array(mean, dtype=float), sigma=sigma, seed=seed)
    n = len(mean)
    out, h_zero, h_differs = [], 0, 0
    for _ in range(generations):
        xs = [opt.ask() for _ in range(opt.population_size)]
        fs = sorted(rosenbrock(x) for x in xs)
        ties = any(b - a <= 1e-9 * max(abs(a), abs(b), 1e-300) for a, b in zip(fs, fs[1:]))
        opt.tell([(x, rosenbrock(x)) for x in xs])
        ps = np.linalg.norm(opt._p_sigma)
        right = (1.4 + 2 / (n + 1)) * opt._chi_n
        h = ps / np.sqrt(1 - (1 - opt._c_sigma) ** (2 * (opt._g + 1))) < right
        h_tutorial = ps / np.sqrt(1 - (1 - opt._c_sigma) ** (2 * opt._g)) < right
        h_zero += not h
        h_differs += h != h_tutorial
        C = opt._C if opt._C.ndim == 2 else np.diag(opt._C)
        cu = [C[i, j] for i in range(n) for j in range(i, n)]
        out.append((xs, h, h != h_tutorial, ties,
                    (opt._mean.copy(), opt._sigma, opt._p_sigma.copy(), opt._pc.copy(), cu)))
    return out, h_zero, h_differs


def trace(name, cls, mean, sigma, generations, seed):
    out, h_zero, h_differs = run(cls, mean, sigma, generations, seed)
    assert not any(t[3] for t in out), f"{name}: near tie, pick another seed"
    n, lam = len(mean), len(out[0][0])
    lines = [f"// {name}: cmaes.{cls.__name__}, n = {n}, lambda = {lam}, mean0 = {list(mean)}, "
             f"sigma0 = {sigma}, seed {seed}, {generations} generations; "
             f"{h_zero} with h_sigma = 0.",
             f"const TraceGeneration {name}[] = {{"]
    for g, (xs, h, differs, _, (m, s, ps, pc, cu)) in enumerate(out):
        note = ("" if h else " (h_sigma = 0)") + (
            " (h_sigma differs with the tutorial's count)" if differs else "")
        lines.append(f"    // generation {g + 1}{note}")
        lines.append("    {{" + ", ".join(vec(x) for x in xs) + "},")
        lines.append(f"     {vec(m)},")
        lines.append(f"     {num(s)},")
        lines.append(f"     {vec(ps)},")
        lines.append(f"     {vec(pc)},")
        lines.append(f"     {vec(cu)}}},")
    lines.append("};")
    return "\n".join(lines), h_zero, h_differs


def strategies():
    """Strategy parameters of CMA and SepCMA for a few (n, lambda)."""
    lines = ["// {n, lambda, separable, mu, mu_eff, c1, c_mu, c_sigma, d_sigma, c_c, chi_n, "
             "w_1, w_mu, sum of the negative weights}",
             "const StrategyRow kStrategies[] = {"]
    for n, lam in [(2, 6), (4, 8), (5, 8), (10, 10), (3, 9), (4, 400)]:
        for cls in (cmaes.CMA, cmaes.SepCMA):
            o = cls(mean=np.zeros(n), sigma=1.0, population_size=lam)
            w = o._weights
            neg = float(np.sum(w[w < 0])) if cls is cmaes.CMA else 0.0
            vals = [o._mu_eff, o._c1, o._cmu, o._c_sigma, o._d_sigma, o._cc, o._chi_n,
                    w[0], w[o._mu - 1], neg]
            lines.append(f"    {{{n}, {lam}, {'true' if cls is cmaes.SepCMA else 'false'}, "
                         f"{o._mu}, " + ", ".join(num(v) for v in vals) + "},")
    lines.append("};")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--search":
        # Seeds whose full trace pins the h_sigma count (see the docstring).
        for seed in range(1, 60):
            out, hz, hd = run(cmaes.CMA, [-1.2, 1.0, -0.5, 0.8], 0.05, 20, seed)
            if hd and not any(t[3] for t in out):
                print(seed, hz, hd)
        sys.exit(0)
    print(f"// Generated by bench/tools/cmaes_trace.py (cmaes {cmaes.__version__}, "
          f"numpy {np.__version__}).")
    print(strategies())
    full, hz, hd = trace("kFullTrace", cmaes.CMA, [-1.2, 1.0, -0.5, 0.8], 0.05, 20, SEED_FULL)
    assert hz > 0 and hd > 0, "the full trace should pin h_sigma; pick another seed"
    print(full)
    sep, _, _ = trace("kSepTrace", cmaes.SepCMA, [-1.2, 1.0, -0.5, 0.8], 0.05, 10, SEED_SEP)
    print(sep)
