"""The demo clinic: a deterministic, fictional practice generated with vectorised NumPy.

Every table is built as whole columns (one NumPy array per column, ragged groups expanded
with `np.repeat`), then inserted with one `INSERT INTO t SELECT ... FROM frame` per table;
the text ids are assembled by DuckDB from integer columns (`analytics/sql/demo.sql`). No
Python loop runs over rows, so the clinic (150 clients) and the health-system scale
(50,000 clients, ~5 million check-ins) share one code path. Same seed, same contents:
all randomness comes from one `numpy.random.default_rng(seed)`, never from DuckDB, and
no date depends on today. See docs/demo-clinic.md for what the demo contains.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analytics.db import Database
from analytics.derived import refresh as refresh_derived
from analytics.derived_progress import refresh_progress
from analytics.errors import WaymarkError
from analytics.schema import NEW_DATA_VERSION

Progress = Callable[[float, str], None]

DEFAULT_END = dt.date(2026, 11, 20)
EPOCH = dt.date(1970, 1, 1)
DAY_KEY = 1 << 20  # client * DAY_KEY + day sorts by client, then day (days < 2**20)
TARGET_HORIZON = 91  # goals are set for about three months

# Tables the demo fills, in insertion order; `--replace` empties exactly these.
DEMO_TABLES: tuple[str, ...] = (
    "practitioners",
    "clients",
    "sessions",
    "goals",
    "goal_events",
    "goal_checkins",
    "coping_skills",
    "coping_logs",
)


class DemoDataExists(WaymarkError):
    """The target database already holds clinical data."""

    title = "The database already has data"


@dataclass(frozen=True)
class ScaleConfig:
    """How big the demo is; every other number is drawn from the seeded generator."""

    supervisors: int
    therapists: int
    clients: int
    window_days: int  # intakes are spread over this many days before `end`
    extra_goal_chains: float  # mean number of goal chains after the first, per client
    sessions_scale: float  # multiplies the planned therapy length
    app_checkins_per_week: float  # between-session self-reports per goal and week
    practice_per_week: float  # mean coping-skill logs per week for a practising client


SCALES: dict[str, ScaleConfig] = {
    "clinic": ScaleConfig(2, 8, 150, 330, 2.5, 1.3, 6.5, 2.5),
    "system": ScaleConfig(100, 900, 50_000, 540, 4.05, 1.6, 1.76, 16.4),
}

# ---------------------------------------------------------------- fixed catalogues
FIRST_NAMES = [
    "Amara",
    "Bruno",
    "Celia",
    "Dario",
    "Elin",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kaia",
    "Levi",
    "Mira",
    "Nils",
    "Oona",
    "Pavel",
    "Quinn",
    "Rosa",
    "Soren",
    "Talia",
    "Umar",
    "Vera",
    "Wes",
    "Xenia",
    "Yusuf",
    "Zora",
    "Ada",
    "Bram",
    "Clio",
    "Dev",
    "Edda",
    "Finn",
    "Gaia",
    "Hana",
    "Ivo",
    "Juno",
    "Kit",
    "Lena",
    "Milo",
    "Noor",
]
LAST_NAMES = [
    "Ashdown",
    "Brightwater",
    "Calloway",
    "Dunmore",
    "Ellery",
    "Fairbank",
    "Galloway",
    "Hartwell",
    "Ingram",
    "Jessop",
    "Kettering",
    "Larkin",
    "Merriweather",
    "Northcott",
    "Oakhurst",
    "Pemberton",
    "Quayle",
    "Ravensworth",
    "Stirling",
    "Thornbury",
    "Underhill",
    "Vance",
    "Westbrook",
    "Yardley",
    "Ashcombe",
    "Birchall",
    "Colfax",
    "Drummond",
    "Elwood",
    "Fenwick",
    "Gresham",
    "Holloway",
    "Ivers",
    "Juniper",
    "Kingsley",
    "Lockhart",
    "Marlow",
    "Nettleton",
    "Ormsby",
    "Prescott",
]

# Measures: (code, scale_min, scale_max, higher_is_better, reliable-change threshold).
# Thresholds: PHQ-9 6 points and GAD-7 4 points (Jacobson & Truax reliable change as
# commonly applied in IAPT outcome reporting); 3 points on a 0-10 self-rating; 2 GAS levels.
MEASURES = (
    ("self-rated-0-10", 0, 10, True, 3),
    ("gas", -2, 2, True, 2),
    ("phq-9", 0, 27, False, 6),
    ("gad-7", 0, 21, False, 4),
)
SELF, GAS, PHQ, GAD = range(4)

EXPLORE = "figure out what I want from therapy"
# Life area -> probability of each measure (self-rated, GAS, PHQ-9, GAD-7).
AREAS: dict[str, tuple[float, float, float, float]] = {
    "stress at work": (0.45, 0.30, 0.0, 0.25),
    "low self-esteem": (0.6, 0.4, 0.0, 0.0),
    "managing depression": (0.25, 0.15, 0.6, 0.0),
    "social anxiety": (0.35, 0.30, 0.0, 0.35),
    "feeling overwhelmed": (0.45, 0.25, 0.0, 0.30),
    "work-life boundaries": (0.5, 0.5, 0.0, 0.0),
    "OCD intrusive thoughts": (0.5, 0.5, 0.0, 0.0),
    "postpartum depression": (0.3, 0.1, 0.6, 0.0),
    EXPLORE: (1.0, 0.0, 0.0, 0.0),
}
AREA_NAMES = tuple(AREAS)
EXPLORE_AREA = AREA_NAMES.index(EXPLORE)
CONCRETE_AREA_WEIGHTS = np.array([0.16, 0.13, 0.16, 0.13, 0.13, 0.1, 0.08, 0.11, 0.0])

# Goal descriptions: (area, pool, text); pool "first" for a new goal, "revised" for the
# more specific goal a revision produces, "phq-9"/"gad-7" when that questionnaire measures it.
DESCRIPTIONS: tuple[tuple[str, str, str], ...] = (
    ("stress at work", "first", "Notice early signs of work stress and take a short break before it builds"),
    ("stress at work", "first", "Leave work on time four days a week without checking email afterwards"),
    ("stress at work", "first", "Raise workload concerns with my manager instead of absorbing them"),
    ("stress at work", "first", "Wind down after 21:00 on work nights so I sleep at least six hours"),
    ("stress at work", "revised", "Use a two-minute breathing break before the weekly team meeting"),
    ("stress at work", "revised", "Block one focused hour each morning and decline meetings in it"),
    ("stress at work", "gad-7", "Bring work-related anxiety (GAD-7) down to the mild range"),
    ("low self-esteem", "first", "Catch self-critical thoughts and write one balanced alternative a day"),
    ("low self-esteem", "first", "Accept a compliment without dismissing it"),
    ("low self-esteem", "first", "Share my opinion at least once in each team or family discussion"),
    ("low self-esteem", "first", "Do one thing a week just because I enjoy it, without earning it first"),
    ("low self-esteem", "revised", "Write down three things I handled well at the end of each week"),
    ("low self-esteem", "revised", "Notice the 'I'm useless' thought and name it as a thought"),
    ("managing depression", "first", "Get up by 08:30 on weekdays and plan one activity for the morning"),
    ("managing depression", "first", "Reconnect with one friend or family member each week"),
    ("managing depression", "first", "Return to a hobby I dropped (cycling, choir, painting) twice a week"),
    ("managing depression", "revised", "Take a 20-minute walk on at least five days a week"),
    (
        "managing depression",
        "revised",
        "Schedule one small pleasant activity a day and rate my mood after it",
    ),
    ("managing depression", "phq-9", "Reduce depressive symptoms (PHQ-9) to the mild range"),
    ("managing depression", "phq-9", "Lift low mood so work and home feel manageable again (PHQ-9)"),
    ("social anxiety", "first", "Speak up at least once in the weekly team meeting"),
    ("social anxiety", "first", "Go to a social event and stay for at least 30 minutes"),
    ("social anxiety", "first", "Make the phone calls I have been avoiding instead of emailing"),
    ("social anxiety", "first", "Drop safety behaviours (rehearsing, avoiding eye contact) in conversations"),
    ("social anxiety", "revised", "Order at the counter and make small talk once a week"),
    ("social anxiety", "revised", "Ask one question in a group setting each week"),
    ("social anxiety", "gad-7", "Lower anxiety in social situations (GAD-7) to the mild range"),
    ("feeling overwhelmed", "first", "Break big tasks into steps and finish one step a day"),
    ("feeling overwhelmed", "first", "Feel less overwhelmed by household and admin tasks"),
    ("feeling overwhelmed", "first", "Keep a weekly plan and review it every Sunday"),
    ("feeling overwhelmed", "first", "Ask for help with one task a week instead of doing everything myself"),
    ("feeling overwhelmed", "revised", "Spend 15 minutes each morning choosing the day's top three tasks"),
    ("feeling overwhelmed", "revised", "Say no to one new request a week"),
    ("feeling overwhelmed", "gad-7", "Feel less on edge day to day: GAD-7 in the mild range"),
    ("work-life boundaries", "first", "Keep evenings and weekends free from work messages"),
    ("work-life boundaries", "first", "Take my full lunch break away from my desk"),
    ("work-life boundaries", "first", "Say no to extra shifts when I am already at my limit"),
    ("work-life boundaries", "first", "Protect two evenings a week for family time"),
    ("work-life boundaries", "revised", "Turn off work notifications on my phone at 18:30"),
    ("work-life boundaries", "revised", "Agree a clear finishing time with my manager"),
    (
        "OCD intrusive thoughts",
        "first",
        "Let intrusive thoughts pass without neutralising or seeking reassurance",
    ),
    ("OCD intrusive thoughts", "first", "Check the door and stove only once before leaving"),
    ("OCD intrusive thoughts", "first", "Cut time spent on rituals to under 30 minutes a day"),
    ("OCD intrusive thoughts", "first", "Stop asking my partner for reassurance about intrusive thoughts"),
    ("OCD intrusive thoughts", "revised", "Work through the next step of my exposure hierarchy each week"),
    ("OCD intrusive thoughts", "revised", "Delay a compulsion by ten minutes and note what happens"),
    ("postpartum depression", "first", "Accept help with night feeds twice a week so I can sleep"),
    ("postpartum depression", "first", "Go to a parent-and-baby group once a week"),
    ("postpartum depression", "first", "Spend ten minutes a day on something just for me"),
    ("postpartum depression", "revised", "Tell my partner or health visitor when I have a very low day"),
    ("postpartum depression", "revised", "Take the pram out for a walk on most days"),
    ("postpartum depression", "phq-9", "Reduce postnatal low mood (PHQ-9) to the mild range"),
    (EXPLORE, "first", "Figure out what I want from therapy"),
    (EXPLORE, "first", "Figure out what I want from therapy and agree two or three goals"),
    (EXPLORE, "first", "Explore what is not working right now and what I want to be different"),
)

# Coping skills: (id, name, category, typical share of SUDS relieved).
SKILLS = (
    ("sk-box-breathing", "box breathing", "breathing", 0.34),
    ("sk-paced-breathing", "paced breathing", "breathing", 0.30),
    ("sk-grounding-54321", "grounding 5-4-3-2-1", "grounding", 0.36),
    ("sk-mindful-observation", "mindful observation", "mindfulness", 0.22),
    ("sk-cognitive-reframing", "cognitive reframing", "cognitive", 0.28),
    ("sk-thought-record", "thought record", "cognitive", 0.25),
    ("sk-worry-time", "worry time", "cognitive", 0.20),
    ("sk-ba-walk", "behavioural activation walk", "behavioural activation", 0.32),
    ("sk-pleasant-activity", "pleasant activity scheduling", "behavioural activation", 0.24),
    ("sk-opposite-action", "opposite action", "emotion regulation", 0.26),
    ("sk-self-compassion", "self-compassion break", "self-compassion", 0.27),
    ("sk-pmr", "progressive muscle relaxation", "relaxation", 0.38),
    ("sk-exposure-step", "exposure step", "exposure", 0.15),
    ("sk-urge-surfing", "urge surfing", "mindfulness", 0.21),
    ("sk-cold-water", "TIPP cold water", "distress tolerance", 0.40),
)

# Goal scenarios: the shape of progress and how the goal ends (docs/demo-clinic.md).
SCENARIOS = (
    "gradual-achieved",
    "achieved-sustaining",
    "slip-after-achievement",
    "setback-recovery",
    "plateau-revised",
    "sudden-gain",
    "sudden-loss",
    "no-longer-relevant",
    "on-hold",
    "gradual-open",
    "exploratory",
)
(A_GRAD, B_SUST, C_SLIP, D_SETB, E_PLAT, F_GAIN, G_LOSS, H_IRREL, I_HOLD, K_OPEN, J_EXPL) = range(
    len(SCENARIOS)
)
CONCRETE_WEIGHTS = np.array([0.17, 0.12, 0.09, 0.14, 0.12, 0.09, 0.08, 0.07, 0.08, 0.04, 0.0])
CHILD_WEIGHTS = np.array([0.24, 0.16, 0.08, 0.14, 0.04, 0.1, 0.06, 0.04, 0.06, 0.08, 0.0])
ACHIEVING = np.array([s in (A_GRAD, B_SUST, C_SLIP, F_GAIN, K_OPEN) for s in range(len(SCENARIOS))])

LIFECYCLE = ("active", "on-hold", "completed", "cancelled")
ACHIEVEMENT = (
    "in-progress",
    "improving",
    "worsening",
    "no-change",
    "achieved",
    "sustaining",
    "not-achieved",
    "no-progress",
)
EVENT_NOTES: dict[str, tuple[str, ...]] = {
    "start": (
        "Goal agreed with the client at session; baseline rated.",
        "Co-written with the client; baseline and three-month target set.",
        "Agreed after reviewing the formulation together.",
    ),
    "review": (
        "Reviewed at session.",
        "Progress reviewed with the client against the baseline.",
        "Six-week review.",
    ),
    "hold": (
        "On hold while the client is on leave.",
        "Paused: the client is caring for a relative for a few weeks.",
        "On hold during a house move; other goals continue.",
    ),
    "resume": ("Resumed after the break.", "Back on the agenda; plan unchanged."),
    "achieved": ("Target reached.", "Target reached; client pleased with the change."),
    "sustaining": (
        "Holding at target for more than four weeks.",
        "Maintaining the gains; relapse-prevention plan written.",
    ),
    "worsening": (
        "Slipping since the target was reached; early-warning signs reviewed.",
        "Old patterns returning after a stressful month; plan refreshed.",
    ),
    "completed": ("Completed: target reached and held.", "Completed; client feels able to continue alone."),
    "completed-sustaining": ("Completed while sustaining; moving to fortnightly check-ins elsewhere.",),
    "revised-plateau": (
        "revised: progress plateaued, refocused into a more specific goal.",
        "revised: split into a smaller, more concrete step.",
    ),
    "revised-explore": (
        "revised: exploration done, the client chose specific goals.",
        "revised: agreed what matters most; replaced by a concrete goal.",
    ),
    "cancelled": (
        "Cancelled: no longer relevant after a change of job.",
        "Cancelled: no longer relevant; the situation resolved itself.",
        "Cancelled: no longer relevant since the client moved house.",
    ),
    "discharge": ("Closed at discharge.", "Closed at the final session."),
}
EVENT_KINDS = tuple(EVENT_NOTES)
CHECKIN_NOTES = {
    "better": (
        "Used the plan three times this week and noticed the difference.",
        "Good fortnight; managed it even on a busy day.",
        "Client surprised by how much easier it felt.",
    ),
    "worse": (
        "Hard week after a family argument.",
        "Slept badly; old habits came back for a few days.",
        "Setback after a difficult shift; reviewed what happened.",
    ),
    "same": (
        "Steady; no big change this week.",
        "Busy week, kept going with the plan.",
        "Hard to tell; rated cautiously.",
    ),
}
LOG_NOTES = (
    "After a tense call with a colleague.",
    "On the bus, before work.",
    "Woke early with racing thoughts.",
    "Before the team meeting.",
    "During a night feed.",
    "After the urge to check again.",
    "Sunday evening worry about the week.",
    "Supermarket queue felt too much.",
)


# ---------------------------------------------------------------- helpers
def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Owner index and 0-based ordinal within the owner, for counts[i] rows per owner."""
    counts = np.asarray(counts, dtype=np.int64)
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - np.repeat(starts, counts)


def _group_first(owner: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per owner (rows sorted by owner, then time): the first `values` where mask, else -1."""
    out = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(mask)
    # Reverse assignment: the earliest row of each owner is written last and wins.
    out[owner[idx][::-1]] = values[idx][::-1]
    return out


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(p.size, size=size, p=p / p.sum())


def _pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row, row i drawn with probabilities probs[i]."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return (u[:, None] >= cum).sum(axis=1)


def _pool_choice(rng: np.random.Generator, offsets: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    return offsets + np.floor(rng.random(offsets.size) * sizes).astype(np.int64)


def _categorical(codes: np.ndarray, categories: tuple[str, ...] | list[str]) -> pa.DictionaryArray:
    """Text from a small vocabulary by code (-1 = NULL), without building millions of strings."""
    codes = np.asarray(codes, dtype=np.int32)
    indices = pa.array(codes, mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(categories), type=pa.string()))


class _Snap:
    """Find a client's first attended session on or after a day (vectorised)."""

    def __init__(self, client: np.ndarray, day: np.ndarray) -> None:
        self.client = client
        self.day = day
        self.key = client.astype(np.int64) * DAY_KEY + day

    def on_or_after(self, client: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Day of that session, or -1 when the client has none left."""
        i = np.searchsorted(self.key, client.astype(np.int64) * DAY_KEY + day, side="left")
        ok = i < self.key.size
        i = np.minimum(i, self.key.size - 1)
        ok &= self.client[i] == client
        return np.where(ok, self.day[i], -1)


# ---------------------------------------------------------------- generation
def _profiles(cfg: ScaleConfig) -> np.ndarray:
    """Diligence profile per practitioner: 0 diligent, 1 rare check-ins, 2 late goals.

    Every 8th therapist from the 4th rarely records check-ins; every 8th from the 7th often
    sets the first goal late (in the clinic: prac-06 and prac-09).
    """
    ther = np.arange(cfg.therapists)
    return np.r_[np.zeros(cfg.supervisors, int), np.where(ther % 8 == 3, 1, np.where(ther % 8 == 6, 2, 0))]


def low_diligence_practitioners(scale: str = "clinic") -> dict[str, list[str]]:
    """Practitioner ids of the two low-diligence profiles at a scale (same for every seed)."""
    cfg = SCALES[scale]
    profile = _profiles(cfg)
    width = max(2, len(str(profile.size)))
    ids = [f"prac-{n:0{width}d}" for n in range(1, profile.size + 1)]
    return {
        "rare-checkins": [ids[i] for i in np.flatnonzero(profile == 1)],
        "late-goals": [ids[i] for i in np.flatnonzero(profile == 2)],
    }


def _practitioners(rng: np.random.Generator, cfg: ScaleConfig) -> dict[str, np.ndarray]:
    n_sup, n_ther = cfg.supervisors, cfg.therapists
    n = n_sup + n_ther
    combo = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), size=n, replace=False)
    first, last = combo // len(LAST_NAMES), combo % len(LAST_NAMES)
    role = np.r_[np.zeros(n_sup, int), np.ones(n_ther, int)]  # 0 supervisor, 1 therapist
    ther = np.arange(n_ther)
    supervisor = np.r_[np.full(n_sup, -1), ther * n_sup // n_ther]
    profile = _profiles(cfg)
    checkin_rate = np.where(profile == 1, rng.uniform(0.15, 0.25, n), rng.uniform(0.82, 0.96, n))
    late_goal = np.where(profile == 2, rng.uniform(0.45, 0.55, n), rng.uniform(0.0, 0.03, n))
    return {
        "no": np.arange(1, n + 1),
        "first": first,
        "last": last,
        "role": role,
        "supervisor": supervisor,
        "profile": profile,
        "checkin_rate": checkin_rate,
        "late_goal": late_goal,
    }


def _clients(rng: np.random.Generator, cfg: ScaleConfig, prac: dict, end: int) -> dict[str, np.ndarray]:
    n = cfg.clients
    intake = np.sort(end - rng.integers(21, cfg.window_days + 1, n))
    # Supervisors carry a small caseload; quotas make the split exact for every seed.
    weight = np.where(prac["role"] == 0, 0.25, 1.0)
    share = weight / weight.sum() * n
    quota = np.floor(share).astype(int)
    quota[np.argsort(-(share - quota), kind="stable")[: n - quota.sum()]] += 1
    practitioner = rng.permutation(np.repeat(np.arange(weight.size), quota))
    cadence = np.where(rng.random(n) < 0.7, 7, 14)
    dropout = rng.random(n) < 0.1
    planned = np.where(
        dropout,
        rng.integers(3, 7, n),
        np.round((6 + rng.gamma(2.0, 8.0, n)) * cfg.sessions_scale / np.where(cadence == 14, 1.6, 1.0)),
    ).astype(int)
    planned = np.maximum(planned, 3)
    discharge = intake + (planned - 1) * cadence
    discharged = discharge <= end - 7
    n_sessions = np.where(discharged, planned, (end - intake) // cadence + 1)
    letters = rng.choice(24 * 24 * 9000, size=n, replace=False)
    return {
        "no": np.arange(1, n + 1),
        "practitioner": practitioner,
        "intake": intake,
        "discharged": discharged,
        "discharge": np.where(discharged, discharge, -1),
        "last_day": np.where(discharged, discharge, end),
        "cadence": cadence,
        "n_sessions": n_sessions,
        "miss": rng.beta(1.5, 12.0, n),
        "code": letters,
    }


def _sessions(rng: np.random.Generator, cl: dict, prac: dict, end: int) -> dict[str, np.ndarray]:
    owner, k = _expand(cl["n_sessions"])
    last = k == cl["n_sessions"][owner] - 1
    fixed = (k == 0) | (last & cl["discharged"][owner])
    jitter = np.where(fixed, 0, rng.integers(-1, 3, owner.size))
    day = np.minimum(cl["intake"][owner] + k * cl["cadence"][owner] + jitter, end)
    attended = fixed | (rng.random(owner.size) >= cl["miss"][owner])
    kind = np.where(k == 0, 0, np.where(last & cl["discharged"][owner], 3, np.where(k % 12 == 0, 2, 1)))
    p = cl["practitioner"][owner]
    # Whether this session's goals were followed up: the practitioner's diligence.
    recorded = rng.random(owner.size) < prac["checkin_rate"][p]
    return {
        "client": owner,
        "seq": k + 1,
        "day": day,
        "attended": attended,
        "kind": kind,
        "recorded": recorded,
    }


def _goal_batch(
    rng: np.random.Generator,
    client: np.ndarray,
    start: np.ndarray,
    scenario: np.ndarray,
    area: np.ndarray,
    revised: np.ndarray,
    parent: np.ndarray,
    generation: int,
) -> dict[str, np.ndarray]:
    """Measures, baselines, targets and trajectory parameters for a batch of goals."""
    n = client.size
    probs = np.array([AREAS[a] for a in AREA_NAMES])[area]
    measure = _pick_rows(rng, probs)
    baseline = np.select(
        [measure == SELF, measure == GAS, measure == PHQ],
        [rng.integers(1, 4, n), np.where(rng.random(n) < 0.65, -2, -1), rng.integers(12, 23, n)],
        rng.integers(10, 19, n),
    )
    target = np.select(
        [measure == SELF, measure == GAS, measure == PHQ],
        [rng.integers(7, 9, n), np.zeros(n, int), np.minimum(rng.integers(5, 9, n), baseline - 6)],
        np.minimum(rng.integers(5, 8, n), baseline - 4),
    )
    # Descriptions: questionnaire goals use their own wording; revisions the specific pool.
    pool = np.where(measure == PHQ, 2, np.where(measure == GAD, 3, np.where(revised, 1, 0)))
    offsets, sizes = _DESC_INDEX
    description = _pool_choice(rng, offsets[area, pool], sizes[area, pool])
    tr = rng.uniform(0.5, 1.1, n)  # time to reach the target, in 3-month units
    close_after = np.select(
        [
            scenario == A_GRAD,
            (scenario == B_SUST) & (rng.random(n) < 0.5),
            scenario == E_PLAT,
            scenario == H_IRREL,
            scenario == J_EXPL,
        ],
        [
            tr * TARGET_HORIZON + rng.integers(14, 43, n),
            tr * TARGET_HORIZON + rng.integers(56, 121, n),
            rng.uniform(0.5, 1.0, n) * TARGET_HORIZON,
            rng.integers(21, 64, n),
            rng.integers(21, 50, n),
        ],
        -1,
    ).astype(np.int64)
    hold_start = np.where(scenario == I_HOLD, start + rng.integers(28, 57, n), -1)
    hold_end = np.where(scenario == I_HOLD, hold_start + rng.integers(28, 85, n), -1)
    return {
        "client": client,
        "start": start,
        "scenario": scenario,
        "area": area,
        "measure": measure,
        "baseline": baseline.astype(float),
        "target": target.astype(float),
        "description": description,
        "parent": parent,
        "generation": np.full(n, generation),
        "tr": tr,
        "close_after": close_after,
        "hold_start": hold_start,
        "hold_end": hold_end,
        "amax": rng.uniform(0.6, 0.9, n),
        "tau": rng.uniform(0.2, 0.5, n),
        "ts": rng.uniform(0.3, 0.7, n),
        "depth": rng.uniform(0.35, 0.6, n),
        "plateau": rng.uniform(0.2, 0.45, n),
        "plateau_at": rng.uniform(0.15, 0.35, n),
        "tj": rng.uniform(0.25, 0.7, n),
        "slip_at": rng.uniform(0.15, 0.35, n),
        "jump_extra": rng.integers(0, 2, n),
    }


def _desc_index() -> tuple[np.ndarray, np.ndarray]:
    pools = ("first", "revised", "phq-9", "gad-7")
    offsets = np.zeros((len(AREA_NAMES), len(pools)), dtype=np.int64)
    sizes = np.zeros_like(offsets)
    for a, area in enumerate(AREA_NAMES):
        for p, pool in enumerate(pools):
            rows = [i for i, (ar, po, _) in enumerate(DESCRIPTIONS) if ar == area and po == pool]
            if not rows and pool == "revised":
                rows = [i for i, (ar, po, _) in enumerate(DESCRIPTIONS) if ar == area and po == "first"]
            if rows:
                offsets[a, p], sizes[a, p] = rows[0], len(rows)
    return offsets, sizes


_DESC_INDEX = _desc_index()


def _close(goals: dict, cl: dict, snap: _Snap) -> None:
    """Where each goal ends: a planned outcome at a session, discharge, or still open."""
    planned = np.where(
        goals["close_after"] >= 0,
        snap.on_or_after(goals["client"], goals["start"] + np.maximum(goals["close_after"], 1)),
        -1,
    )
    discharged = cl["discharged"][goals["client"]]
    discharge = cl["discharge"][goals["client"]]
    kind = np.where(planned >= 0, 1, np.where(discharged, 2, 0))  # 1 planned, 2 discharge, 0 open
    goals["close_kind"] = kind
    goals["close_day"] = np.where(kind == 1, planned, np.where(kind == 2, discharge, -1))
    goals["end_day"] = np.where(kind > 0, goals["close_day"], cl["last_day"][goals["client"]])


def _concat(batches: list[dict]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def _goals(rng: np.random.Generator, cfg: ScaleConfig, cl: dict, prac: dict, att: dict, snap: _Snap) -> dict:
    n_c = cl["no"].size
    # The first goal: normally at the intake or one of the next two attended sessions;
    # late-goal practitioners often wait until the 4th-8th (or never get there).
    # Late clients are a quota per practitioner (the lowest random ranks), so a small
    # caseload still shows its practitioner's habit whatever the seed.
    p = cl["practitioner"]
    order = np.lexsort((rng.random(n_c), p))
    per_prac = np.bincount(p, minlength=prac["no"].size)
    rank = np.empty(n_c, dtype=np.int64)
    rank[order] = _expand(per_prac)[1]
    late = rank < np.rint(prac["late_goal"] * per_prac)[p]
    timely = np.minimum(_pick(rng, np.array([0.35, 0.45, 0.2]), n_c), np.maximum(att["count"] - 2, 0))
    ordinal = np.where(late, rng.integers(3, 8, n_c), timely)
    has_goal = ordinal < att["count"]
    base = att["day"][np.minimum(att["first"] + ordinal, att["day"].size - 1)]
    chains = 1 + np.minimum(rng.poisson(cfg.extra_goal_chains, n_c), 6)
    owner, k = _expand(chains)
    gap = np.where(k == 0, 0, rng.integers(0, 71, owner.size))
    cum = np.cumsum(gap)
    cum -= np.repeat(cum[np.cumsum(chains) - chains] - gap[np.cumsum(chains) - chains], chains)
    explore = (k == 0) & (rng.random(owner.size) < 0.35)
    start = snap.on_or_after(owner, base[owner] + cum)
    # Nothing new is started in a discharged client's last fortnight (but the first goal
    # is kept up to the day before discharge, so early leavers still have one).
    latest = np.where(
        cl["discharged"][owner], cl["discharge"][owner] - np.where(k == 0, 1, 14), cl["last_day"][owner]
    )
    keep = has_goal[owner] & (start >= 0) & (start <= latest)
    owner, start, explore = owner[keep], start[keep], explore[keep]
    m = owner.size
    scenario = np.where(explore, J_EXPL, _pick(rng, CONCRETE_WEIGHTS, m))
    area = np.where(explore, EXPLORE_AREA, _pick(rng, CONCRETE_AREA_WEIGHTS, m))
    batch = _goal_batch(rng, owner, start, scenario, area, np.zeros(m, bool), np.full(m, -1), 0)
    _close(batch, cl, snap)
    batches, offset = [batch], 0
    # Revisions: a plateaued or exploratory goal closed at a session becomes a new goal,
    # started at that session (`revised_from_goal_id`). Loops over generations, not rows.
    for generation in (1, 2, 3):
        revising = np.isin(batch["scenario"], (E_PLAT, J_EXPL)) & (batch["close_kind"] == 1)
        c = batch["client"]
        revising &= np.where(cl["discharged"][c], batch["close_day"] <= cl["discharge"][c] - 14, True)
        idx = np.flatnonzero(revising)
        if idx.size == 0:
            break
        parent_area = batch["area"][idx]
        from_explore = batch["scenario"][idx] == J_EXPL
        area = np.where(from_explore, _pick(rng, CONCRETE_AREA_WEIGHTS, idx.size), parent_area)
        weights = CHILD_WEIGHTS.copy()
        if generation == 3:
            weights[E_PLAT] = 0.0
        scenario = _pick(rng, weights, idx.size)
        offset += batch["client"].size
        child = _goal_batch(
            rng,
            batch["client"][idx],
            batch["close_day"][idx],
            scenario,
            area,
            ~from_explore,
            offset - batch["client"].size + idx,
            generation,
        )
        _close(child, cl, snap)
        batches.append(child)
        batch = child
    goals = _concat(batches)
    # Goal numbers per client in order of start (then generation), for ids g-<client>-<n>.
    order = np.lexsort((goals["generation"], goals["start"], goals["client"]))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    goals = {k: v[order] for k, v in goals.items()}
    goals["parent"] = np.where(goals["parent"] >= 0, rank[np.maximum(goals["parent"], 0)], -1)
    counts = np.bincount(goals["client"], minlength=n_c)
    _, goals["ordinal"] = _expand(counts)
    goals["ordinal"] += 1
    goals["late"] = late
    return goals


def _values(
    rng: np.random.Generator, g: dict, gi: np.ndarray, day: np.ndarray, spell: np.ndarray
) -> np.ndarray:
    """Check-in values on each goal's own scale: trajectory by scenario, then noise.

    Rows with the same `spell` share one draw of noise: a client's daily self-ratings in one
    week of a goal move together (a good or a bad week), as daily ratings do, instead of
    jumping a point up and down from one day to the next.
    """
    t = (day - g["start"][gi]) / TARGET_HORIZON
    s = g["scenario"][gi]
    measure = g["measure"][gi]
    lo = np.array([m[1] for m in MEASURES])[measure]
    hi = np.array([m[2] for m in MEASURES])[measure]
    better = np.where(np.array([m[3] for m in MEASURES])[measure], 1.0, -1.0)
    threshold = np.array([m[4] for m in MEASURES])[measure]
    base, target = g["baseline"][gi], g["target"][gi]
    tj = g["tj"][gi]
    p = np.empty(t.size)
    slip = np.ones(t.size)
    # One pass per scenario over its own rows (a loop over 11 shapes, not over rows).
    for scenario in range(len(SCENARIOS)):
        i = np.flatnonzero(s == scenario)
        if i.size == 0:
            continue
        x, k = t[i], gi[i]
        if scenario in (A_GRAD, B_SUST, C_SLIP):
            tr_k = g["tr"][k]
            y = 1 - (1 - np.clip(x / tr_k, 0, 1)) ** 1.6
            if scenario == C_SLIP:
                m = measure[i]
                raw = np.where(m == GAS, 1, np.ceil(threshold[i] * 0.6)) + g["jump_extra"][k]
                ramp = np.clip((x - tr_k - g["slip_at"][k]) / 0.2, 0, 1)
                slip[i] = 1 - raw / np.abs(target[i] - base[i]) * ramp
                y = np.where(x < tr_k, y, slip[i])
        elif scenario == D_SETB:
            dip = g["depth"][k] * np.exp(-(((x - g["ts"][k]) / 0.12) ** 2))
            y = g["amax"][k] * (1 - np.exp(-x / g["tau"][k])) - dip
        elif scenario == E_PLAT:
            y = g["plateau"][k] * np.clip(x / g["plateau_at"][k], 0, 1)
        elif scenario == F_GAIN:
            y = 0.1 * np.minimum(x, tj[i]) + np.where(x >= tj[i], 0.25 * (x - tj[i]), 0)
        elif scenario == G_LOSS:
            y = 0.8 * np.clip(x / tj[i], 0, 1)
        elif scenario == H_IRREL:
            y = 0.1 * x
        elif scenario == I_HOLD:
            y = 0.6 * (1 - np.exp(-x / 0.5))
        elif scenario == J_EXPL:
            y = np.clip(x / 0.35, 0, 1)
        else:
            y = g["amax"][k] * (1 - np.exp(-x / g["tau"][k]))
        p[i] = y
    tr = g["tr"][gi]
    jumped = t >= tj
    value = base + p * (target - base)
    # Sudden gains and losses: a jump of at least the reliable-change threshold (plus a
    # margin for noise) between two check-ins, held for five weeks before any recovery.
    jump = np.where(measure == GAS, 2, threshold + 2)
    recovery = 1 - np.clip((t - tj - 0.4) / 0.6, 0, 0.7)
    value += np.where((s == F_GAIN) & jumped, better * jump, 0)
    value -= np.where((s == G_LOSS) & jumped, better * jump * recovery, 0)
    spells, which = np.unique(spell, return_inverse=True)
    noise = (_pick(rng, np.array([0.2, 0.6, 0.2]), spells.size) - 1)[which]
    noise = np.where(measure == GAS, 0, noise)
    # Once a goal is at target, noise only ever reads better, so "achieved" stays true.
    at_target = np.isin(s, (A_GRAD, B_SUST)) & (t >= tr) | (s == C_SLIP) & (t >= tr) & (slip >= 1)
    noise = np.where(at_target, np.abs(noise) * better, noise)
    return np.clip(np.rint(value + noise), lo, hi) + 0.0  # + 0.0 turns -0.0 into 0.0


def _checkins(rng: np.random.Generator, cfg: ScaleConfig, g: dict, att: dict, prac: dict, cl: dict) -> dict:
    key = att["key"]
    lo = np.searchsorted(key, g["client"].astype(np.int64) * DAY_KEY + g["start"], side="left")
    hi = np.searchsorted(key, g["client"].astype(np.int64) * DAY_KEY + g["end_day"], side="right")
    gi, k = _expand(np.maximum(hi - lo, 0))
    si = lo[gi] + k
    keep = att["recorded"][si] & (rng.random(gi.size) >= 0.04)
    # The session that sets a goal rates its baseline, however diligent the practitioner.
    keep |= att["day"][si] == g["start"][gi]
    gi, si = gi[keep], si[keep]
    # Between sessions, clients self-report in the app (session_id NULL), at most once a
    # goal and day: on each day strictly between a goal's start and its end, with a chance
    # of app_checkins_per_week / 7. Whether a client uses the app follows their therapist's
    # practice: one who rarely records check-ins rarely sets clients up with the app either
    # (the same share as their sessions).
    uses_app = rng.random(cl["no"].size) < prac["checkin_rate"][cl["practitioner"]]
    days = np.where(uses_app[g["client"]], np.maximum(g["end_day"] - g["start"] - 1, 0), 0)
    ai, k = _expand(days)
    picked = rng.random(ai.size, dtype=np.float32) < cfg.app_checkins_per_week / 7
    ai = ai[picked]
    app_day = g["start"][ai] + 1 + k[picked]
    del k, picked
    # PHQ-9 and GAD-7 ask about the last two weeks (Kroenke, Spitzer & Williams 2001; Spitzer
    # et al. 2006), so they are given session by session, as in the NHS Talking Therapies
    # manual, and the app offers one only in a week of the goal without a session rating of
    # it: once, on the first day that week the client opens the app. Goal ratings (0-10, GAS)
    # are the app's near-daily questions.
    week_key = ai.astype(np.int64) * 1024 + (app_day - g["start"][ai]) // 7
    at_session = gi.astype(np.int64) * 1024 + (att["day"][si] - g["start"][gi]) // 7
    first_that_week = np.r_[True, week_key[1:] != week_key[:-1]]
    questionnaire = np.isin(g["measure"][ai], (PHQ, GAD))
    offered = ~questionnaire | first_that_week & ~np.isin(week_key, at_session)
    ai, app_day = ai[offered], app_day[offered]
    del week_key, at_session, first_that_week, questionnaire, offered
    gi_all = np.r_[gi, ai]
    day = np.r_[att["day"][si], app_day]
    session = np.r_[att["index"][si], np.full(ai.size, -1)]
    on_hold = (
        (g["hold_start"][gi_all] >= 0) & (day >= g["hold_start"][gi_all]) & (day < g["hold_end"][gi_all])
    )
    keep = ~on_hold & (day <= g["end_day"][gi_all])
    gi_all, day, session = gi_all[keep], day[keep], session[keep]
    # Goal, then day, then the session's check-in before an app report of the same day.
    order = np.argsort((gi_all << 21) | (day - day.min() << 1) | (session < 0), kind="stable")
    gi_all, day, session = gi_all[order], day[order], session[order]
    # A session's rating is its own spell; app self-reports share one per goal and week.
    week = (day - g["start"][gi_all]) // 7
    spell = np.where(session >= 0, -1 - np.arange(day.size), gi_all * 1024 + week)
    value = _values(rng, g, gi_all, day, spell)
    reporter = np.where((session >= 0) & (rng.random(day.size) < 0.45), 1, 0)  # 1 practitioner
    # Notes follow the change since the previous check-in of the same goal.
    better = np.where(np.array([m[3] for m in MEASURES])[g["measure"][gi_all]], 1.0, -1.0)
    same_goal = np.r_[False, gi_all[1:] == gi_all[:-1]]
    change = np.where(same_goal, (value - np.r_[value[:1], value[:-1]]) * better, 0)
    mood = np.where(change > 0, 0, np.where(change < 0, 1, 2))
    note = np.where(rng.random(day.size) < 0.18, mood * 3 + rng.integers(0, 3, day.size), -1)
    return {
        "goal": gi_all,
        "day": day,
        "session": session,
        "value": value,
        "reporter": reporter,
        "note": note,
    }


def _events(rng: np.random.Generator, g: dict, ck: dict, cl: dict) -> dict:
    n_g = g["client"].size
    gi, day, value = ck["goal"], ck["day"], ck["value"]
    better = np.where(np.array([m[3] for m in MEASURES])[g["measure"]], 1.0, -1.0)
    close = np.where(g["close_kind"] > 0, g["close_day"], np.iinfo(np.int64).max)
    meets = (value - g["target"][gi]) * better[gi] >= 0
    before_close = day < close[gi]
    achieving = ACHIEVING[g["scenario"]]
    achieved = _group_first(gi, meets & before_close & achieving[gi], day, n_g)
    after_ach = (achieved[gi] >= 0) & (day > achieved[gi]) & before_close
    sustaining = _group_first(gi, after_ach & meets & (day >= achieved[gi] + 28), day, n_g)
    sustaining = np.where(g["scenario"] == B_SUST, sustaining, -1)
    worse = after_ach & ((value - g["target"][gi]) * better[gi] <= -1) & (day >= achieved[gi] + 14)
    worsening = np.where(g["scenario"] == C_SLIP, _group_first(gi, worse, day, n_g), -1)
    # A six-week review before anything else happens to the goal.
    stop = np.minimum(close, np.where(achieved >= 0, achieved, close))
    stop = np.minimum(stop, np.where(g["hold_start"] >= 0, g["hold_start"], stop))
    review_mask = (day >= g["start"][gi] + 42) & (day < stop[gi])
    review = _group_first(gi, review_mask, day, n_g)
    review_value = np.full(n_g, np.nan)
    review_value[gi[np.flatnonzero(review_mask)][::-1]] = value[np.flatnonzero(review_mask)][::-1]
    span = np.abs(g["target"] - g["baseline"])
    gain = (review_value - g["baseline"]) * better
    review_ach = np.where(
        gain >= np.maximum(1, 0.2 * span), 1, np.where(gain <= -1, 2, np.where(g["scenario"] == E_PLAT, 7, 3))
    )
    review = np.where(np.isin(g["scenario"], (H_IRREL, J_EXPL)), -1, review)
    hold = np.where((g["hold_start"] >= 0) & (g["hold_start"] < g["end_day"]), g["hold_start"], -1)
    resume = np.where((hold >= 0) & (g["hold_end"] < g["end_day"]), g["hold_end"], -1)
    # Closing event, by how the goal ended.
    s, kind = g["scenario"], g["close_kind"]
    last_meets = _last_meets(gi, meets, n_g)
    # At discharge a goal short of target still counts as improving when the last
    # check-in had covered at least 40% of the way from baseline to target.
    last_value = np.full(n_g, np.nan)
    last_value[gi] = value  # rows are sorted by goal then day: the last write wins
    last_gain = (last_value - g["baseline"]) * better / np.maximum(np.abs(g["target"] - g["baseline"]), 1)
    close_life = np.select([kind == 2, np.isin(s, (E_PLAT, H_IRREL))], [2, 3], np.where(s == J_EXPL, 2, 2))
    close_ach = np.select(
        [
            kind == 2,
            s == A_GRAD,
            s == B_SUST,
            s == E_PLAT,
            s == H_IRREL,
            s == J_EXPL,
        ],
        [
            np.where(last_meets, np.where(sustaining >= 0, 5, 4), np.where(last_gain >= 0.4, 1, 6)),
            np.full(n_g, 4),
            np.full(n_g, 5),
            np.full(n_g, 7),
            np.full(n_g, -1),
            np.full(n_g, 4),
        ],
        6,
    )
    close_note = np.select(
        [kind == 2, s == A_GRAD, s == B_SUST, s == E_PLAT, s == H_IRREL, s == J_EXPL],
        [
            EVENT_KINDS.index("discharge"),
            EVENT_KINDS.index("completed"),
            EVENT_KINDS.index("completed-sustaining"),
            EVENT_KINDS.index("revised-plateau"),
            EVENT_KINDS.index("cancelled"),
            EVENT_KINDS.index("revised-explore"),
        ],
        EVENT_KINDS.index("discharge"),
    )
    closing = np.where(kind > 0, g["close_day"], -1)
    # Assemble: (goal, day, seq, lifecycle, achievement, note kind); seq orders same-day rows.
    parts = [
        (np.zeros(n_g, np.int64) + g["start"], 0, np.zeros(n_g, int), np.zeros(n_g, int), "start"),
        (review, 1, np.zeros(n_g, int), review_ach, "review"),
        (hold, 2, np.ones(n_g, int), np.zeros(n_g, int), "hold"),
        (resume, 3, np.zeros(n_g, int), np.zeros(n_g, int), "resume"),
        (achieved, 4, np.zeros(n_g, int), np.full(n_g, 4), "achieved"),
        (sustaining, 5, np.zeros(n_g, int), np.full(n_g, 5), "sustaining"),
        (worsening, 5, np.zeros(n_g, int), np.full(n_g, 2), "worsening"),
        (closing, 6, close_life, close_ach, close_note),
    ]
    goal_col, day_col, seq_col, life_col, ach_col, kind_col = [], [], [], [], [], []
    for days, seq, life, ach, note_kind in parts:
        idx = np.flatnonzero(days >= 0)
        goal_col.append(idx)
        day_col.append(days[idx])
        seq_col.append(np.full(idx.size, seq))
        life_col.append(life[idx])
        ach_col.append(ach[idx])
        nk = np.full(n_g, EVENT_KINDS.index(note_kind)) if isinstance(note_kind, str) else note_kind
        kind_col.append(nk[idx])
    ev = {
        "goal": np.concatenate(goal_col),
        "day": np.concatenate(day_col),
        "seq": np.concatenate(seq_col),
        "life": np.concatenate(life_col),
        "ach": np.concatenate(ach_col),
        "kind": np.concatenate(kind_col),
    }
    order = np.lexsort((ev["seq"], ev["day"], ev["goal"]))
    ev = {k: v[order] for k, v in ev.items()}
    _, ev["ordinal"] = _expand(np.bincount(ev["goal"], minlength=n_g))
    ev["ordinal"] += 1
    offsets = np.cumsum([0] + [len(EVENT_NOTES[k]) for k in EVENT_KINDS])
    sizes = np.array([len(EVENT_NOTES[k]) for k in EVENT_KINDS])
    ev["note"] = _pool_choice(rng, offsets[ev["kind"]], sizes[ev["kind"]])
    # The goal's current status is its last event.
    last = np.cumsum(np.bincount(ev["goal"], minlength=n_g)) - 1
    g["life"] = ev["life"][last]
    g["ach"] = ev["ach"][last]
    return ev


def _last_meets(gi: np.ndarray, meets: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[gi] = meets  # rows are sorted by goal then day: the last write wins
    return out


def _coping(rng: np.random.Generator, cfg: ScaleConfig, cl: dict, g: dict) -> dict:
    n_c = cl["no"].size
    first_goal = np.full(n_c, -1)
    first_goal[g["client"][::-1]] = g["start"][::-1]
    practising = (first_goal >= 0) & (rng.random(n_c) < 0.7)
    begin = first_goal + rng.integers(0, 15, n_c)
    stops = rng.random(n_c) < 0.3  # some clients stop practising after a while
    finish = np.where(stops, begin + rng.integers(21, 91, n_c), cl["last_day"])
    finish = np.minimum(finish, cl["last_day"])
    span = np.maximum(finish - begin, 0)
    rate = rng.gamma(2.0, cfg.practice_per_week / 2.0, n_c)
    count = np.where(practising, rng.poisson(rate * span / 7), 0)
    ci, _ = _expand(count)
    n = ci.size
    # Times as one sortable key (client in the high bits, seconds since `begin` below),
    # so ordering 10 million logs is one integer sort instead of a multi-key lexsort.
    day_off = (rng.random(n, dtype=np.float32) * (span[ci] + 1)).astype(np.int64)
    seconds = day_off * 86400 + rng.integers(7 * 3600, 23 * 3600, n)
    key = np.sort((ci << 32) | seconds)
    del day_off, seconds
    ci = key >> 32
    rel = key & 0xFFFFFFFF
    del key
    at = begin[ci] * 86400 + rel
    day = begin[ci] + rel // 86400
    favourite = rng.integers(0, len(SKILLS), (n_c, 3))
    skill = np.where(
        rng.random(n, dtype=np.float32) < 0.15,
        rng.integers(0, len(SKILLS), n),
        favourite[ci, _pick(rng, np.array([0.5, 0.3, 0.2]), n)],
    )
    # Link to the goal most recently started before the log, when it is still open.
    gkey = g["client"].astype(np.int64) * DAY_KEY + g["start"]
    gi = np.searchsorted(gkey, ci * DAY_KEY + day, side="right") - 1
    valid = (gi >= 0) & (g["client"][np.maximum(gi, 0)] == ci)
    gi = np.maximum(gi, 0)
    valid &= day <= g["end_day"][gi]
    linked = valid & (rng.random(n, dtype=np.float32) < 0.7)
    efficacy = np.array([s[3] for s in SKILLS], dtype=np.float32)[skill]
    response = rng.uniform(0.5, 1.3, n_c).astype(np.float32)[ci]
    # Skills get easier with practice: up to 30% more relief after four months.
    learning = 1 + 0.3 * np.clip((rel / 86400 / 120).astype(np.float32), 0, 1)
    base = rng.uniform(40, 75, n_c).astype(np.float32)[ci]
    noise = rng.standard_normal(n, dtype=np.float32)
    before = np.clip(np.rint(base + 12 * noise), 5, 100).astype(np.int32)
    noise = rng.standard_normal(n, dtype=np.float32)
    frac = np.clip(efficacy * response * learning + 0.1 * noise, -0.1, 0.9)
    after = np.clip(np.rint(before * (1 - frac)), 0, 100).astype(np.int32)
    noise = rng.standard_normal(n, dtype=np.float32)
    helpful = np.clip(np.rint(1 + frac * 8 + 0.6 * noise), 1, 5).astype(np.int32)
    return {
        "client": ci,
        "skill": skill,
        "goal": gi,
        "goal_missing": ~linked,
        "at": at,
        "before": before,
        "after": after,
        "after_missing": rng.random(n, dtype=np.float32) < 0.12,
        "helpful": helpful,
        "helpful_missing": rng.random(n, dtype=np.float32) < 0.06,
        "note": np.where(rng.random(n, dtype=np.float32) < 0.1, rng.integers(0, len(LOG_NOTES), n), -1),
    }


# ---------------------------------------------------------------- building
def _stages(seed: int, scale: str, end: dt.date, report: Progress) -> Iterator[dict[str, pa.Table]]:
    """The demo's tables in three batches, in `DEMO_TABLES` order, each as soon as it is
    generated: practitioners, clients and sessions; goals, goal events and check-ins; the
    coping skills and logs. The random draws happen in one fixed order, however the batches
    are consumed."""
    if scale not in SCALES:
        raise WaymarkError(f"Unknown demo scale {scale!r}; use one of: {', '.join(SCALES)}.")
    cfg = SCALES[scale]
    rng = np.random.default_rng(seed)
    end_day = (end - EPOCH).days

    report(0.02, "Practitioners and clients…")
    prac = _practitioners(rng, cfg)
    cl = _clients(rng, cfg, prac, end_day)
    report(0.06, "Sessions…")
    ses = _sessions(rng, cl, prac, end_day)
    ids = _make_ids(prac, cl, ses)
    yield _people_frames(ids, prac, cl, ses)
    att_idx = np.flatnonzero(ses["attended"])
    att_client = ses["client"][att_idx]
    count = np.bincount(att_client, minlength=cl["no"].size)
    att = {
        "index": att_idx,
        "client": att_client,
        "day": ses["day"][att_idx],
        "recorded": ses["recorded"][att_idx],
        "key": att_client.astype(np.int64) * DAY_KEY + ses["day"][att_idx],
        "count": count,
        "first": np.cumsum(count) - count,
    }
    snap = _Snap(att_client, att["day"])
    report(0.1, "Goals…")
    g = _goals(rng, cfg, cl, prac, att, snap)
    report(0.15, "Goal check-ins…")
    ck = _checkins(rng, cfg, g, att, prac, cl)
    report(0.25, "Goal events…")
    ev = _events(rng, g, ck, cl)
    goal_ids = _ids("g-", (g["client"] + 1, ids.client_width), (g["ordinal"], 1))
    yield _goal_frames(ids, goal_ids, g, ck, ev)
    del ck, ev
    report(0.3, "Coping-skill logs…")
    logs = _coping(rng, cfg, cl, g)
    yield _coping_frames(ids, goal_ids, logs)


def generate_frames(
    seed: int = 7,
    scale: str = "clinic",
    end: dt.date = DEFAULT_END,
    progress: Progress | None = None,
) -> dict[str, pa.Table]:
    """The demo's tables as Arrow tables with the schema's columns; nothing is written."""
    frames: dict[str, pa.Table] = {}
    for batch in _stages(seed, scale, end, progress or _quiet):
        frames.update(batch)
    return {table: frames[table] for table in DEMO_TABLES}


def _quiet(fraction: float, message: str) -> None:
    """The default progress report: say nothing."""


def build_demo(
    db: Database,
    seed: int = 7,
    scale: str = "clinic",
    progress: Progress | None = None,
    end: dt.date = DEFAULT_END,
    *,
    replace: bool = False,
) -> dict[str, int]:
    """Fill a migrated database with the demo clinic; returns row counts per table.

    Refuses (DemoDataExists) when the demo's tables already hold rows, unless `replace`,
    which empties them first.
    """
    report = progress or _quiet
    if scale not in SCALES:
        raise WaymarkError(f"Unknown demo scale {scale!r}; use one of: {', '.join(SCALES)}.")
    with db.connection() as cur:
        existing = table_counts(cur)
        if any(existing.values()) and not replace:
            raise DemoDataExists(
                f"'{db.path}' already holds clinical data "
                f"({', '.join(f'{n} {t}' for t, n in existing.items() if n)}). "
                "Use a new file, or pass --replace to delete that data and rebuild the demo."
            )
        # One statement per table rather than one transaction around all of them: with
        # millions of rows the single transaction was much slower to commit (60 s against
        # 24 s at system scale, one comparison). A failure empties the tables again.
        _empty(cur)
        # The secondary indexes are built once over the loaded rows instead of being
        # maintained row by row through every insert (much cheaper); they are put back
        # exactly as the schema defines them, also when the build fails.
        indexes = _secondary_indexes(cur)
        for name, _ in indexes:
            cur.execute(f'DROP INDEX "{name}"')  # names from the catalogue, never from input
        # The tables are generated in a second thread, a batch at a time, while this one
        # writes the batches already made: NumPy's work and DuckDB's overlap on two cores.
        batches = _Generator(seed, scale, end)
        try:
            written = 0
            for batch in batches.run(report):
                for table, frame in batch.items():
                    report(0.35 + 0.6 * written / len(DEMO_TABLES), f"Writing {table}…")
                    cur.register("demo_frame", frame)
                    if table in KEYED_AFTER_LOAD:
                        _load_then_key(cur, table)
                    else:
                        cur.execute(Database.sql_text(f"demo.insert_{table}"))
                    cur.unregister("demo_frame")
                    written += 1
        except BaseException:
            batches.stop()
            _empty(cur)
            raise
        finally:
            report(0.95, "Indexing…")
            for _, sql in indexes:
                cur.execute(sql)
        # The derived tables (the audit's, analytics/derived.py, and the stored progress
        # summaries, analytics/derived_progress.py), from the rows just written.
        report(0.97, "Deriving the audit's tables and the progress summaries…")
        cur.execute("BEGIN TRANSACTION")
        try:
            refresh_derived(cur)
            refresh_progress(cur)
            cur.execute(NEW_DATA_VERSION)
        except BaseException:
            cur.execute("ROLLBACK")
            _empty(cur)
            raise
        cur.execute("COMMIT")
        counts = table_counts(cur)
    report(1.0, "Demo clinic ready.")
    return counts


class _Generator:
    """`_stages` run in a background thread; `run` yields its batches in order in the
    calling thread, and passes the generator's progress on from there (a Streamlit progress
    bar can only be updated from the script's own thread) until the first batch is written."""

    def __init__(self, seed: int, scale: str, end: dt.date) -> None:
        self._args = (seed, scale, end)
        self._items: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="demo-generator", daemon=True)

    def _produce(self) -> None:
        def tell(fraction: float, message: str) -> None:
            self._items.put(("progress", (fraction, message)))

        try:
            for batch in _stages(*self._args, tell):
                if self._stopped.is_set():
                    return
                self._items.put(("batch", batch))
        except BaseException as exc:  # handed to the writing thread, which raises it
            self._items.put(("error", exc))
        else:
            self._items.put(("done", None))

    def run(self, report: Progress) -> Iterator[dict[str, pa.Table]]:
        self._thread.start()
        writing = False
        while True:
            kind, value = self._items.get()
            if kind == "progress":
                if not writing:
                    report(*value)
            elif kind == "batch":
                writing = True
                yield value
            elif kind == "error":
                raise value
            else:
                return

    def stop(self) -> None:
        """Let the thread end after the batch it is making (a failed write needs no more)."""
        self._stopped.set()


def table_counts(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in each table the demo fills, keyed by table name."""
    row = cur.execute(Database.sql_text("demo.table_counts")).fetchone()
    return {table: int(n) for table, n in zip(DEMO_TABLES, row, strict=True)}


def _secondary_indexes(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the non-unique indexes on the demo's tables, as the
    catalogue records them (primary keys and UNIQUE constraints stay where they are)."""
    rows = cur.execute(Database.sql_text("demo.secondary_indexes"), {"tables": list(DEMO_TABLES)}).fetchall()
    return [(str(name), str(sql)) for name, sql in rows]


# The largest tables: their primary key is built once over the loaded rows instead of being
# checked and extended row by row through the insert (10 M coping logs: 18 s with the key in
# place, 4 s without it plus 3–5 s to add it afterwards; docs/demo-clinic.md).
KEYED_AFTER_LOAD = ("sessions", "goal_events", "goal_checkins", "coping_logs")


def _constraints(cur: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """The table's constraints (kind, columns), as the catalogue records them."""
    rows = cur.execute(Database.sql_text("demo.table_constraints"), {"table": table}).fetchall()
    return sorted((str(kind), str(columns)) for kind, columns in rows)


def _load_then_key(cur: duckdb.DuckDBPyConnection, table: str) -> None:
    """Insert the registered `demo_frame` into the empty `table` with its primary key added
    after the rows, in one transaction: the table is re-created from its own catalogue
    definition without the key, loaded, and keyed again, then checked to have exactly the
    constraints it had. Any failure rolls back to the empty table as the schema defines it."""
    ddl, key = cur.execute(Database.sql_text("demo.table_definition"), {"table": table}).fetchone()
    marker = f"{key} VARCHAR PRIMARY KEY"
    if ddl.count(marker) != 1:  # the schema changed shape: load the plain way
        cur.execute(Database.sql_text(f"demo.insert_{table}"))
        return
    before = _constraints(cur, table)
    cur.execute("BEGIN TRANSACTION")
    try:
        # Names and definitions come from the catalogue (the schema's own), never from input.
        cur.execute(f'DROP TABLE "{table}"')
        cur.execute(ddl.replace(marker, f"{key} VARCHAR"))
        cur.execute(Database.sql_text(f"demo.insert_{table}"))
        cur.execute(f'ALTER TABLE "{table}" ADD PRIMARY KEY ("{key}")')
        after = _constraints(cur, table)
        if after != before:
            raise WaymarkError(f"Rebuilding {table} changed its constraints; the demo was not written.")
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")


def _empty(cur: duckdb.DuckDBPyConnection) -> None:
    """Delete every row the demo writes, in one transaction."""
    cur.execute("BEGIN TRANSACTION")
    cur.execute(Database.sql_text("demo.delete_demo_data"))
    cur.execute(NEW_DATA_VERSION)
    cur.execute("COMMIT")


def _ids(prefix: str, *parts: tuple[np.ndarray, int]) -> pa.Array:
    """Text ids, prefix then the numeric parts zero-padded to their widths and joined by
    "-" (e.g. "g-0001-1"), built column-wise by Arrow compute."""
    texts = []
    for values, width in parts:
        text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
        texts.append(pc.utf8_lpad(text, width, "0") if width > 1 else text)
    joined = texts[0] if len(texts) == 1 else pc.binary_join_element_wise(*texts, "-")
    return pc.binary_join_element_wise(prefix, joined, "")


def _ref(index: np.ndarray, ids: pa.Array, missing: np.ndarray | None = None) -> pa.DictionaryArray:
    """A reference column: row i holds ids[index[i]] (NULL where missing). Dictionary-encoded,
    so millions of references cost one small integer each, not a string built per row."""
    indices = pa.array(np.asarray(index, dtype=np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(indices, ids)


def _date(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=missing)


class _Ids(NamedTuple):
    """The text ids the batches of tables refer to (goal ids are made with the goals)."""

    practitioners: pa.Array
    clients: pa.Array
    sessions: pa.Array
    client_width: int


def _make_ids(prac: dict, cl: dict, ses: dict) -> _Ids:
    n_p, n_c = prac["no"].size, cl["no"].size
    width = max(4, len(str(n_c)))
    return _Ids(
        _ids("prac-", (prac["no"], max(2, len(str(n_p))))),
        _ids("cl-", (cl["no"], width)),
        _ids("s-", (ses["client"] + 1, width), (ses["seq"], 3)),
        width,
    )


def _people_frames(ids: _Ids, prac: dict, cl: dict, ses: dict) -> dict[str, pa.Table]:
    prac_ids, client_ids, session_ids = ids.practitioners, ids.clients, ids.sessions
    first = np.array(FIRST_NAMES)[prac["first"]]
    last = np.array(LAST_NAMES)[prac["last"]]
    email = np.char.add(
        np.char.add(np.char.lower(first), "."), np.char.add(np.char.lower(last), "@waymark.example")
    )
    practitioners = pa.table(
        {
            "practitioner_id": prac_ids,
            "display_name": pa.array(np.char.add(np.char.add(first, " "), last).tolist()),
            "role": _categorical(prac["role"], ("supervisor", "therapist")),
            "supervisor_id": _ref(np.maximum(prac["supervisor"], 0), prac_ids, prac["supervisor"] < 0),
            "email": pa.array(email.tolist()),
        }
    )
    code = cl["code"]
    letters = pa.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))  # no I or O, easily misread
    display_code = pc.binary_join_element_wise(
        letters.take(pa.array(code // (24 * 9000))),
        letters.take(pa.array((code // 9000) % 24)),
        "-",
        pc.cast(pa.array(1000 + code % 9000), pa.string()),
        "",
    )
    clients = pa.table(
        {
            "client_id": client_ids,
            "practitioner_id": _ref(cl["practitioner"], prac_ids),
            "display_code": display_code,
            "intake_date": _date(cl["intake"]),
            "discharge_date": _date(cl["discharge"], cl["discharge"] < 0),
        }
    )
    sessions = pa.table(
        {
            "session_id": session_ids,
            "client_id": _ref(ses["client"], client_ids),
            "practitioner_id": _ref(cl["practitioner"][ses["client"]], prac_ids),
            "session_date": _date(ses["day"]),
            "kind": _categorical(ses["kind"], ("intake", "individual", "review", "discharge")),
            "attended": ses["attended"],
        }
    )
    return {"practitioners": practitioners, "clients": clients, "sessions": sessions}


def _goal_frames(ids: _Ids, goal_ids: pa.Array, g: dict, ck: dict, ev: dict) -> dict[str, pa.Table]:
    client_ids, session_ids = ids.clients, ids.sessions
    parent = g["parent"]
    goals = pa.table(
        {
            "goal_id": goal_ids,
            "client_id": _ref(g["client"], client_ids),
            "description": _categorical(g["description"], [d[2] for d in DESCRIPTIONS]),
            "life_area": _categorical(g["area"], AREA_NAMES),
            "start_date": _date(g["start"]),
            "target_date": _date(g["start"] + TARGET_HORIZON),
            "lifecycle_status": _categorical(g["life"], LIFECYCLE),
            "achievement_status": _categorical(g["ach"], ACHIEVEMENT),
            "revised_from_goal_id": _ref(np.maximum(parent, 0), goal_ids, parent < 0),
            "measure": _categorical(g["measure"], [m[0] for m in MEASURES]),
            "scale_min": np.array([m[1] for m in MEASURES], dtype=float)[g["measure"]],
            "scale_max": np.array([m[2] for m in MEASURES], dtype=float)[g["measure"]],
            "higher_is_better": np.array([m[3] for m in MEASURES])[g["measure"]],
            "baseline": g["baseline"],
            "target": g["target"],
        }
    )
    event_ids = pc.binary_join_element_wise(
        goal_ids.take(pa.array(ev["goal"])), _ids("", (ev["ordinal"], 2)), "-e"
    )
    events = pa.table(
        {
            "event_id": event_ids,
            "goal_id": _ref(ev["goal"], goal_ids),
            "event_date": _date(ev["day"]),
            "lifecycle_status": _categorical(ev["life"], LIFECYCLE),
            "achievement_status": _categorical(ev["ach"], ACHIEVEMENT),
            "note": _categorical(ev["note"], [n for k in EVENT_KINDS for n in EVENT_NOTES[k]]),
        }
    )
    n_k = ck["day"].size
    session = ck["session"]
    checkins = pa.table(
        {
            "checkin_id": _ids("k-", (np.arange(1, n_k + 1), max(6, len(str(n_k))))),
            "goal_id": _ref(ck["goal"], goal_ids),
            "session_id": _ref(np.maximum(session, 0), session_ids, session < 0),
            "checkin_date": _date(ck["day"]),
            "value": ck["value"],
            "reporter": _categorical(ck["reporter"], ("client", "practitioner")),
            "note": _categorical(
                ck["note"], [n for k in ("better", "worse", "same") for n in CHECKIN_NOTES[k]]
            ),
        }
    )
    return {"goals": goals, "goal_events": events, "goal_checkins": checkins}


def _coping_frames(ids: _Ids, goal_ids: pa.Array, logs: dict) -> dict[str, pa.Table]:
    client_ids = ids.clients
    skill_ids = pa.array([s[0] for s in SKILLS])
    skills = pa.table(
        {
            "skill_id": skill_ids,
            "name": [s[1] for s in SKILLS],
            "category": [s[2] for s in SKILLS],
        }
    )
    n_l = logs["at"].size
    coping = pa.table(
        {
            "log_id": _ids("log-", (np.arange(1, n_l + 1), max(6, len(str(n_l))))),
            "client_id": _ref(logs["client"], client_ids),
            "skill_id": _ref(logs["skill"], skill_ids),
            "goal_id": _ref(logs["goal"], goal_ids, logs["goal_missing"]),
            "logged_at": pa.array(logs["at"], type=pa.timestamp("s")),
            "distress_before": logs["before"],
            "distress_after": pa.array(logs["after"], mask=logs["after_missing"]),
            "helpfulness": pa.array(logs["helpful"], mask=logs["helpful_missing"]),
            "note": _categorical(logs["note"], LOG_NOTES),
        }
    )
    return {"coping_skills": skills, "coping_logs": coping}
