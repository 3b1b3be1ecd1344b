"""Work on a cell's run folder, from files to files: stylize cells (:mod:`.stylize`), trace a result
as a vector logo (:mod:`.trace`), measure it (:mod:`.measure`), run a convergence study's schedule
(:mod:`.convergence`); every one of them reads its pair through :mod:`.pair`. The folder's file
names are :mod:`steel.plan.run_folder` (torch-free: planning reads them).

Below this package, nothing opens a run folder: :mod:`steel.render` and :mod:`steel.evaluate` take
images and numbers.
"""
