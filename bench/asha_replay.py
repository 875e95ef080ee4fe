#!/usr/bin/env python3
"""Replays the learning curves of a random search (bench/tuning --curves true, first arm) through ASHA variants.

With one native thread a trial trains identically in every arm, so a replay predicts an ASHA arm exactly: on the
README's runs it gave the measured epochs and best value of both ASHA versions (seed 1: 40 / 0.93 and 38 / 0.93;
seed 2: 34 / 0.95 and 38 / 0.95). Use it to see how the minimum resource and reduction factor would have done on
the same curves before spending a real run.

    python3 bench/asha_replay.py tuning-output.txt

With several outputs and --trials N it estimates instead how often ASHA would meet the target in an N-trial
experiment: it draws N curves at a time from all the outputs' first arms and replays each draw. That is sound for
bench/tuning's runs because every trial trains with the same seed on the same split, so a trial's curve depends
only on its sampled hyperparameters (learning rate, and weight decay and flip probability unless --fix holds
them), and the seeded runs are independent draws from the same space.

    python3 bench/asha_replay.py --trials 64 seed1.txt seed2.txt ...
    python3 bench/asha_replay.py --trials 16 --rf 2 --min-resource 1 seed1.txt ...   # another rung setting
"""
import argparse
import random
import re
import sys


def read(path):
    """The saved output's lines, or a clear exit."""
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError as e:
        sys.exit(f"cannot read {path}: {e.strerror}; pass the saved output of bench/tuning --curves true")


def load(path, lines):
    """The first arm's curves: [(learning rate, [value per epoch])] in trial order."""
    curves, arm = [], -1
    for line in lines:
        if line.startswith("random "):
            arm += 1
        # "curve #3 lrate 0.01 [name value ...] STATE v1 v2 ...": older outputs have no other sampled values.
        m = re.match(r"\s+curve #\d+\s+lrate (?P<lr>\S+)(?:\s+[a-z_]+ \S+)*?\s+[A-Z]+\s+(?P<values>.*)", line)
        if m and arm == 0:
            curves.append((float(m.group("lr")), [float(x) for x in m.group("values").split()]))
    if not curves:
        sys.exit(f"no curves in {path}: run bench/tuning with --curves true")
    return curves


def bench_settings(path, lines):
    """The output's first line (classes, images, epochs, validation fraction, fixed hyperparameters) less its seed
    and trial count: runs with the same settings draw their curves from the same function of the sampled hyperparameters."""
    for line in lines:
        if line.startswith("tiny digits:"):
            return re.sub(r", seed -?\d+|\d+ trials of ", "", line)
    sys.exit(f"no settings line in {path}: pass the saved output of bench/tuning --curves true")


def rung_steps(epochs, rf, r0):
    """0-based epoch index of each rung before the last epoch: r0 * rf^k - 1."""
    steps, k = [], 0
    while r0 * rf ** k - 1 < epochs - 1:
        steps.append(r0 * rf ** k - 1)
        k += 1
    return steps


def decide_on_arrival(curves, epochs, rf, r0):
    """Optuna's SuccessiveHalvingPruner (asha-optuna): judged once per rung against the trials there so far."""
    trained = []
    for i, (_, c) in enumerate(curves):
        n = epochs
        for s in rung_steps(epochs, rf, r0):
            values = sorted([curves[j][1][s] for j in range(i) if trained[j] > s] + [c[s]], reverse=True)
            if c[s] < values[max(len(values) // rf, 1) - 1]:
                n = s + 1
                break
        trained.append(n)
    return trained


def promoting(curves, epochs, rf, r0):
    """Li et al.'s ASHA (asha): held at a rung unless in the top floor(n / rf); free workers promote first. Once every
    trial started and none completed, the best held trial of the highest rung runs on (Study.promotion's
    FINISHES_ONE_TRIAL: with few trials at the top rungs nobody would be among the best floor(n / rf) there)."""
    steps = rung_steps(epochs, rf, r0)
    ends = steps + [epochs - 1]
    trained = []
    while True:
        job = None
        for k in reversed(range(len(steps))):
            s = steps[k]
            reached = sorted((j for j in range(len(trained)) if trained[j] > s), key=lambda j: (-curves[j][1][s], j))
            held = [j for j in reached[:len(reached) // rf] if trained[j] == s + 1]
            if held:
                job = (held[0], ends[k + 1] + 1)
                break
        if not job and len(trained) == len(curves) and epochs not in trained:
            for k in reversed(range(len(steps))):
                s = steps[k]
                held = sorted((j for j in range(len(trained)) if trained[j] == s + 1), key=lambda j: (-curves[j][1][s], j))
                if held:
                    job = (held[0], ends[k + 1] + 1)
                    break
        if job:
            trained[job[0]] = job[1]
        elif len(trained) < len(curves):
            trained.append(ends[0] + 1)
        else:
            return trained


def budgeted(curves, epochs, rf, r0, budget):
    """ASHA with an epoch budget (tune --max-total-epochs; bench/tuning's asha@N), step by step as one worker runs
    it (Study.promotion): a trial starts, or is promoted, only if the budget can finish it; a trial reaching a rung
    runs on if it is among the best floor(n / rf) there, else it is held; the free worker first promotes the best
    held trial of the highest rung that is among the best there, else starts a new trial, else (no new trial may
    start) promotes the best held trial of the highest rung, whatever its rank, that the budget can finish."""
    steps = rung_steps(epochs, rf, r0)
    trained, held = [], set()

    def ranked(k):
        return sorted((j for j in range(len(trained)) if trained[j] > steps[k]), key=lambda j: (-curves[j][1][steps[k]], j))

    def run(j):
        while trained[j] < epochs:
            trained[j] += 1
            if trained[j] - 1 in steps and trained[j] < epochs:
                k = steps.index(trained[j] - 1)
                best = ranked(k)
                if j not in best[:len(best) // rf]:
                    held.add(j)
                    return

    def first_held(room, top_only):
        """AshaPruner.firstHeld: the best held trial the budget can finish, the highest rung first; only among the
        best floor(n / rf) of its rung if top_only."""
        for k in reversed(range(len(steps))):
            best = ranked(k)
            for j in best[:len(best) // rf] if top_only else best:
                if j in held and trained[j] == steps[k] + 1 and epochs - trained[j] <= room:
                    return j
        return None

    while sum(trained) < budget:
        room = budget - sum(trained)
        job = first_held(room, True)
        if job is None and len(trained) < len(curves) and epochs <= room:
            trained.append(0)
            job = len(trained) - 1
        elif job is None:
            job = first_held(room, False)
            if job is None:
                break
        held.discard(job)
        run(job)
    return trained


def best_value(curves):
    """Random search's best: the highest value any trial reached at any epoch."""
    return max(max(c) for _, c in curves)


def completed_best(curves, trained, epochs):
    """The best value among trials trained to the last epoch: what the experiment reports (COMPLETE trials only)."""
    return max((max(curves[j][1]) for j, n in enumerate(trained) if n == epochs), default=float("nan"))


def estimate(pool, trials, rf=3, r0=1, draws=2000, seed=1):
    """Share of `draws` random N-trial experiments (curves drawn without replacement from the pool) in which ASHA
    with promotions (by default rf 3, first rung after 1 epoch: bench/tuning's `asha`) reaches random search's
    best, and in which it also uses at most a third of random search's epochs."""
    if trials > len(pool):
        sys.exit(f"--trials {trials} is more than the {len(pool)} pooled curves")
    epochs = len(pool[0][1])
    rng = random.Random(seed)
    reached = within = filled = 0
    shares, shortfalls = [], []
    budget = trials * epochs // 3   # asha@N: with fewer than 3 trials, less than one trial, which tune refuses
    if budget < epochs:
        sys.exit(f"--trials {trials}: a third of the epochs ({budget}) is less than one trial ({epochs}); use 3 or more")
    for _ in range(draws):
        curves = rng.sample(pool, trials)
        trained = promoting(curves, epochs, rf, r0)
        share = sum(trained) / (trials * epochs)
        ok = completed_best(curves, trained, epochs) >= best_value(curves)
        reached += ok
        within += ok and share <= 1 / 3
        shares.append(share)
        short = best_value(curves) - completed_best(curves, budgeted(curves, epochs, rf, r0, budget), epochs)
        filled += short <= 0
        shortfalls.append(100 * short)   # in points of the objective (accuracy: percentage points)
    shares.sort()
    print(f"{trials} trials drawn from {len(pool)} pooled curves, {draws} draws, rf={rf} min_resource={r0}: "
          f"ASHA reached random search's best in "
          f"{100 * reached / draws:.1f} %, and within a third of its epochs in {100 * within / draws:.1f} %; "
          f"epochs used: median {100 * shares[draws // 2]:.1f} %, 90th percentile {100 * shares[draws * 9 // 10]:.1f} %; "
          f"given a budget of a third of the epochs (asha@{budget}), it reached random search's best in "
          f"{100 * filled / draws:.1f} %, within 0.5 points of it in "
          f"{100 * sum(x <= 0.5 + 1e-9 for x in shortfalls) / draws:.1f} % and within 2 points in "
          f"{100 * sum(x <= 2 + 1e-9 for x in shortfalls) / draws:.1f} % (worst: {max(shortfalls):.2f} points short)")


def stage_bound(pool, trials, draws=2000, seed=1):
    """An upper bound for successive halving on these curves: among every schedule "train all trials E1 epochs,
    the best K1 (by their epoch-E1 value) on to E2, the best K2 of those (by their epoch-E2 value) to the end" that
    fits in a third of random search's epochs, the share of draws the best schedule, chosen afterwards on these very
    draws, reaches random search's best in. It is a ceiling for fixed schedules of that shape (rungs after 1 and 3
    epochs keeping a third are one), chosen with hindsight; an adaptive rule that varies K per draw is not bound by it.

    Fast enough in pure Python because, for fixed E1 and E2, one pass over the epoch-E1 order gives for every K1 the
    smallest K2 that still keeps a best trial: `need[K1]`."""
    epochs = len(pool[0][1])
    budget = trials * epochs // 3
    rng = random.Random(seed)
    samples = [rng.sample(pool, trials) for _ in range(draws)]
    big = trials + 1                                  # "no K2 keeps a best trial"
    counts = {}                                       # (E1, E2, K1) -> [draws whose need is K2] by K2
    for curves in samples:
        top = max(max(c) for _, c in curves)
        bests = [j for j, (_, c) in enumerate(curves) if max(c) >= top]
        for e1 in range(1, epochs):
            order1 = sorted(range(trials), key=lambda j: (-curves[j][1][e1 - 1], j))
            for e2 in range(e1, epochs):
                key2 = [(-curves[j][1][e2 - 1], j) for j in range(trials)]
                need = [big] * (trials + 1)
                for b in bests:
                    ahead, kept = 0, False        # trials in the first K1 that rank above b at E2; is b among them
                    for k1, j in enumerate(order1, start=1):
                        if j == b:
                            kept = True
                        elif key2[j] < key2[b]:
                            ahead += 1
                        if kept:
                            need[k1] = min(need[k1], ahead + 1)
                for k1 in range(1, trials + 1):
                    if need[k1] <= trials:
                        counts.setdefault((e1, e2, k1), [0] * (trials + 1))[need[k1]] += 1
    best = (0, None)
    for (e1, e2, k1), by_need in counts.items():
        reached = 0
        for k2 in range(1, k1 + 1):
            reached += by_need[k2]
            cost = trials * e1 + k1 * (e2 - e1) + k2 * (epochs - e2)
            if cost <= budget and (e1 < e2 or k2 == k1) and reached > best[0]:
                best = (reached, (e1, k1, e2, k2, cost))
    reached, (e1, k1, e2, k2, cost) = best
    print(f"{trials} trials drawn from {len(pool)} pooled curves, {draws} draws: the best three-stage schedule within "
          f"a third of the epochs ({budget}), chosen on these draws, reached random search's best in "
          f"{100 * reached / draws:.1f} %: all trials {e1} epoch(s), the best {k1} to {e2}, the best {k2} of those "
          f"to {epochs} ({cost} epochs)")


def main():
    parser = argparse.ArgumentParser(description="Replay bench/tuning's random-search curves through ASHA.",
                                     usage="asha_replay.py OUTPUT | asha_replay.py --trials N [--rf R] "
                                           "[--min-resource E] [--bound] OUTPUT...")
    parser.add_argument("outputs", nargs="+", help="saved outputs of bench/tuning --curves true")
    parser.add_argument("--trials", type=int, help="estimate over random N-trial draws from the pooled curves")
    parser.add_argument("--rf", type=int, default=3, help="reduction factor for --trials (default 3)")
    parser.add_argument("--min-resource", type=int, default=1, help="epochs before the first rung for --trials (default 1)")
    parser.add_argument("--bound", action="store_true",
                        help="with --trials: also the best three-stage schedule in hindsight (an upper bound, slow)")
    args = parser.parse_args()
    if args.bound and args.trials is None:
        sys.exit("--bound needs --trials N: it scores schedules over N-trial draws from the pooled curves")
    if args.trials is not None:
        if args.trials < 1 or args.rf < 2 or args.min_resource < 1:
            sys.exit("--trials and --min-resource take at least 1, --rf at least 2")
        outputs = {path: read(path) for path in args.outputs}
        settings = {path: bench_settings(path, lines) for path, lines in outputs.items()}
        if len(set(settings.values())) > 1:
            sys.exit("the outputs ran different bench settings; pool only runs that differ in --seed and --trials alone:\n"
                     + "\n".join(f"  {path}: {s}" for path, s in settings.items()))
        pool = [c for path, lines in outputs.items() for c in load(path, lines)]
        estimate(pool, args.trials, args.rf, args.min_resource)
        if args.bound:
            stage_bound(pool, args.trials)
        return
    if len(args.outputs) > 1:
        sys.exit("one output at a time without --trials")
    curves = load(args.outputs[0], read(args.outputs[0]))
    epochs = len(curves[0][1])
    best = best_value(curves)
    total = len(curves) * epochs
    print(f"{len(curves)} trials x {epochs} epochs; random search's best {best:.4f}\n")
    print(f"{'variant':34s} {'epochs':>14s} {'complete':>8s} {'best':>7s}")
    for rf in (3, 4):
        for r0 in (1, 2):
            third = (f"asha@{total // 3}", lambda c, e, rf, r0: budgeted(c, e, rf, r0, total // 3))
            for name, replay in (("asha-optuna", decide_on_arrival), ("asha", promoting), third):
                trained = replay(curves, epochs, rf, r0)
                done = [j for j, n in enumerate(trained) if n == epochs]
                got = completed_best(curves, trained, epochs)
                print(f"{name + f' rf={rf} min_resource={r0}':34s} {sum(trained):5d} ({100 * sum(trained) / total:5.1f} %)"
                      f" {len(done):8d} {got:7.4f} {'reached' if got >= best else 'missed'}")


if __name__ == "__main__":
    main()
