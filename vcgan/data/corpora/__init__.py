"""Corpus preparation: one module per corpus, each building Kaldi data directories.

Every module has ``prepare(corpus_dir, data_dir, ...)`` and a command line
(``python -m vcgan.data.corpora.<name> prepare ...``, used by the recipes'
``local/data_prep.sh``); real corpora also have ``download``.

Layout written under ``data_dir`` (the same for every corpus)::

    data/train  data/dev  data/eval             all selected speakers of the split
    data/train_<spk>  data/dev_<spk>  data/eval_<spk>   one speaker of the split

Utterance ids are ``<spk>_<sentence-key>`` (speaker first, as Kaldi sorting expects), so
a parallel pair shares the part after the speaker. ``dev`` and ``eval`` are parallel
(every speaker reads the same sentences). For non-parallel training, source speakers train
on the first half and target speakers on the second half of the shared training sentences.
"""
