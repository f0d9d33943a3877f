"""vcgan: GAN-based voice conversion and speech post-filtering.

The Python API (:mod:`vcgan.api`): ``vcgan.load(bundle)`` gives a converter with
``convert(x, sr, src=, tgt=)`` and ``convert_file(in, out)``; ``vcgan.evaluate(ref_dir,
conv_dir)`` scores converted speech. They are imported on first use, so ``import vcgan`` stays
light (no torch).
"""

__version__ = "0.1.0"

__all__ = ["VoiceConverter", "evaluate", "load"]


def __getattr__(name: str):
    if name in __all__:
        from vcgan import api
        return getattr(api, name)
    raise AttributeError(f"module 'vcgan' has no attribute {name!r}")
