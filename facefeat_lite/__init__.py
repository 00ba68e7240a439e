"""facefeat-lite: an educational reference implementation of FaceFeat-GAN and IDE.

The notebooks in ``notebooks/`` tell the story; this package does the work. Start with
``notebooks/00_data`` (SynthFaces, the embedded face data set).
"""

__version__ = "0.1.0"
