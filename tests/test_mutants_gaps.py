"""Gaps that surviving mutants (`make mutants`, issue 17) showed in the unit tests."""

from __future__ import annotations

import pytest
import torch

from steel.errors import SteelError
from steel.evaluate import metrics
from steel.evaluate.metrics import character_error_rate, choose_best, levenshtein
from steel.transfer.losses import StyleTransferLoss, tv_loss


def test_a_layer_absent_from_every_cell_is_not_computed():
    # the cells' mappings name only their active layers (steel.transfer.layers.parse_cell_id): a style
    # layer that no mapping mentions must not be computed, nor its features asked for
    style = {"conv1_1": torch.ones(1, 1, 2, 2), "conv1_2": torch.ones(1, 1, 2, 2)}
    loss = StyleTransferLoss(
        style,
        {"conv4_2": torch.zeros(1, 1, 1, 2)},
        [{"conv1_1": 1.0}],
        content_layer="conv4_2",
        content_weight=1.0,
        tv_weight=0.0,
        target_size={"conv1_1": (2, 2), "conv1_2": (2, 2)},
    )
    assert loss.style_layers == ["conv1_1"]
    parts = loss(
        {"conv1_1": torch.ones(1, 1, 2, 2), "conv4_2": torch.zeros(1, 1, 1, 2)}, torch.zeros(1, 3, 2, 2)
    )
    assert set(parts) == {"total", "content", "style", "tv", "conv1_1"}


def test_a_non_square_style_gram_is_rescaled_by_its_height_times_width():
    # a 2x8 style map of ones has Gram 16 (H*W); at a synthesized 4x2 size that is 16 * 8/16 = 8
    loss = StyleTransferLoss(
        {"conv1_1": torch.ones(1, 1, 2, 8)},
        {"conv1_1": torch.ones(1, 1, 4, 2)},
        [{"conv1_1": 1.0}],
        content_layer="conv1_1",
        content_weight=1.0,
        tv_weight=0.0,
        target_size={"conv1_1": (4, 2)},
    )
    torch.testing.assert_close(loss.gram_conv1_1, torch.tensor([[[8.0]]]))
    parts = loss({"conv1_1": torch.ones(1, 1, 4, 2)}, torch.zeros(1, 3, 4, 2))
    torch.testing.assert_close(parts["total"], torch.tensor([0.0]))


def test_tv_loss_compares_every_pair_of_neighbouring_rows():
    # three rows 0, 1, 3 (one column): vertical differences 1 and 2, mean of squares 2.5; no
    # horizontal neighbours in a one-column image would give nan, so take two equal columns
    image = torch.tensor([[[[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]]]])
    torch.testing.assert_close(tv_loss(image), torch.tensor([2.5]))
    torch.testing.assert_close(tv_loss(image.transpose(2, 3)), torch.tensor([2.5]))


def test_style_layer_loss_of_non_square_features_uses_their_height_and_width():
    # features of ones at 1x4 (H x W): Gram [[4]]; against a zero target E = 16 / (4 * 1 * 16)
    loss = StyleTransferLoss(
        {"conv1_1": torch.zeros(1, 1, 1, 4)},
        {"conv4_2": torch.zeros(1, 1, 1, 1)},
        [{"conv1_1": 1.0}],
        content_layer="conv4_2",
        content_weight=0.0,
        tv_weight=0.0,
        target_size={"conv1_1": (1, 4)},
    )
    features = {"conv1_1": torch.ones(1, 1, 1, 4), "conv4_2": torch.zeros(1, 1, 1, 1)}
    parts = loss(features, torch.zeros(1, 3, 2, 2))
    torch.testing.assert_close(parts["conv1_1"], torch.tensor([0.25]))
    torch.testing.assert_close(parts["total"], torch.tensor([0.25]))


def test_levenshtein_needs_all_three_edits_and_handles_empty_strings():
    # "abc" -> "xab": insert x, delete c (2); substitutions alone would take 3
    assert levenshtein("abc", "xab") == 2
    assert levenshtein("xab", "abc") == 2
    assert levenshtein("", "") == 0
    assert levenshtein("abc", "") == 3


def test_an_empty_reference_text_is_refused_with_a_reason():
    with pytest.raises(SteelError, match=r"^the character error rate needs a non-empty reference text$"):
        character_error_rate("abc", " \u3000")


def _row(cell, strength, artefacts, cer):
    return {"cell": cell, "style_strength": strength, "artefacts": artefacts, "cer": cer}


def test_best_ranks_missing_numbers_last_and_breaks_ties_by_artefacts_then_cer():
    # a qualifying cell whose style strength was not measured never beats a measured one
    rows = [_row("a", None, 0.0, 0.0), _row("b", 0.2, 0.0, 0.0)]
    assert choose_best(rows, max_cer=0.5)["cell"] == "b"
    assert choose_best(rows[::-1], max_cer=0.5)["cell"] == "b"
    # equal style strength: fewer artefacts (a missing value counts as the most), then lower CER
    rows = [_row("a", 0.5, None, 0.0), _row("b", 0.5, 0.02, 0.1), _row("c", 0.5, 0.02, 0.05)]
    assert choose_best(rows, max_cer=0.5)["cell"] == "c"
    assert choose_best(rows[:2], max_cer=0.5)["cell"] == "b"


def test_best_of_no_rows_is_refused_with_a_reason():
    with pytest.raises(SteelError, match=r"^no cells to choose from$"):
        choose_best([], max_cer=0.5)


def test_the_mean_of_no_measured_layer_is_none_not_nan():
    assert metrics._mean([None, None]) is None
    assert metrics._mean([None, 0.25, 0.5]) == 0.375


def test_unmeasured_artefacts_or_cer_count_as_the_worst_in_the_limits_and_the_fallbacks():
    # under an artefact limit, a cell without the number does not qualify
    rows = [_row("a", 0.9, None, 0.0), _row("b", 0.2, 0.0, 0.0)]
    assert choose_best(rows, max_cer=0.5, max_artefacts=0.1)["cell"] == "b"
    # no cell is clean: the fewest artefacts among the readable ones, unmeasured last
    rows = [_row("a", 0.9, None, 0.0), _row("b", 0.2, 0.5, 0.0)]
    assert choose_best(rows, max_cer=0.5, max_artefacts=0.1)["cell"] == "b"
    # no cell is readable: the lowest CER, unmeasured last
    rows = [_row("a", 0.9, 0.0, None), _row("b", 0.2, 0.0, 0.9)]
    assert choose_best(rows, max_cer=0.5)["cell"] == "b"


@pytest.mark.parametrize("text", ["", " nan ", "NaN", "none", "None", "NA", "na", "inf", "-inf"])
def test_missing_or_non_finite_table_values_are_no_number(text):
    # TSV cells read back as text: every spelling of "missing" and infinities are no number
    assert metrics._number(text) is None
    assert metrics._number(float(text)) is None if text.strip().lower() in ("nan", "inf", "-inf") else True


def test_numbers_read_back_from_text():
    assert metrics._number(" 0.25 ") == 0.25 and metrics._number(3) == 3.0 and metrics._number(None) is None


def test_a_row_with_equal_style_and_more_errors_is_off_the_front():
    rows = [
        {"cell": "a", "style_strength": 0.4, "cer": 0.1},
        {"cell": "b", "style_strength": 0.4, "cer": 0.2},
        {"cell": "c", "style_strength": 0.2, "cer": 0.1},
    ]
    assert metrics.pareto_front(rows) == ["a"]


def test_selection_limits_in_words_and_to_6_digits():
    limits = metrics.selection_limits({"cer": 0.1234567, "artefacts": 0.0000004}, 0.1, 0.2000001)
    assert limits["cer_limit"] == 0.223457 and limits["artefact_limit"] == 0.2
    assert limits["rule"] == (
        "highest style strength among the cells with CER <= 0.223457 (the unstyled reference's "
        "0.123457 + max_cer 0.1) and artefacts <= 0.2 (the reference's 4e-07 + max_artefacts 0.2); "
        "ties: fewer artefacts, lower CER. If none qualifies: the fewest artefacts among the readable "
        "cells, else the lowest CER"
    )
    unlimited = metrics.selection_limits({"cer": 0.0, "artefacts": 0.1}, 0.0, None)["rule"]
    assert "and no artefact limit (max_artefacts: null);" in unlimited
    unmeasured = metrics.selection_limits({"cer": 0.0, "artefact_note": "grey ground"}, 0.0, 0.1)["rule"]
    assert "and no artefact limit (artefacts not measured: grey ground);" in unmeasured
    assert "(artefacts not measured: no reference);" in metrics.selection_limits(None, 0.0, 0.1)["rule"]
