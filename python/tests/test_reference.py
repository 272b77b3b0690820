"""The reference split (ANT corpus) in this process, against the command line."""

import tasnif
from conftest import assert_same_records, corpus_dir


def test_label_matches_cli_on_the_test_split(reference):
    model = tasnif.Model.load(reference["model"])
    got = model.label(reference["texts"], ids=reference["ids"], explain=3)
    assert got == reference["records"]  # same order too
    assert_same_records(got, reference["records"])
    # The records are not all alike: every label of the model is chosen somewhere.
    assert {r["label"] for r in got} == set(model.labels)


def test_train_matches_cli_on_the_training_split(reference):
    corpus = reference["corpus"]
    model = tasnif.train(corpus, list=corpus / "split" / "train.txt")
    assert model.to_bytes() == reference["model"].read_bytes()


def test_corpus_missing_is_reported(monkeypatch, tmp_path):
    # Without the corpus the tests skip (or fail under CI=true) and say where they looked.
    import pytest

    monkeypatch.setenv("TASNIF_DATA", str(tmp_path))
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match=str(tmp_path)):
        corpus_dir("probe")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        corpus_dir("probe")
