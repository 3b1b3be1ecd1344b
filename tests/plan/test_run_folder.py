"""The file names of a cell's run folder, as the workflow asks for them (steel.plan.run_folder)."""

from __future__ import annotations

import pytest

from steel.plan import run_folder


@pytest.mark.parametrize(("alpha", "vector"), [(False, False), (True, False), (False, True), (True, True)])
def test_a_cell_has_its_stylize_files_its_metrics_and_what_the_options_add(alpha, vector):
    stylized = run_folder.stylize_files(alpha)
    assert stylized[:2] == (run_folder.LOSSES, run_folder.RECORD) and stylized[-1] == run_folder.STYLIZED
    assert (run_folder.ALPHA in stylized) is alpha
    files = run_folder.cell_files(alpha, vector)
    assert files[: len(stylized)] == stylized and files[len(stylized)] == run_folder.METRICS
    added = (run_folder.SVG, run_folder.VECTOR_RECORD, run_folder.VECTOR_PREVIEW)
    assert files[len(stylized) + 1 :] == (added if vector else ())
    assert len(set(files)) == len(files)


def test_a_cell_is_a_raster_unless_asked_for_a_vector():
    assert run_folder.cell_files(alpha=False) == run_folder.cell_files(False, vector=False)
