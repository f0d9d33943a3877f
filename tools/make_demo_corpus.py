#!/usr/bin/env python3
"""Build the offline demo corpus: a small parallel multi-speaker English corpus.

Four synthetic speakers read the same 100 sentences (written for this project):

========  ======  =====================================================
speaker   gender  engine and voice
========  ======  =====================================================
kalM      male    festival, ``kal_diphone`` (Debian ``festvox-kallpc16k``)
sltF      female  festival, ``cmu_us_slt_arctic_hts`` (``festvox-us-slt-hts``)
espM      male    espeak-ng ``en-us+m3``, pitch 30 (of 0..99)
espF      female  espeak-ng ``en-us+f3``, pitch 75 (of 0..99)
========  ======  =====================================================

Output layout (read by :mod:`vcgan.data.corpora.demo`)::

    OUT/wav/<spk>/<spk>_sNNN.wav   16 kHz, mono, 16-bit PCM, peak-normalised to -3 dBFS
    OUT/sentences.txt              "sNNN <text>" for every built sentence
    OUT/speakers.txt               "<spk> <gender> <engine> <voice>"

The build is deterministic (same bytes on every run: no dither, fixed voices), resumable
(finished files are kept, each file is written under a temporary name and renamed), and
parallel over utterances (``--nj``). The full corpus (4 x 100 utterances) builds in a minute
or two on two cores.

Usage::

    python tools/make_demo_corpus.py [OUT] [--n_sentences 100] [--nj 2]

The Debian packages espeak-ng, festival, festvox-kallpc16k, festvox-us-slt-hts and sox
are installed with apt-get when missing and running as root; otherwise the script stops
and names the packages to install.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_RATE = 16000  # Hz

# Written for this corpus; short, everyday, and varied in sounds and sentence shapes.
SENTENCES = [
    "The kettle clicked off just as the phone began to ring.",
    "Seven yellow boats drifted slowly past the old stone harbour.",
    "Please put the blue folder back on the top shelf.",
    "My brother never learned to whistle, but he sings very well.",
    "A cold wind swept the dry leaves across the empty square.",
    "We should check the map before the light starts to fade.",
    "Thirty people waited outside the bakery on Sunday morning.",
    "She painted the garden fence a cheerful shade of green.",
    "The train to the coast leaves from platform nine at noon.",
    "Could you explain why the bridge was closed all week?",
    "Fresh bread and warm soup make a quiet evening perfect.",
    "The children built a tall tower out of wooden blocks.",
    "He measured the window twice and still bought the wrong curtains.",
    "Our neighbours keep three goats and a very noisy rooster.",
    "The museum opens late on Thursdays during the summer.",
    "A small fox crossed the road and vanished into the hedge.",
    "Remember to water the tomatoes while I am away.",
    "The orchestra tuned their instruments in a low, patient hum.",
    "Every spring the river rises and floods the lower fields.",
    "I found an old letter hidden inside the piano bench.",
    "The doctor said that a short walk each day would help.",
    "Heavy clouds gathered over the hills by late afternoon.",
    "Which of these two jackets do you think looks better?",
    "The library bought forty new books about birds and insects.",
    "Thick fog delayed the ferry for almost three hours.",
    "My grandmother keeps her buttons in a round tin box.",
    "The engineer pointed at the crack and shook her head.",
    "We laughed so much that our cheeks started to hurt.",
    "A bright red kite was stuck high in the oak tree.",
    "The shop on the corner sells coffee, stamps and newspapers.",
    "Nobody noticed the cat sleeping on the warm laptop.",
    "The rain stopped, and a faint rainbow appeared over the lake.",
    "He usually cycles to work unless the roads are icy.",
    "Those boxes in the hallway belong to the new tenant.",
    "The teacher asked us to read the first chapter again.",
    "Quiet music played while the guests found their seats.",
    "I would rather walk along the beach than sit indoors.",
    "The farmer sold apples, pears and plums at the market.",
    "Our flight was cancelled, so we took the night bus instead.",
    "A heavy book fell from the desk with a loud thud.",
    "The village clock has been five minutes slow for years.",
    "She wrapped the gift in brown paper and tied it with string.",
    "Turn left at the church and follow the narrow lane.",
    "The soup needs a little more salt and a pinch of pepper.",
    "Bees were busy among the lavender in the sunny yard.",
    "Please switch off the lights when you leave the room.",
    "The old ship creaked gently as the tide came in.",
    "Join us for dinner on Friday if you are free.",
    "Snow covered the mountains long before the first frost in town.",
    "At the end of the day, we all walked home together.",
    "The grocer stacked ripe melons in a neat pyramid by the door.",
    "Why did the lamp in the hall start flickering again?",
    "A gentle breeze carried the smell of cut grass indoors.",
    "Her cousin repairs watches in a tiny workshop near the station.",
    "Leave your muddy boots on the mat beside the back door.",
    "The puppy chewed a hole in my favourite woollen sock.",
    "We watched the sun sink slowly behind the purple mountains.",
    "Is there enough milk left for breakfast tomorrow morning?",
    "The plumber arrived early and fixed the leaking pipe quickly.",
    "Lightning flashed twice before the thunder shook the whole house.",
    "Grandfather told us stories about sailing the northern seas.",
    "The baker uses honey instead of sugar in her famous cake.",
    "Please hold the ladder steady while I climb onto the roof.",
    "A flock of geese flew south in a long, wavering line.",
    "The students whispered nervously before the final exam began.",
    "The old radio crackles and hisses whenever it starts to rain.",
    "How long does it take to drive to the lake from here?",
    "My uncle fell asleep on the sofa before the film even began.",
    "The waiter brought us a jug of cold water and fresh lemon.",
    "Moths gathered around the porch light on the warm summer night.",
    "She carefully folded the map and slipped it into her pocket.",
    "The path through the forest was covered in soft pine needles.",
    "Do not forget to lock the gate when you go out.",
    "The twins share a bedroom painted pale blue and white.",
    "A young owl hooted softly from the top of the barn.",
    "The market was crowded, so we bought our fruit elsewhere.",
    "He wiped the dusty shelves and arranged his books by colour.",
    "Would you like tea or coffee with your slice of pie?",
    "The captain ordered the crew to lower the heavy anchor.",
    "Wet footprints led from the swimming pool to the kitchen.",
    "My aunt knits warm scarves for every member of the family.",
    "The bus driver waved as we hurried across the street.",
    "Thin sheets of ice formed on the puddles overnight.",
    "They planted a row of sunflowers along the garden wall.",
    "The violinist bowed deeply after the last note faded away.",
    "Keep the receipt in case the shoes do not fit.",
    "A squirrel buried acorns beneath the thick hedge by the pond.",
    "Where did you put the scissors I borrowed yesterday?",
    "The cook sliced onions, garlic and carrots for the stew.",
    "Gusts of wind rattled the shutters all through the night.",
    "The man next door plays the trumpet after supper.",
    "The mechanic checked the brakes and changed the oil.",
    "Shadows grew longer as the afternoon slowly turned to dusk.",
    "I always keep a spare umbrella in the car, just in case.",
    "The fisherman mended his nets while the gulls circled overhead.",
    "Stir the batter gently, then bake it until the top turns golden.",
    "The toddler giggled each time the dog licked her toes.",
    "Does anyone know who left this jacket on the bench?",
    "The carpenter sanded the rough edges of the wooden table.",
    "The snow kept falling until the whole valley was white.",
]


@dataclass(frozen=True)
class Voice:
    """One demo speaker: how to synthesise a sentence with a given engine."""

    spk: str
    gender: str
    engine: str  # "festival" or "espeak-ng"
    voice: str
    pitch: int | None = None  # espeak-ng pitch, 0..99 (50 = voice default)
    speed: int | None = None  # espeak-ng speed, words per minute

    def synth_command(self, text_file: Path, out_wav: Path) -> list[str]:
        """The command writing the raw synthesis (engine's own rate) to ``out_wav``."""
        if self.engine == "festival":
            return ["text2wave", "-eval", f"(voice_{self.voice})", "-o", str(out_wav),
                    str(text_file)]
        return ["espeak-ng", "-v", self.voice, "-p", str(self.pitch), "-s", str(self.speed),
                "-f", str(text_file), "-w", str(out_wav)]


VOICES = [
    Voice("kalM", "male", "festival", "kal_diphone"),
    Voice("sltF", "female", "festival", "cmu_us_slt_arctic_hts"),
    Voice("espM", "male", "espeak-ng", "en-us+m3", pitch=30, speed=160),
    Voice("espF", "female", "espeak-ng", "en-us+f3", pitch=75, speed=170),
]

DEBIAN_PACKAGES = ["espeak-ng", "festival", "festvox-kallpc16k", "festvox-us-slt-hts", "sox"]
_FESTIVAL_VOICE_DIRS = {
    "kal_diphone": "/usr/share/festival/voices/english/kal_diphone",
    "cmu_us_slt_arctic_hts": "/usr/share/festival/voices/us/cmu_us_slt_arctic_hts",
}


def missing_tools() -> list[str]:
    """Debian packages whose programs or voices are absent (empty when all present)."""
    missing = []
    if shutil.which("espeak-ng") is None:
        missing.append("espeak-ng")
    if shutil.which("text2wave") is None:
        missing.append("festival")
    if not os.path.isdir(_FESTIVAL_VOICE_DIRS["kal_diphone"]):
        missing.append("festvox-kallpc16k")
    if not os.path.isdir(_FESTIVAL_VOICE_DIRS["cmu_us_slt_arctic_hts"]):
        missing.append("festvox-us-slt-hts")
    if shutil.which("sox") is None:
        missing.append("sox")
    return missing


def ensure_tools() -> None:
    """Install the Debian packages when missing (as root with apt-get), else stop clearly."""
    missing = missing_tools()
    if not missing:
        return
    can_install = shutil.which("apt-get") is not None and os.geteuid() == 0
    if not can_install:
        sys.exit("make_demo_corpus: missing Debian packages: " + " ".join(missing)
                 + "\n  install them with: sudo apt-get install " + " ".join(missing))
    print(f"make_demo_corpus: installing Debian packages: {' '.join(missing)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                   check=True, env=env)
    still = missing_tools()
    if still:
        sys.exit(f"make_demo_corpus: still missing after apt-get: {' '.join(still)}")


def sentence_id(index: int) -> str:
    """Sentence id for a 0-based index: ``s001`` ... ``s100``."""
    return f"s{index + 1:03d}"


def wav_path(out_dir: Path, spk: str, sid: str) -> Path:
    return out_dir / "wav" / spk / f"{spk}_{sid}.wav"


def synthesise(voice: Voice, text: str, target: Path) -> None:
    """Synthesise ``text`` into ``target`` (16 kHz mono 16-bit), atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo_corpus_") as tmp:
        tmp_dir = Path(tmp)
        text_file = tmp_dir / "text.txt"
        text_file.write_text(text + "\n", encoding="utf-8")
        raw = tmp_dir / "raw.wav"
        subprocess.run(voice.synth_command(text_file, raw), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        partial = target.with_name(f".{target.name}.partial.wav")
        # -D: no dither, so the output is bit-exact from run to run.
        # gain -n -3: every speaker at the same peak level (-3 dBFS).
        subprocess.run(["sox", "-D", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                        "-e", "signed-integer", str(partial), "gain", "-n", "-3"],
                       check=True, stderr=subprocess.PIPE)
        os.replace(partial, target)


def build(out_dir: Path, n_sentences: int = len(SENTENCES), nj: int = 2,
          speakers: list[str] | None = None, quiet: bool = False) -> list[Path]:
    """Build (or complete) the corpus in ``out_dir``; return the wav paths in order.

    Args:
        out_dir: output directory (created).
        n_sentences: use the first ``n_sentences`` sentences (1..100).
        nj: synthesis processes run at the same time.
        speakers: subset of speaker ids (default: all four).
        quiet: no progress output.
    """
    if not 1 <= n_sentences <= len(SENTENCES):
        raise ValueError(f"n_sentences must be in 1..{len(SENTENCES)}, got {n_sentences}")
    voices = [v for v in VOICES if speakers is None or v.spk in speakers]
    unknown = set(speakers or []) - {v.spk for v in VOICES}
    if unknown:
        raise ValueError(f"unknown demo speaker(s) {sorted(unknown)}; "
                         f"known: {[v.spk for v in VOICES]}")
    ensure_tools()
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(v, SENTENCES[i], wav_path(out_dir, v.spk, sentence_id(i)))
            for v in voices for i in range(n_sentences)]
    todo = [j for j in jobs if not j[2].is_file()]  # resume: finished files are complete
    if not quiet:
        print(f"make_demo_corpus: {len(jobs)} utterances ({len(voices)} speakers x "
              f"{n_sentences} sentences), {len(jobs) - len(todo)} already built, "
              f"{len(todo)} to synthesise with {nj} jobs -> {out_dir}", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, nj)) as pool:
        # list() re-raises the first failure (CalledProcessError names the command).
        list(pool.map(lambda job: synthesise(*job), todo))
    _write_text(out_dir / "sentences.txt",
                "".join(f"{sentence_id(i)} {SENTENCES[i]}\n" for i in range(n_sentences)))
    _write_text(out_dir / "speakers.txt",
                "".join(f"{v.spk} {v.gender} {v.engine} {v.voice}\n" for v in voices))
    return [j[2] for j in jobs]


def _write_text(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=REPO_ROOT / "corpora" / "demo",
                        help="output directory (default: corpora/demo at the repository root)")
    parser.add_argument("--n_sentences", "--n-sentences", type=int, default=len(SENTENCES),
                        help=f"number of sentences per speaker, 1..{len(SENTENCES)} "
                             f"(default: {len(SENTENCES)}; fewer for quick tests)")
    parser.add_argument("--nj", type=int, default=os.cpu_count() or 1,
                        help="synthesis processes run in parallel (default: CPU cores)")
    parser.add_argument("--speakers", default=None,
                        help="space-separated subset of " + " ".join(v.spk for v in VOICES))
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        paths = build(args.out_dir, args.n_sentences, args.nj,
                      args.speakers.split() if args.speakers else None)
    except (ValueError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", b"") or b""
        print(f"make_demo_corpus: error: {e}\n{detail.decode(errors='replace')}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in paths)
    print(f"make_demo_corpus: done: {len(paths)} files, {size / 1e6:.1f} MB, "
          f"{time.monotonic() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
