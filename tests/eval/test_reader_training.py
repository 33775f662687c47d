"""The reader trainer's parts that are ours (training/reader.py, training/onnx_weights.py): ranking
groups made from an article's other paragraphs, the entity swap inside a unit, and a shipped reader's weights read back from ONNX."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.eval import load_squad
from training.reader import Example, entity_swapped_inside, ranked_groups, units_of

PARAGRAPHS = ["The castle stands on a hill. Its walls were built in 1204 by the duke.",
              "The castle has a tower. The tower is tall and the gate is old.",
              "Tourists visit the castle every summer. They buy tickets at the gate.",
              "The duke died in 1230. His son sold the castle to the bishop."]


@pytest.fixture
def article(tmp_path):
    data = {"version": "1.1", "data": [{"title": "Castle", "paragraphs": [{"context": p, "qas": []} for p in PARAGRAPHS]}]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    doc = load_squad(path).documents[0]
    return {doc.doc_id: doc}


def positive(docs, paragraph: int, question: str) -> Example:
    doc = next(iter(docs.values()))
    passage, units = units_of(doc)[paragraph]
    return Example(question, units[0].text, 1, None, "reworded", doc.doc_id, passage.passage_id)


def test_a_group_is_the_answering_unit_then_one_unit_of_each_other_paragraph(article, fake_embedder):
    x = positive(article, 0, "When were the castle walls put up?")
    groups = ranked_groups(article, [x], fake_embedder.encode, 3)
    assert len(groups) == 1
    g = groups[0]
    assert g.question == x.question and g.units[0] == x.unit and len(g.units) == 3
    others = [PARAGRAPHS.index(next(p for p in PARAGRAPHS if u in p)) for u in g.units[1:]]
    assert 0 not in others and len(set(others)) == 2


def test_no_group_where_the_article_has_too_few_other_paragraphs(article, fake_embedder):
    x = positive(article, 1, "How tall is the tower?")
    assert ranked_groups(article, [x], fake_embedder.encode, 5) == []
    negative = Example(x.question, x.unit, 0)
    assert ranked_groups(article, [negative], fake_embedder.encode, 3) == []


def test_an_inside_swap_asks_of_another_name_of_the_same_unit_never_of_its_answer():
    import random

    unit = "The Panthers were founded in 1995 by Jerry Richardson, while the Denver Broncos date from 1960."
    start = unit.index("Jerry Richardson")
    asked = [entity_swapped_inside("Who founded the Panthers?", unit, (start, start + 16), random.Random(seed))
             for seed in range(20)]
    assert set(asked) == {"Who founded the Denver Broncos?"}  # not "Who founded Jerry Richardson?", nor the question's own name
    # a positive whose answer is not located in the unit: any other name of the unit will do
    unlocated = {entity_swapped_inside("Who founded the Panthers?", unit, None, random.Random(seed)) for seed in range(20)}
    assert unlocated == {"Who founded the Denver Broncos?", "Who founded the Jerry Richardson?"}


def test_no_inside_swap_where_the_question_names_nothing_of_the_unit_or_the_unit_names_nothing_else():
    import random

    rng = random.Random(0)
    assert entity_swapped_inside("Who founded the club?", "The Panthers were founded in 1995.", None, rng) is None
    assert entity_swapped_inside("When were the Panthers founded?", "The Panthers were founded in 1995.", None, rng) is None


def test_the_shipped_readers_weights_read_back_from_onnx_give_its_logits():
    import onnxruntime as ort
    import torch
    from transformers import AutoTokenizer

    from qa.config import go_offline
    from qa.models.bundled import bundled_model_dir
    from qa.models.reader import META, load_meta
    from training.onnx_weights import load_into
    from training.reader import Reader

    go_offline()
    model_file = META.parent / load_meta().model
    folder = bundled_model_dir()
    tok = AutoTokenizer.from_pretrained(str(folder))
    model = Reader(folder)
    load_into(model, model_file)
    model.eval()
    pairs = [("When were the walls built?", "Its walls were built in 1204 by the duke."),
             ("When were the walls built?", "Tourists visit the castle every summer."),
             ("Who bought the castle?", "His son sold the castle to the bishop.")]
    enc = tok([q for q, _ in pairs], [u for _, u in pairs], padding=True, return_tensors="np")
    names = ("input_ids", "attention_mask", "token_type_ids")
    session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    shipped = np.concatenate([session.run(None, {n: enc[n][i:i + 1].astype(np.int64) for n in names})[0]
                              for i in range(len(pairs))])
    with torch.no_grad():
        read_back = model(*(torch.tensor(enc[n]) for n in names))[0].numpy()
    # int8 rounding of the activations is all that parts them: same order, logits within a few tenths
    assert np.abs(read_back - shipped).max() < 0.5
    assert list(np.argsort(read_back)) == list(np.argsort(shipped))
    assert shipped[0] > shipped[1]


def test_the_chooser_finds_a_runs_tokenizer_or_the_shipped_readers_own(tmp_path):
    from qa.config import PROJECT_ROOT
    from training.reader_choose import tokenizer_beside

    shipped = PROJECT_ROOT / "qa" / "models" / "reader.int8.onnx"
    assert tokenizer_beside(shipped) == PROJECT_ROOT / "qa" / "models" / "reader.tokenizer.json"
    assert tokenizer_beside(shipped).exists()
    (tmp_path / "tokenizer.json").write_text("{}", encoding="utf-8")
    assert tokenizer_beside(tmp_path / "model.int8.onnx") == tmp_path / "tokenizer.json"
