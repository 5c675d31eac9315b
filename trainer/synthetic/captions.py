"""Captions for the synthetic images, written from what the renderer placed.

A landscape's *facts* come from its label map (which classes cover enough of the
picture to be worth naming, and where: left, right, middle) and from its style
(season, time of day); a face's from its attribute vector. Several captions per
image say the same facts in different words and orders. The wording is drawn from
a generator seeded by the image's own seed, so a dataset seed gives the same
captions every time.

Some combinations of facts are *held out*: make-data marks the images that have
them ("split": "heldout") and the text-to-image recipes train on the others
only, so a held-out caption asks for a combination the model never saw.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

CAPTIONS_FILE = "captions.json"
FORMAT = "ganstudio-captions/1"
CAPTIONS_PER_IMAGE = 3
_CAPTION_TAG = 0xCA9

# Area fractions above which a class is named. Chosen so that a named thing is plainly visible
# at 64 px (the evaluation checks that a generated image shows it).
MENTION = {"mountain": 0.05, "snow": 0.006, "water": 0.04, "tree": 0.02, "sand": 0.03, "rock": 0.03}
CLOUDY, CLEAR = 0.20, 0.01

# (season, time of day, mountains, water): images with these are kept out of training
HELDOUT_LANDSCAPES: tuple[tuple[str, str, bool, bool], ...] = (
    ("winter", "dusk", True, True),
    ("summer", "night", True, True),
    ("autumn", "day", True, False),
)
# (hair, male, eyeglasses)
HELDOUT_FACES: tuple[tuple[str, bool, bool], ...] = (
    ("blond", True, True),
    ("black", False, True),
)

_SEASON_WORDS = {
    "summer": ("summer", "summery", "in summer"),
    "autumn": ("autumn", "autumnal", "in autumn"),
    "winter": ("winter", "wintry", "in winter"),
}
_TIME_WORDS = {
    "day": ("during the day", "in daylight", "at midday"),
    "dusk": ("at dusk", "at sunset", "in the evening"),
    "night": ("at night", "by night", "under a night sky"),
}
_PLACE_WORDS = {"left": ("on the left", "to the left"), "right": ("on the right", "to the right"),
                "middle": ("in the middle", "in the centre"), "across": ("across the view", "all around")}


# ----------------------------------------------------------------------------- landscapes


def _position(mask: np.ndarray) -> str:
    """left / middle / right / across from where a mask's pixels lie horizontally."""
    xs = np.nonzero(mask)[1]
    w = mask.shape[1]
    lo, hi = np.percentile(xs, 10) / w, np.percentile(xs, 90) / w
    if hi - lo > 0.7:
        return "across"
    centre = (lo + hi) / 2
    return "left" if centre < 0.4 else "right" if centre > 0.6 else "middle"


def landscape_facts(label: np.ndarray, season: str, time_of_day: str) -> dict[str, Any]:
    """What one landscape shows: season, time of day and the named classes with their positions."""
    from trainer.synthetic.landscapes import CLASS_ID

    total = label.size
    frac = {name: float((label == CLASS_ID[name]).sum()) / total for name in MENTION}
    frac["cloud"] = float((label == CLASS_ID["cloud"]).sum()) / total
    mountains = frac["mountain"] + frac["snow"] >= MENTION["mountain"]
    facts: dict[str, Any] = {
        "season": season,
        "time": time_of_day,
        "mountains": bool(mountains),
        "snowy_peaks": bool(mountains and frac["snow"] >= MENTION["snow"]),
        "water": None,
        "trees": None,
        "beach": bool(frac["sand"] >= MENTION["sand"]),
        "rocks": bool(frac["rock"] >= MENTION["rock"]),
        "sky": "cloudy" if frac["cloud"] >= CLOUDY else "clear" if frac["cloud"] < CLEAR else None,
    }
    if frac["water"] >= MENTION["water"]:
        facts["water"] = _position(label == CLASS_ID["water"])
    if frac["tree"] >= MENTION["tree"]:
        facts["trees"] = {"amount": "many" if frac["tree"] >= 0.08 else "few", "where": _position(label == CLASS_ID["tree"])}
    return facts


def landscape_split(facts: Mapping[str, Any]) -> str:
    key = (facts["season"], facts["time"], bool(facts["mountains"]), facts["water"] is not None)
    return "heldout" if key in HELDOUT_LANDSCAPES else "train"


def mentioned_landscape(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The checkable content a caption of these facts names: classes that must be visible, season, time."""
    classes = []
    if facts["mountains"]:
        classes.append("mountain")
    if facts["snowy_peaks"]:
        classes.append("snow")
    if facts["water"] is not None:
        classes.append("water")
    if facts["trees"] is not None:
        classes.append("tree")
    if facts["beach"]:
        classes.append("sand")
    if facts["rocks"]:
        classes.append("rock")
    return {"classes": classes, "season": facts["season"], "time": facts["time"]}


def landscape_caption(facts: Mapping[str, Any], rng: np.random.Generator) -> str:
    """One sentence naming every fact, in words and an order drawn from `rng`."""
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731 - local shorthand
    season, time = facts["season"], facts["time"]
    things: list[str] = []
    if facts["mountains"]:
        things.append(pick(("snowy mountains", "snow-capped mountains", "mountains with snowy peaks")) if facts["snowy_peaks"]
                      else pick(("mountains", "a mountain range", "hills of bare rock")))
    if facts["water"] is not None:
        things.append(f"{pick(('a lake', 'water', 'a stretch of water'))} {pick(_PLACE_WORDS[facts['water']])}")
    if facts["trees"] is not None:
        few = facts["trees"]["amount"] == "few"
        trees = pick(("a few trees", "some trees", "scattered trees")) if few else pick(("many trees", "a forest", "lots of trees"))
        things.append(f"{trees} {pick(_PLACE_WORDS[facts['trees']['where']])}")
    if facts["beach"]:
        things.append(pick(("a sandy beach", "a beach", "sand")))
    if facts["rocks"]:
        things.append(pick(("rocks", "grey rocks", "rocky ground")))
    if facts["sky"] is not None:
        things.append(pick(("a cloudy sky", "many clouds", "heavy clouds")) if facts["sky"] == "cloudy"
                      else pick(("a clear sky", "a cloudless sky")))
    order = rng.permutation(len(things)).tolist()
    things = [things[i] for i in order]
    season_word = pick(_SEASON_WORDS[season])
    time_words = pick(_TIME_WORDS[time])
    scene = pick(("landscape", "scene", "view", "valley"))
    if season_word.startswith("in "):
        head = f"a {scene} {season_word} {time_words}"
    else:
        head = f"{'an' if season_word[0] in 'aeiou' else 'a'} {season_word} {scene} {time_words}"
    if not things:
        return f"{head} with open grass"
    listed = things[0] if len(things) == 1 else ", ".join(things[:-1]) + " and " + things[-1]
    return f"{head} with {listed}" if rng.random() < 0.5 else f"{listed}, {head}"


# ----------------------------------------------------------------------------- faces


def face_facts(attrs: Sequence[bool] | np.ndarray) -> dict[str, Any]:
    """A face's attributes as caption facts (attrs in FACE_ATTRIBUTES order)."""
    from trainer.synthetic.faces import FACE_ATTRIBUTES

    a = dict(zip(FACE_ATTRIBUTES, (bool(v) for v in attrs)))
    hair = next((h for h in ("black", "blond", "brown") if a[f"{h.capitalize()}_Hair"]), None)
    return {"hair": hair, "male": a["Male"], "glasses": a["Eyeglasses"], "smiling": a["Smiling"], "young": a["Young"]}


def face_split(facts: Mapping[str, Any]) -> str:
    return "heldout" if (facts["hair"], facts["male"], facts["glasses"]) in HELDOUT_FACES else "train"


def mentioned_face(facts: Mapping[str, Any]) -> dict[str, bool]:
    """Attribute name -> the value the caption asks for (FACE_ATTRIBUTES names)."""
    out = {f"{h.capitalize()}_Hair": facts["hair"] == h for h in ("black", "blond", "brown")}
    out.update({"Male": facts["male"], "Eyeglasses": facts["glasses"], "Smiling": facts["smiling"], "Young": facts["young"]})
    return out


def face_caption(facts: Mapping[str, Any], rng: np.random.Generator) -> str:
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    person = (pick(("man", "guy", "gentleman")) if facts["young"] else pick(("man", "gentleman"))) if facts["male"] \
        else pick(("woman", "lady", "girl")) if facts["young"] else pick(("woman", "lady"))
    age = pick(("young", "youthful")) if facts["young"] else pick(("old", "older", "elderly"))
    mood = pick(("smiling", "happy", "grinning")) if facts["smiling"] else pick(("serious", "unsmiling", "calm"))
    adjectives = [age, mood]
    if rng.random() < 0.5:
        adjectives.reverse()
    hair = f"{facts['hair']} hair" if facts["hair"] else pick(("no hair colour", "plain hair"))
    extras = [f"{hair}", pick(("glasses", "spectacles", "eyeglasses")) if facts["glasses"] else pick(("no glasses", "bare eyes"))]
    if rng.random() < 0.5:
        extras.reverse()
    article = "an" if adjectives[0][0] in "aeiou" else "a"
    return f"{article} {adjectives[0]} {adjectives[1]} {person} with {extras[0]} and {extras[1]}"


# ----------------------------------------------------------------------------- both


def captions_for(facts: Mapping[str, Any], kind: str, image_seed: int, count: int = CAPTIONS_PER_IMAGE) -> list[str]:
    """`count` captions of one image, deterministic in its seed."""
    rng = np.random.default_rng([int(image_seed), _CAPTION_TAG])
    make = landscape_caption if kind == "landscapes" else face_caption
    out: list[str] = []
    for _ in range(count * 4):  # distinct wordings where the facts allow several
        text = make(facts, rng)
        if text not in out:
            out.append(text)
        if len(out) == count:
            break
    return out


def write_captions(out: str, kind: str, items: Iterable[Mapping[str, Any]], images: str = "images") -> str:
    """Write DIR/captions.json: one record per image (file, split, facts, captions)."""
    held = HELDOUT_LANDSCAPES if kind == "landscapes" else HELDOUT_FACES
    doc = {"format": FORMAT, "kind": kind, "images": images, "heldout_combinations": [list(h) for h in held],
           "items": list(items)}
    path = os.path.join(out, CAPTIONS_FILE)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=0)
    return path


def read_captions(folder: str) -> dict[str, Any]:
    """The captions.json of a dataset folder (or the file itself), checked for the fields the recipes read."""
    path = folder if os.path.isfile(folder) else os.path.join(folder, CAPTIONS_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: render the data with `ganstudio-train make-data landscapes|faces` (it writes captions)")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("items"), list):
        raise ValueError(f"{path} is not a {FORMAT} captions file")
    return doc
