"""The version of the code that shapes results: the loss, the loop, the images it reads and writes.

The workflow passes it to every ``stylize`` job as a param, and checkpoints carry it, so that a
change of the algorithm reruns the cells it affects (and a checkpoint from before it is not
resumed), while a reformat, a docstring or a change of the thin wrappers reruns nothing.

Bump it by hand, in the same commit, whenever a change can alter a stylized pixel or a logged loss
(losses.py, optimise.py, features.py, weights.py conventions, images.py reading/resizing).
"""

RESULT_VERSION = 2  # 2: L-BFGS moves pixels at 0/255; EXIF orientation; float TIFFs; TF32 Gram on CUDA
#: the outline method's result format (steel.cells.outline): bump when the same settings would give
#: other outline files; the workflow's outline cells take it as a param
OUTLINE_VERSION = 1
